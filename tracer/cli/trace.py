"""``tracer trace`` (``tracer export`` and ``tracer cases`` are in tracer.cli.cases)."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from chains.addresses import canonical_address
from db.locks import case_lock
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import (
    STATE,
    check_case_name,
    console,
    fatal,
    parse_amount,
    parse_chains,
    print_json,
    run,
    stdout,
)
from tracer.cli.preflight import require_keys
from tracer.cli.tables import print_summary
from tracer.cli.wiring import DEFAULT_CHAINS, Wiring, build
from tracer.engine.ports import ProgressEvent
from tracer.errors import ChainError, QuotaExhausted
from tracer.export import build_export
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
        check_case_name(case)
        seeds = [Seed(parse_target(t), tx_hash=tx, since=since) for t in targets]
        minimum = parse_amount(min_value, "--min-value")
        params = CaseParameters(model=model, max_hops=max_hops, min_value=minimum, since=since, address_budget=budget,
                                match_instant=match_instant, demix=demix, assets=tuple(assets))
        wanted = parse_chains(chains)
        require_keys(STATE.get_settings(), [*wanted, *(s.address.chain for s in seeds)])  # before any request
        store = open_store()
        wiring = build(STATE.get_settings(), store, [*wanted, *(s.address.chain for s in seeds)],
                       bundled_labels=bundled_labels)
        # --- issue 15: one writer per case (db/locks.py); a second trace waits briefly, then names the holder ---
        with case_lock(store.engine, case):
            outcome = run_with_progress(wiring, case, seeds, params)
            report(store, wiring, case, outcome, json_out)

    run(body)


def api_rates(ev: ProgressEvent) -> str:
    """`` · esplora 1.9/s etherscan 2.9/s``: each API's request rate this run (empty before the first request)."""
    return (" · " + " ".join(f"{api} {rate:.1f}/s" for api, rate in ev.rates)) if ev.rates else ""


def run_with_progress(wiring: Wiring, case: str, seeds: list[Seed], params: CaseParameters) -> TraceOutcome:
    """Run the case with a rich progress display; Ctrl-C and quota stops leave a resumable case."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(f"tracing {escape(case)}", total=None, info="")  # the case name is not markup

        def on_progress(ev: ProgressEvent) -> None:
            bar.update(task, completed=ev.nodes_done, total=ev.nodes_done + ev.frontier,
                       info=f"addresses {ev.nodes_done} · frontier {ev.frontier} · requests {ev.requests} · "
                            f"accounted {ev.accounted:.1%}" + api_rates(ev))

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
