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


def _assignment(out: Path) -> dict[str, str]:
    rows = duckdb.sql(f"SELECT address, cluster FROM read_parquet('{out}/clusters/*.parquet')").fetchall()
    return dict(rows)


def test_peel_chain_with_coinjoin_same_clusters_on_both_engines(tmp_path: Path, spark: Any) -> None:
    txs = chain_world(40) + [whirlpool(100, 50_000)]
    src = write_export(tmp_path / "in", txs)
    local = cluster_local(src, tmp_path / "local")
    dist = cluster_spark(src, tmp_path / "spark", spark=spark)
    assert local == dist
    clusters = _assignment(tmp_path / "local")
    assert clusters == _assignment(tmp_path / "spark")
    # the 41 co-spending addresses of the chain are one cluster named by the smallest address
    assert {clusters[addr(2 * i)] for i in range(41)} == {addr(0)}
    # the Whirlpool round merged nobody
    assert local.coinjoins_skipped == 1
    assert len({clusters[addr(50_000 + k)] for k in range(5)}) == 5
    merges = duckdb.sql(f"SELECT a, b, heuristic, tx_hash FROM read_parquet('{tmp_path}/local/merges/*.parquet') "
                        f"WHERE b = '{addr(2)}'").fetchall()
    assert merges == [(addr(0), addr(2), "cioh", f"{0:064x}")]


def test_supercluster_guard_dissolves_on_both_engines(tmp_path: Path, spark: Any) -> None:
    src = write_export(tmp_path / "in", chain_world(12) + [whirlpool(100, 50_000)])
    local = cluster_local(src, tmp_path / "local", max_cluster_size=10)
    dist = cluster_spark(src, tmp_path / "spark", spark=spark, max_cluster_size=10)
    assert local == dist and local.refused_clusters == 1 and local.merges == 0
    assert all(a == c for a, c in _assignment(tmp_path / "local").items())


def test_sandbox_world_nested_parquet_and_flat_csv_same_digest(tmp_path: Path) -> None:
    world, _truth, _labels = generate_world(7, "demo")
    export_world(world, tmp_path / "pq", fmt="parquet")  # bitcoin-etl nested inputs/outputs
    export_world(world, tmp_path / "csv", fmt="csv")  # BigQuery flat inputs/outputs tables
    local = cluster_local(tmp_path / "pq" / "bitcoin", tmp_path / "local")
    assert local == cluster_local(tmp_path / "csv" / "bitcoin", tmp_path / "local-csv")
    assert local.multi_clusters >= 3 and local.coinjoins_skipped >= 1
