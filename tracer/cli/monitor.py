"""``tracer watch …`` and ``tracer monitor``: keep watching wallets that hold stolen funds."""

from __future__ import annotations

import re
import time

import typer

from db.locks import delivery_lock
from db.records import WatchEntry
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import STATE, console, fatal, print_json, run, stdout, styled, warn
from tracer.cli.preflight import require_keys
from tracer.cli.trace import open_store, parse_target
from tracer.cli.wiring import DEFAULT_CHAINS, build
from tracer.config import check_http_url, url_secrets
from tracer.errors import CaseNotFound, ConfigError
from tracer.model import EndpointStatus
from tracer.monitor.cycle import CycleReport, Monitor
from tracer.monitor.extend import make_extender
from tracer.monitor.lock import MonitorBusy, MonitorLock
from tracer.monitor.notify import WebhookSink
from tracer.units import units

watch_app = typer.Typer(help="The watchlist: wallets whose movements raise alerts.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")


def _case_id(name: str | None) -> int | None:
    if name is None:
        return None
    case = open_store().get_case(name)
    if case is None:
        raise CaseNotFound(f"no case named {name!r}")
    return case.id


@watch_app.command("add")
def watch_add(target: str = typer.Argument(..., help="CHAIN:ADDRESS"),
              case: str | None = typer.Option(None, "--case", help="Case whose trace is extended on movement."),
              note: str | None = typer.Option(None, "--note", help="Why it is watched (shown in `watch list`).")) -> None:
    """Watch one wallet."""

    def body() -> None:
        address = parse_target(target)
        added = open_store().add_watch(WatchEntry(address.chain, address.value, _case_id(case), note))
        stdout.print(f"{'watching' if added else 'already watched'}: {address}")

    run(body)


@watch_app.command("add-from-case")
def watch_add_from_case(case: str = typer.Argument(..., help="Case name.")) -> None:
    """Watch every wallet of a case that still holds stolen funds (unspent / dormant endpoints)."""

    def body() -> None:

        store = open_store()
        case_id = _case_id(case)
        assert case_id is not None
        holders = sorted({(e.chain, e.address) for e in store.trace_repository().endpoints(case_id)
                          if e.status is EndpointStatus.UNSPENT})
        added = sum(store.add_watch(WatchEntry(c, a, case_id, f"holds stolen funds ({case})", origin="case"))
                    for c, a in holders)
        stdout.print(f"{added} wallets added to the watchlist ({len(holders) - added} already watched)")

    run(body)


