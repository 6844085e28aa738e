"""``tracer trace``, ``tracer export`` and ``tracer cases``."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chains.addresses import canonical_address
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import STATE, console, fatal, print_json, run, stdout
from tracer.cli.wiring import DEFAULT_CHAINS, Wiring, build
from tracer.engine.ports import ProgressEvent
from tracer.errors import ChainError, QuotaExhausted
from tracer.export import build_export
from tracer.exporters import write_export
from tracer.model import Address, CaseParameters, Chain, Seed, TaintModel
from tracer.tracing import TraceOutcome, run_case


def parse_target(text: str) -> Address:
    """``CHAIN:ADDRESS`` -> canonical :class:`Address`; a usage error (exit 2) when malformed."""
    chain_name, sep, raw = text.partition(":")
    if not sep or not raw:
        fatal(f"expected CHAIN:ADDRESS, got {text!r} (chains: {', '.join(c.value for c in Chain)})", 2)
    try:
        chain = Chain(chain_name.strip().lower())
    except ValueError:
        fatal(f"unknown chain {chain_name!r} (chains: {', '.join(c.value for c in Chain)})", 2)
    return Address(chain, canonical_address(chain, raw.strip()))


def open_store() -> Store:
    """The case store from settings (migrated on first use)."""
    return Store.open(STATE.get_settings().database_url)


@app.command("trace")
def trace_command(
    targets: list[str] = typer.Argument(..., help="Seed addresses as CHAIN:ADDRESS (e.g. ethereum:0x4766…)."),
    case: str = typer.Option(..., "--case", help="Case name (re-run the same command to resume)."),
    tx: str | None = typer.Option(None, "--tx", help="Theft transaction: only what the seed received in it."),
    since: str | None = typer.Option(None, "--since", help="ISO date or block: ignore inflows before it."),
    model: TaintModel = typer.Option(TaintModel.HAIRCUT, "--model", help="Taint model."),
    min_value: str = typer.Option("0", "--min-value", help="Stop below this amount (whole units of the stolen asset)."),
    max_hops: int = typer.Option(60, "--max-hops", min=1, help="Hop limit."),
    budget: int = typer.Option(5000, "--budget", min=1, help="Address budget."),
    match_instant: bool = typer.Option(True, "--match-instant/--no-match-instant",
                                       help="Propose instant-exchange payouts by amount and time (inferred, E4)."),
    bundled_labels: bool = typer.Option(True, "--bundled-labels/--no-bundled-labels",
                                        help="Use the bundled label set (installed into a fresh store)."),
    demix: bool = typer.Option(True, "--demix/--no-demix", help="Follow mixer withdrawals linked by heuristics."),
    chains: str = typer.Option(",".join(c.value for c in DEFAULT_CHAINS), "--chains",
                               help="Chains to follow into (comma-separated)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    assets: list[str] = typer.Option([], "--asset",  # noqa: B008
                                     help="Stolen asset (symbol, contract or chain:symbol@contract); repeat for "
                                          "several. Default: priced inflows (airdropped unpriced tokens are not loot)."),
) -> None:
    """Trace stolen funds from seed addresses, hop by hop, across chains; store every edge with its evidence."""

    def body() -> None:
        seeds = [Seed(parse_target(t), tx_hash=tx, since=since) for t in targets]
        try:
            minimum = Decimal(min_value)
        except InvalidOperation:
            fatal(f"--min-value must be a number, got {min_value!r}", 2)
        params = CaseParameters(model=model, max_hops=max_hops, min_value=minimum, since=since, address_budget=budget,
                                match_instant=match_instant, demix=demix, assets=tuple(assets))
        wanted = [Chain(c.strip()) for c in chains.split(",") if c.strip()]
        store = open_store()
        wiring = build(STATE.get_settings(), store, [*wanted, *(s.address.chain for s in seeds)],
                       bundled_labels=bundled_labels)
        outcome = run_with_progress(wiring, case, seeds, params)
        report(store, wiring, case, outcome, json_out)

    run(body)


def run_with_progress(wiring: Wiring, case: str, seeds: list[Seed], params: CaseParameters) -> TraceOutcome:
    """Run the case with a rich progress display; Ctrl-C and quota stops leave a resumable case."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"tracing {case}", total=None, info="")

        def on_progress(ev: ProgressEvent) -> None:
            bar.update(task, completed=ev.nodes_done, total=ev.nodes_done + ev.frontier,
                       info=f"addresses {ev.nodes_done} · frontier {ev.frontier} · requests {ev.requests} · "
                            f"accounted {ev.accounted:.1%}")

        try:
            return run_case(wiring.store, wiring.services, case, seeds, params, progress=on_progress)
        except KeyboardInterrupt:
            console.print(f"interrupted: everything done so far is stored; re-run the same command to resume {case!r}")
            raise typer.Exit(130) from None
        except QuotaExhausted as exc:
            fatal(f"{exc}; the case is stored, re-run the same command after the quota resets")
        except ChainError as exc:
            fatal(f"{exc}; the case is stored, re-run the same command to resume")
    raise AssertionError("unreachable")


