"""Whole-chain clustering: the in-process and the Spark engine give the same clusters, skip CoinJoins, apply the
supercluster guard, and name the transaction of every merge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tests.bulk.btc_builders import addr, chain_world, whirlpool, write_export
from tracer.bulk.local import cluster_local
from tracer.bulk.spark import cluster_spark
from tracer.sandbox.etl_export import export_world
from tracer.sandbox.generator import generate_world

LONG, SHORT = 24, 6  # co-spend chains of 25 and 7 addresses


def _assignment(out: Path) -> dict[str, str]:
    relation = duckdb.sql(f"SELECT address, cluster FROM read_parquet('{out}/clusters/*.parquet')")
    assert relation is not None  # a SELECT always has a relation; the stub allows None for statements
    return dict(relation.fetchall())


def test_local_and_spark_engines_agree_on_chains_coinjoin_and_guard(tmp_path: Path, spark: Any) -> None:
    txs = chain_world(LONG) + chain_world(SHORT, start=1_000) + [whirlpool(5_000, 50_000)]
    src = write_export(tmp_path / "in", txs)
    local = cluster_local(src, tmp_path / "local", max_cluster_size=20)
    dist = cluster_spark(src, tmp_path / "spark", spark=spark, max_cluster_size=20)
    assert local == dist
    clusters = _assignment(tmp_path / "local")
    assert clusters == _assignment(tmp_path / "spark")
    # the short chain is one cluster named by its smallest address; the long one (25 > 20) was dissolved
    assert {clusters[addr(2 * i)] for i in range(1_000, 1_000 + SHORT + 1)} == {addr(2_000)}
    assert all(clusters[addr(2 * i)] == addr(2 * i) for i in range(LONG + 1))
    assert (local.multi_clusters, local.refused_clusters, local.merges) == (1, 1, SHORT)
    # the Whirlpool round merged nobody
    assert local.coinjoins_skipped == 1
    assert len({clusters[addr(50_000 + k)] for k in range(5)}) == 5
    for engine in ("local", "spark"):
        merges = duckdb.sql(f"SELECT cluster, a, b, heuristic, tx_hash FROM "
                            f"read_parquet('{tmp_path}/{engine}/merges/*.parquet') WHERE b = '{addr(2_004)}'")
        assert merges is not None  # a SELECT always has a relation; the stub allows None for statements
        assert merges.fetchall() == [(addr(2_000), addr(2_002), addr(2_004), "cioh", f"{1_001:064x}")]


def test_the_long_chain_is_one_cluster_without_the_guard(tmp_path: Path) -> None:
    src = write_export(tmp_path / "in", chain_world(LONG))
    summary = cluster_local(src, tmp_path / "out")
    assert (summary.multi_clusters, summary.merges, summary.refused_clusters) == (1, LONG, 0)
    assert set(_assignment(tmp_path / "out").values()) >= {addr(0)}


def test_sandbox_world_nested_parquet_and_flat_csv_same_digest(tmp_path: Path) -> None:
    world, _truth, _labels = generate_world(7, "demo")
    export_world(world, tmp_path / "pq", fmt="parquet")  # bitcoin-etl nested inputs/outputs
    export_world(world, tmp_path / "csv", fmt="csv")  # BigQuery flat inputs/outputs tables
    local = cluster_local(tmp_path / "pq" / "bitcoin", tmp_path / "local")
    assert local == cluster_local(tmp_path / "csv" / "bitcoin", tmp_path / "local-csv")
    assert local.multi_clusters >= 3 and local.coinjoins_skipped >= 1