@watch_app.command("list")
def watch_list(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List watched wallets with the case each one belongs to."""
    from tracer.cli.tables import add_rows, make_table

    def body() -> None:
        store = open_store()
        names = {c.id: c.name for c in store.list_cases()}
        rows = [{"chain": w.chain.value, "address": w.address, "case": names.get(w.case_id) if w.case_id else None,
                 "case_id": w.case_id, "origin": w.origin, "note": w.note} for w in store.watchlist()]
        if json_out:
            print_json(rows)
            return
        table = make_table(f"{len(rows)} watched wallets", ("wallet", "case", "added by", "note"))
        add_rows(table, ((f"{r['chain']}:{r['address']}", r["case"], r["origin"], r["note"]) for r in rows))
        stdout.print(table)

    run(body)


@watch_app.command("remove")
def watch_remove(target: str = typer.Argument(..., help="CHAIN:ADDRESS"),
                 case: str | None = typer.Option(None, "--case", help="Only the entry of this case.")) -> None:
    """Stop watching a wallet."""

    def body() -> None:
        address = parse_target(target)
        removed = open_store().remove_watch(address.chain, address.value, _case_id(case))
        if not removed:
            fatal(f"{address} is not watched" + (f" for case {case!r}" if case else ""))
        stdout.print(f"removed {address}")

    run(body)


def parse_every(text: str) -> float:
    """``10m`` / ``30s`` / ``1h`` -> seconds (usage error when malformed)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        fatal(f"--every takes a duration like 30s, 10m or 1h, got {text!r}", 2)
    value = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    if value <= 0:
        fatal("--every must be positive", 2)
    return value


@app.command("monitor")
def monitor_command(
    once: bool = typer.Option(False, "--once", help="Run one cycle and exit (for cron / systemd timers)."),
    every: str | None = typer.Option(None, "--every", help="Run forever, one cycle every DURATION (e.g. 10m)."),
    webhook: str | None = typer.Option(None, "--webhook", help="Slack-compatible webhook URL (or TRACER_WEBHOOK_URL)."),
    extend: bool = typer.Option(True, "--extend/--no-extend", help="Extend the case trace when a wallet moves."),
    cap: int = typer.Option(5000, "--auto-watch-cap", min=0, help="At most this many watched wallets after auto-adding."),
    json_out: bool = typer.Option(False, "--json", help="Print each cycle report as JSON."),
) -> None:
    """Poll the watchlist, alert on movements of stolen funds and extend the traces.

    One cycle runs at a time per database (a second monitor is refused, naming the first); the webhook is posted
    after the cycle, outside that lock, with a total deadline, one delivery at a time.
    """

    def body() -> None:
        if once == (every is not None):
            fatal("give exactly one of --once or --every DURATION", 2)
        interval = parse_every(every) if every else 0.0
        if webhook is not None:
            STATE.secrets.update(url_secrets(webhook, whole_path=True))
            try:
                check_http_url(webhook, "--webhook")
            except ConfigError as exc:
                fatal(str(exc), 2)
        settings = STATE.get_settings()
        store = open_store()
        url = webhook or settings.webhook_url
        monitor: Monitor | None = None
        first = True
        try:
            while True:
                try:
                    with MonitorLock(store.engine):
                        if monitor is None:
                            monitor = _build_monitor(store, url, extend, cap)
                        report = monitor.cycle()
                except MonitorBusy as exc:
                    if first:
                        raise
                    warn(f"{exc}; skipping this cycle")
                else:
                    _deliver(store, monitor, report)
                    _show(report, json_out, webhook=url is not None)
                first = False
                if once:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            console.print("monitor stopped; cursors and alerts are stored")

    run(body)


def _build_monitor(store: Store, url: str | None, extend: bool, cap: int) -> Monitor:
    settings = STATE.get_settings()
    chains = sorted({w.chain for w in store.watchlist()} | set(DEFAULT_CHAINS), key=lambda c: c.value)
    require_keys(settings, chains)  # named before the first request
    wiring = build(settings, store, chains)
    extender = make_extender(store, wiring.services) if extend else None
    return Monitor(store, wiring.services, extend=extender, sink=WebhookSink(url) if url else None,
                   auto_watch_cap=cap)


def _deliver(store: Store, monitor: Monitor, report: CycleReport) -> None:
    """Post pending alerts outside the monitor lock, but one delivery per database at a time (no double post)."""
    if monitor.sink is None:
        return
    lock = delivery_lock(store.engine)
    if not lock.try_acquire():
        report.errors.append("another monitor is delivering alerts; the rest are posted next cycle")
        return
    try:
        monitor.deliver(report)
    finally:
        lock.release()


def _show(report: CycleReport, json_out: bool, webhook: bool = False) -> None:
    if json_out:
        print_json({"watched": report.watched, "checked": report.checked, "moved": report.moved,
                    "new_alerts": [{"chain": a.chain.value, "address": a.address, "tx_hash": a.tx_hash,
                                    "kind": a.kind, "amount": units(a.amount, a.asset.decimals),
                                    "asset": a.asset.key, "severity": a.severity.value, "message": a.message}
                                   for a in report.new_alerts],
                    "extended_cases": report.extended_cases, "new_watches": report.new_watches,
                    "delivered": report.delivered, "undelivered": report.undelivered,
                    "requests": report.requests, "seconds": round(report.seconds, 2), "errors": report.errors})
        return
    for a in report.new_alerts:
        colour = "bold red" if a.severity.value == "high" else "yellow"
        stdout.print(styled(a.severity.value.upper(), colour, f"{a.chain.value}:{a.address} {a.message} ({a.tx_hash})"))
    for err in report.errors:
        warn(err)
    stdout.print(f"cycle: {report.watched} watched, {report.checked} with new activity, {len(report.moved)} moved, "
                 f"{len(report.new_alerts)} new alerts, {report.requests} requests, {report.seconds:.1f} s"
                 + (f"; extended {', '.join(report.extended_cases)}" if report.extended_cases else "")
                 + (f"; {report.new_watches} wallets added to the watchlist" if report.new_watches else "")
                 # without a webhook there is nothing to deliver to: no nag (alerts are in the store: `tracer alerts`)
                 + (f"; {report.undelivered} alerts await webhook delivery" if report.undelivered and webhook else ""))
