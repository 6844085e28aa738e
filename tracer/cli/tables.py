"""Tables that read well at any width: nothing is cut (long cells fold onto the next line), one vocabulary.

The CLI names where stolen value went with the same words as the figures (``tracer.figures.data.exit_category``):
an exchange deposit address is an *exchange*, a CoinJoin is a *mixer*. The exact category stays in ``--json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.table import Table

from tracer.cli.common import stdout

RIGHT_ALIGNED = frozenset({"amount", "usd", "count", "hops", "labels", "confidence"})

# Category (or status-derived key) -> the figures' word for that kind of place.
EXIT_NAMES: dict[str, str] = {
    "exchange": "exchange", "deposit": "exchange", "otc": "OTC", "instant_exchange": "instant exchange",
    "mixer": "mixer", "coinjoin": "mixer", "dormant": "dormant", "bridge": "bridge", "dex": "swap (DEX)",
    "issuer": "issuer (frozen)", "fees": "fees", "unknown": "unknown",
}
STATUS_NAMES: dict[str, str] = {"unspent": "dormant", "cashed_out": "cashed out", "mixed": "mixed", "dark": "dark",
                                "frozen": "frozen", "unknown": "unknown"}


def exit_name(category: str) -> str:
    """The figures' name for a summary category key."""
    return EXIT_NAMES.get(category, category.replace("_", " "))


def make_table(title: str | None, columns: Sequence[str]) -> Table:
    """A table whose cells never truncate: long values (addresses, assets, exact amounts) fold onto new lines."""
    table = Table(title=title, title_justify="left", show_lines=True)  # rules show where a folded cell ends
    for name in columns:
        table.add_column(name, justify="right" if name in RIGHT_ALIGNED else "left", overflow="fold")
    return table


def add_rows(table: Table, rows: Iterable[Sequence[object]]) -> Table:
    """Add rows as text (None -> empty); markup is never interpreted (labels come from third-party files)."""
    from rich.text import Text

    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    return table


def merged(rows: Iterable[Mapping[str, Any]], name_of: Any) -> list[tuple[str, str, Decimal, Decimal | None]]:
    """Summary rows regrouped under display names, amounts summed exactly (same asset only); USD is None when
    any merged row is unpriced."""
    amounts: dict[tuple[str, str], Decimal] = {}
    usd: dict[tuple[str, str], Decimal | None] = {}
    for row in rows:
        key = (name_of(str(row.get("key", row.get("reason")))), str(row["asset"]))
        amounts[key] = amounts.get(key, Decimal(0)) + Decimal(str(row["amount"]))
        value = None if row.get("usd") is None else Decimal(str(row["usd"]))
        before = usd.get(key, Decimal(0))
        usd[key] = None if value is None or before is None else before + value
    ordered = sorted(amounts, key=lambda k: (len(k[1]), k[1], -amounts[k]))  # native coin first, largest first
    return [(k[0], k[1], amounts[k], usd[k]) for k in ordered]


def print_summary(doc: Mapping[str, Any]) -> None:
    """Where the stolen value is, by exit (the figures' words), by status, and what is unaccounted."""
    summary = doc["summary"]
    price = (doc.get("meta") or {}).get("price_source") or {}
    for title, rows, header, name_of in (
        ("where it went", summary["by_category"], "exit", exit_name),
        ("by status", summary["by_status"], "status", lambda k: STATUS_NAMES.get(k, k.replace("_", " "))),
        ("unaccounted", summary["unaccounted"], "reason", lambda k: k.replace("_", " ")),
    ):
        table = make_table(f"{doc['case']}: stolen value, {title}", (header, "asset", "amount", "usd"))
        add_rows(table, ((name, asset, _plain(amount), _money(value))
                         for name, asset, amount, value in merged(rows, name_of)))
        stdout.print(table)
    stolen = ", ".join(f"{s['amount']} {s['asset']}" + (f" ({_money(Decimal(s['usd']))})" if s.get("usd") else "")
                       for s in summary["stolen"])
    stdout.print(f"stolen: {stolen}", soft_wrap=True, markup=False)
    if price:
        stdout.print(f"USD at the theft day's close, price source {price.get('source')} "
                     f"(version {price.get('version')})", soft_wrap=True, markup=False)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"${value:,.2f}"
