"""``tracer alerts``: the monitoring alerts stored for every case (or one), newest last."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import typer

from db.records import StoredAlert
from tracer.cli.app import app
from tracer.cli.common import fatal, print_json, run, stdout
from tracer.cli.tables import add_rows, make_table
from tracer.cli.trace import open_store
from tracer.errors import CaseNotFound
from tracer.units import units

DURATION_UNITS = {"m": 60, "h": 3600, "d": 86_400}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: an ISO date/time (UTC when no zone is given) or a look-back like ``30m``, ``12h``, ``7d``."""
    value = text.strip()
    if value[-1:] in DURATION_UNITS and value[:-1].isdigit():
        return (now or datetime.now(UTC)) - timedelta(seconds=int(value[:-1]) * DURATION_UNITS[value[-1]])
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        fatal(f"--since takes an ISO date/time or a look-back like 12h or 7d, got {text!r}", 2)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def alert_dict(stored: StoredAlert, case_names: dict[int, str]) -> dict[str, object]:
    """JSON form of a stored alert (exact amount in whole units)."""
    a = stored.alert
    return {"id": stored.id, "case": case_names.get(stored.case_id) if stored.case_id is not None else None,
            "timestamp": a.timestamp.astimezone(UTC).isoformat(), "severity": a.severity.value, "chain": a.chain.value,
            "address": a.address, "tx_hash": a.tx_hash, "kind": a.kind, "asset": a.asset.key,
            "amount": units(a.amount, a.asset.decimals), "message": a.message, "delivered": stored.delivered,
            "recorded_at": stored.created_at.astimezone(UTC).isoformat()}


@app.command("alerts")
def alerts_command(
    case: str | None = typer.Option(None, "--case", help="Only the alerts of this case (default: every case)."),
    since: str | None = typer.Option(None, "--since", help="Only movements at or after this ISO date/time (UTC) "
                                                           "or look-back (30m, 12h, 7d)."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON (exact amounts, delivery state)."),
) -> None:
    """List the monitoring alerts: movements of watched stolen funds, oldest first."""

    def body() -> None:
        store = open_store()
        names = {c.id: c.name for c in store.list_cases()}
        case_id = None
        if case is not None:
            found = store.get_case(case)
            if found is None:
                raise CaseNotFound(f"no case named {case!r} (see `tracer cases`)")
            case_id = found.id
        cutoff = parse_since(since) if since else None
        rows = [alert_dict(a, names) for a in store.alerts(case_id) if cutoff is None or a.alert.timestamp >= cutoff]
        if json_out:
            print_json(rows)
            return
        if not rows:
            stdout.print("no alerts" + (f" for case {case!r}" if case else "") + (f" since {since}" if since else ""),
                         markup=False)
            return
        table = make_table(f"{len(rows)} alerts", ("time (UTC)", "severity", "case", "wallet", "amount", "asset",
                                                   "what", "tx"))
        add_rows(table, ((str(r["timestamp"])[:19].replace("T", " "), r["severity"], r["case"] or "",
                          f"{r['chain']}:{r['address']}", r["amount"], r["asset"], r["message"], r["tx_hash"])
                         for r in rows))
        stdout.print(table)

    run(body)
