"""Full-history mixer linking: the in-process and the Spark engine write the same link table (digest), on the real
Tornado pool events and on a sandbox world; and a link carries one name whether the bulk job or the trace found it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from typer.testing import CliRunner

from tests.bulk.pool_events import write_pool_events
from tests.e2e.harness import export, running_sandbox, settings_for, trace
from tests.shared_data import SHARED_DATA
from tracer.bulk.mixer_table import heuristic_name, summarize, table_digest
from tracer.bulk.mixers import link_rows, run_mixers
from tracer.bulk.spark_mixers import mixers_spark
from tracer.cli.app import app
from tracer.model import Chain
from tracer.sandbox.etl_export import export_world
from tracer.sandbox.generator import generate_world

EVENTS = SHARED_DATA / "tornado_cash_events" / "ethereum"


def _parquet_rows(folder: Path) -> list[dict[str, object]]:
    rel = duckdb.sql(f"SELECT * FROM read_parquet('{folder}/mixer_links/*.parquet')")
    assert rel is not None
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def test_real_pool_events_give_the_same_link_table_on_both_engines(tmp_path: Path, spark: Any) -> None:
    local = run_mixers(EVENTS, Chain.ETHEREUM)
    rows = link_rows(Chain.ETHEREUM, local.links)
    dist = mixers_spark(EVENTS, Chain.ETHEREUM, out=tmp_path / "spark", spark=spark)
    assert (dist.pools, dist.deposits, dist.withdrawals) == (local.pools, local.deposits, local.withdrawals)
    assert (dist.pools, dist.deposits, dist.withdrawals) == (15, 13_228, 12_584)
    ours, theirs = summarize("local", 15, 13_228, 12_584, rows), summarize("spark", 15, 13_228, 12_584, dist.rows)
    assert ours.digest == theirs.digest == table_digest(_parquet_rows(tmp_path / "spark"))
    # events carry no sender and no gas price: only the time rule speaks, at most once per withdrawal
    assert ours.by_rule == theirs.by_rule == {"mixers.tornado.fifo_time": ours.links}
    assert 5_000 < ours.links <= 12_584


def test_sandbox_world_both_engines_agree_and_link_the_unique_gas_price_pair(tmp_path: Path, spark: Any,
                                                                            cli_env: dict[str, str]) -> None:
    world, truth, _labels = generate_world(7, "demo")
    counts = write_pool_events(world, tmp_path / "events")
    export_world(world, tmp_path / "etl", fmt="parquet")  # typed gas prices, as BigQuery exports them
    summaries = {}
    for engine in ("local", "spark"):
        done = CliRunner().invoke(app, ["bulk", "mixers", "--input", str(tmp_path / "events"), "--transactions",
                                        str(tmp_path / "etl" / "ethereum"), "--engine", engine, "--master",
                                        "local[2]", "--out", str(tmp_path / engine), "--json"], env=cli_env)
        assert done.exit_code == 0, done.output
        summaries[engine] = json.loads(done.output)
        assert table_digest(_parquet_rows(tmp_path / engine)) == summaries[engine]["digest"]
    local, dist = summaries["local"], summaries["spark"]
    assert {k: v for k, v in local.items() if k != "engine"} == {k: v for k, v in dist.items() if k != "engine"}
    assert local["deposits"] + local["withdrawals"] == sum(counts.values())
    # the launderer's self-paid withdrawal with the deposit's unique gas price (truth: linkable by H2)
    rows = {(r["deposit_tx"], r["withdrawal_tx"]): r for r in _parquet_rows(tmp_path / "spark")}
    h2 = [p for p in truth.mixer_pairs if "H2" in p.linkable_by]
    assert h2 and all("unique_gas_price" in str(rows[(p.deposit_tx, p.withdrawal_tx)]["heuristics"]) for p in h2)
    assert int(local["by_heuristic"]["mixers.tornado.unique_gas_price"]) >= len(h2)


def test_a_link_found_by_the_bulk_job_and_by_the_trace_carries_one_name(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sb") as sandbox:
        write_pool_events(sandbox.world, tmp_path / "events")
        export_world(sandbox.world, tmp_path / "etl", fmt="csv")
        store, wiring, _ = trace(sandbox, settings_for(sandbox, tmp_path / "case.db"))
        doc = export(store, wiring)
    bulk = {(r["deposit_tx"], r["withdrawal_tx"]): r for r in link_rows(
        Chain.ETHEREUM, run_mixers(tmp_path / "events", Chain.ETHEREUM, tmp_path / "etl" / "ethereum").links)}
    traced = {(lk["from_tx"], lk["to_tx"]): lk for lk in doc["links"] if lk["kind"] == "mixer"
              and lk.get("service") != "coinjoin"}
    same = [pair for pair in traced.keys() & bulk.keys()
            if traced[pair]["facts"]["heuristics"] == bulk[pair]["heuristics"]]
    assert same and any("unique_gas_price" in str(bulk[pair]["heuristics"]) for pair in same)
    for pair in same:
        assert traced[pair]["rule"] == bulk[pair]["rule"]
        assert traced[pair]["rule"].startswith("mixers.tornado.")
    summary = summarize("local", 2, 0, 0, [bulk[pair] for pair in same])
    named = {heuristic_name(h) for pair in same for h in traced[pair]["facts"]["heuristics"].split(",")}
    assert set(summary.by_heuristic) == named
