"""``tracer prices``: the daily USD price table used to value cases (import a CSV, look a price up)."""

from __future__ import annotations

from pathlib import Path

import typer

from db.prices import PRECEDENCE_TEXT, PriceTable
from tracer.cli.app import app
from tracer.cli.common import fatal, print_json, run, stdout
from tracer.cli.trace import open_store

prices_app = typer.Typer(help="Daily USD closes used to value cases.", no_args_is_help=True)
app.add_typer(prices_app, name="prices")


@prices_app.command("import")
def prices_import(file: Path = typer.Argument(..., help="CSV with columns date,asset,close_usd,source."),
                  source: list[str] = typer.Option([], "--source", help="Only rows of these sources (repeatable)."),
                  json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Import daily closes (idempotent; decimals kept exactly as written)."""

    def body() -> None:
        table = PriceTable(open_store())
        before = table.count()
        offered = table.import_csv(file, sources=source or None)
        added = table.count() - before
        if json_out:
            print_json({"file": str(file), "rows": offered, "added": added, "total": table.count()})
            return
        stdout.print(f"{offered} rows read from {file}, {added} new; {table.count()} prices in the store")

    run(body)


@prices_app.command("show")
def prices_show(symbol: str = typer.Argument(..., help="Asset symbol, e.g. ETH."),
                day: str = typer.Argument(..., help="YYYY-MM-DD (UTC); the nearest earlier day within 3 days."),
                json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """The USD close used for an asset on a day, and its source (analyst imports > coingecko API > bundled)."""

    def body() -> None:
        table = PriceTable(open_store())
        if table.count() == 0:
            table.import_bundled()
        point = table.point_on(symbol, day)
        if point is None:
            fatal(f"no {symbol} price on or up to 3 days before {day}")
        if json_out:
            print_json({"symbol": point.symbol, "day": point.day, "usd": str(point.usd), "source": point.source})
            return
        stdout.print(f"{point.symbol} {point.day}: {point.usd} USD ({point.source}; precedence: {PRECEDENCE_TEXT})",
                     soft_wrap=True, markup=False)

    run(body)
