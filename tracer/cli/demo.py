"""``tracer demo``: the whole job offline -- sandbox incident, trace, export, figures, truth check.

It uses exactly the adapters, engine and store of a real trace; only the base URLs point at the in-process
sandbox server on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import typer
from rich.table import Table

from db.archive import SqlResponseArchive
from db.labels import LabelStore
from db.prices import PriceTable
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import STATE, console, print_json, run, stdout
from tracer.cli.tables import print_summary
from tracer.cli.trace import run_with_progress
from tracer.cli.wiring import build
from tracer.cli.world_prices import world_price_points
from tracer.config import Settings
from tracer.evaluation import evaluate
from tracer.export import build_export
from tracer.exporters import write_export
from tracer.labels.importer import import_file
from tracer.model import Address, CaseParameters, Chain, Seed
from tracer.sandbox.launch import RunningSandbox, start_sandbox

DEMO_CASE = "sandbox-demo"
DEMO_RATE = "500"  # requests/s against the local sandbox (the real defaults are the APIs' published limits)


@app.command("demo")
def demo_command(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Folder for the case database, export and figures."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated incident."),
    scale: str = typer.Option("demo", "--scale", help="demo | large"),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Render the figure pack."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run the main job offline: generate a laundering incident, serve it locally, trace it, export and draw it."""

    def body() -> None:

        started = time.monotonic()
        if out.exists():
            for name in ("case.db", "case.db-wal", "case.db-shm", "export.json"):
                (out / name).unlink(missing_ok=True)
            shutil.rmtree(out / "figures", ignore_errors=True)
            shutil.rmtree(out / "tables", ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)
        console.print(f"generating the sandbox incident (seed {seed}, scale {scale}) …")
        sandbox = start_sandbox(seed, scale, out_dir=out / "sandbox")
        try:
            env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{(out / 'case.db').resolve()}",
                   "TRACER_ETHERSCAN_RATE": DEMO_RATE, "TRACER_ESPLORA_RATE": DEMO_RATE,
                   "TRACER_TRONGRID_RATE": DEMO_RATE, "TRACER_MIDGARD_RATE": DEMO_RATE, "TRACER_HTTP_TIMEOUT": "10"}
            settings = Settings.load(env, config_path=out / "no-config.toml")
            STATE.settings = settings
            store = Store.open(settings.database_url)
            imported = import_file(LabelStore(store.engine), sandbox.labels_path, source="sandbox")
            console.print(f"imported {imported.imported} sandbox labels; serving on {sandbox.urls()['etherscan']}")
            _import_world_prices(store, sandbox)
            wiring = build(settings, store, (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON))
            seeds = [Seed(Address(Chain.ETHEREUM, sandbox.truth.exploiter))]
            # The showcase also proposes instant-exchange payouts (inferred layer, kept apart from proven value).
            outcome = run_with_progress(wiring, DEMO_CASE, seeds, CaseParameters(match_instant=True))
            doc = build_export(store, DEMO_CASE, wiring.labels)
            write_export(doc, "json", out / "export.json")
            write_export(doc, "csv", out / "tables")
            truth = json.loads(sandbox.truth_path.read_text(encoding="utf-8"))
            score = evaluate(doc, truth)
            figure_paths = _figures(doc, out / "figures") if figures else []
        finally:
            sandbox.stop()
        elapsed = time.monotonic() - started
        files = [str(out / "export.json"), str(out / "tables"), str(out / "case.db"), str(sandbox.truth_path),
                 *map(str, figure_paths)]
        result = {"case": DEMO_CASE, "out": str(out), "finished": outcome.finished,
                  "addresses_expanded": outcome.stats.nodes_expanded, "requests": wiring.requests(),
                  "seconds": round(elapsed, 1), "evaluation": score.as_dict(),
                  "files": files}
        if json_out:
            print_json(result)
            return
        print_summary(doc)
        _print_score(score.as_dict())
        stdout.print(f"traced {outcome.stats.nodes_expanded} addresses with {wiring.requests()} requests "
                     f"in {elapsed:.1f} s")
        for path in files:
            stdout.print(f"  {path}")

    run(body)


def _import_world_prices(store: Store, sandbox: RunningSandbox) -> None:
    """Daily USD closes of the world's assets through the real CoinGecko adapter (the sandbox speaks its dialect),
    so values and instant-exchange rates use the world's own prices, archived like every other response."""
    PriceTable(store).add_points(world_price_points(sandbox, SqlResponseArchive(store)))


def _figures(doc: dict[str, object], folder: Path) -> list[Path]:
    from tracer.figures.render import render_case

    report = render_case(doc, folder)
    for line in getattr(report, "messages", []):
        console.print(line)
    return [folder]


def _print_score(score: dict[str, object]) -> None:
    table = Table(title="ground truth check (USD at the world's fixed prices)")
    for col in ("status", "truth", "traced"):
        table.add_column(col, justify="left" if col == "status" else "right")
    truth = score["truth_usd"]
    found = score["found_usd"]
    assert isinstance(truth, dict) and isinstance(found, dict)
    for key in sorted(set(truth) | set(found)):
        table.add_row(key, f"{float(truth.get(key, 0)):,.0f}", f"{float(found.get(key, 0)):,.0f}")
    stdout.print(table)
    stdout.print(f"value reaching the right terminal status: {float(score['recall_by_value']):.1%} · "  # type: ignore[arg-type]
                 f"cross-chain pairs found: {score['cross_chain']} · noise followed: {len(score['noise_followed'])} · "  # type: ignore[arg-type]
                 f"busy wallets expanded: {len(score['busy_expanded'])} · "  # type: ignore[arg-type]
                 f"conservation error: {score['conservation_error']:.1e}")
    patterns = score["patterns"]
    assert isinstance(patterns, dict)
    stdout.print("patterns followed: " + " · ".join(f"{k} {v}" for k, v in patterns.items()))