def report(store: Store, wiring: Wiring, case: str, outcome: TraceOutcome, json_out: bool) -> None:
    """Print the case summary."""
    doc = build_export(store, case, wiring.labels)
    summary = {"case": case, "finished": outcome.finished, "already_finished": outcome.already_finished,
               "nodes_expanded": outcome.stats.nodes_expanded, "requests": wiring.requests(),
               "archive_hits": wiring.archive_hits(), "summary": doc["summary"],
               "conservation_error": doc["meta"]["conservation_error"]}
    if json_out:
        print_json(summary)
        return
    print_summary(doc)
    stdout.print(f"{'finished' if outcome.finished else 'paused'}: {outcome.stats.nodes_expanded} addresses expanded, "
                 f"{wiring.requests()} requests ({wiring.archive_hits()} answered from the archive)"
                 + ("; the case was already finished, nothing to do" if outcome.already_finished else ""))


def print_summary(doc: dict[str, object]) -> None:
    """Tables of the summary by category and status."""
    summary = doc["summary"]
    assert isinstance(summary, dict)
    for title, rows in (("by category", summary["by_category"]), ("by status", summary["by_status"]),
                        ("unaccounted", summary["unaccounted"])):
        table = Table(title=f"{doc['case']}: stolen value {title}")
        for col in ("key" if title != "unaccounted" else "reason", "asset", "amount", "usd"):
            table.add_column(col, justify="right" if col in ("amount", "usd") else "left")
        for row in rows:
            table.add_row(str(row.get("key", row.get("reason"))), str(row["asset"]), str(row["amount"]),
                          str(row.get("usd") or "–"))
        stdout.print(table)
    stolen = ", ".join(f"{s['amount']} {s['asset']}" + (f" (${s['usd']})" if s.get("usd") else "")
                       for s in summary["stolen"])
    stdout.print(f"stolen: {stolen}")


@app.command("export")
def export_command(
    case: str = typer.Argument(..., help="Case name."),
    fmt: str = typer.Option("json", "--format", help="json | csv | graphml"),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (csv: a folder of tables)."),
) -> None:
    """Export a case (offline, from the store): JSON per tracer/schemas/case_export.schema.json, CSV, GraphML."""

    def body() -> None:
        if fmt not in ("json", "csv", "graphml"):
            fatal(f"--format must be json, csv or graphml, got {fmt!r}", 2)
        store = open_store()
        from db.labels import LabelStore
        from tracer.labels.index import load_index

        doc = build_export(store, case, load_index(LabelStore(store.engine)))
        written = write_export(doc, fmt, output)
        for path in written:
            stdout.print(str(path))

    run(body)


@app.command("cases")
def cases_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List stored cases."""

    def body() -> None:
        store = open_store()
        rows = [{"name": c.name, "status": c.status, "created_at": c.created_at.isoformat(),
                 "seeds": [str(s.address) for s in c.seeds], "model": c.params.model.value}
                for c in store.list_cases()]
        if json_out:
            print_json(rows)
            return
        table = Table(title="cases")
        for col in ("name", "status", "created_at", "seeds", "model"):
            table.add_column(col)
        for r in rows:
            table.add_row(r["name"], r["status"], r["created_at"], json.dumps(r["seeds"]), r["model"])  # type: ignore[arg-type]
        stdout.print(table)

    run(body)
