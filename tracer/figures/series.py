"""Time series for the dispersal timeline: value moved per day by route, wallets holding stolen funds over time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from tracer.figures.data import (
    SERVICE_CATEGORIES,
    ZERO,
    Doc,
    Tx,
    address_labels,
    exit_category,
    transfers,
    valuation,
)

ROUTES: tuple[str, ...] = (
    "theft", "layering", "swap", "bridge", "mixer", "instant exchange", "exchange", "OTC",
)
_LINK_ROUTE = {"swap": "swap", "bridge": "bridge", "mixer": "mixer", "instant_exchange": "instant exchange",
               "deposit": "exchange"}
DEFAULT_HOLDING_USD = Decimal(100)
DEFAULT_HOLDING_UNITS = Decimal("0.01")


def route_of(t: Tx, links_in: Mapping[tuple[str, str], Mapping[str, Any]],
             links_out: Mapping[tuple[str, str], Mapping[str, Any]], exits: Mapping[tuple[str, str], str],
             victims: set[tuple[str, str]]) -> str:
    """Classify one transfer by where its value went (see :data:`ROUTES`).

    A service's payout (a swap's output leg, a bridge's payout) continues stolen value and is never theft, even
    when it lands on the seed at hop 0: the Curve stETH->ETH proceeds are the stolen stETH in another form.
    """
    payout = links_out.get((t.chain, t.tx_hash))
    if payout is not None and payout.get("to_address") not in (None, t.receiver):
        payout = None  # another leg of the same tx (a swap's input leg), not the service's payout
    if payout is not None:
        return _LINK_ROUTE.get(str(payout["kind"]), "layering")
    if t.hop == 0 or (t.chain, t.sender or "") in victims:
        return "theft"
    link = links_in.get((t.chain, t.tx_hash)) or links_out.get((t.chain, t.tx_hash))
    if link is not None:
        return _LINK_ROUTE.get(str(link["kind"]), "layering")
    category = exits.get((t.chain, t.receiver or ""))
    if category in ("exchange", "OTC", "instant exchange", "mixer"):
        return category
    return "layering"


def daily_routes(doc: Doc) -> pd.DataFrame:
    """Value moved per UTC day and route (columns: date, route, value, transfers), tainted share of each transfer.

    ``value`` is on the case's scale (:func:`tracer.figures.data.valuation`: USD when the export is priced).
    """
    v = valuation(doc)
    links_in = {(lk["from_chain"], lk["from_tx"]): lk for lk in doc["links"]}
    links_out = {(lk["to_chain"], lk["to_tx"]): lk for lk in doc["links"] if lk.get("to_tx")}
    exits = {(e["chain"], e["address"]): exit_category(e) for e in doc["endpoints"]}
    victims = {key for key, labels in address_labels(doc).items() if any(lb["category"] == "victim" for lb in labels)}
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [ZERO, 0])
    for t in transfers(doc):
        key = (t.timestamp.date().isoformat(), route_of(t, links_in, links_out, exits, victims))
        sums[key][0] += v.of(t.asset, t.taint, t.usd)  # export usd is for the tainted share
        sums[key][1] += 1
    rank = {r: i for i, r in enumerate(ROUTES)}
    rows = [{"date": d, "route": r, "value": x[0].quantize(Decimal("0.01")), "transfers": x[1]}
            for (d, r), x in sorted(sums.items(), key=lambda kv: (kv[0][0], rank[kv[0][1]]))]
    return pd.DataFrame(rows, columns=["date", "route", "value", "transfers"])


def holding_wallets(doc: Doc) -> pd.DataFrame:
    """Number of the launderer's wallets holding stolen value after each transfer (columns: timestamp, wallets).

    A wallet holds if its tainted balance is worth at least 100 USD (unpriced exports: 0.01 of the stolen unit);
    services (exchanges, bridges, mixers, issuers, victims...) are not counted.
    """
    v = valuation(doc)
    prices = v.prices
    threshold = DEFAULT_HOLDING_USD if v.priced else DEFAULT_HOLDING_UNITS
    service = {key for key, labels in address_labels(doc).items()
               if any(lb["category"] in SERVICE_CATEGORIES for lb in labels)}
    service |= {(e["chain"], e["address"]) for e in doc["endpoints"]
                if e.get("category") in SERVICE_CATEGORIES and e.get("status") not in ("frozen", "unspent")}
    balance: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    rows: list[dict[str, Any]] = []
    for t in sorted(transfers(doc), key=lambda x: (x.timestamp, x.chain, x.tx_hash)):
        if t.sender:
            balance[(t.chain, t.sender, t.asset)] -= t.taint
        if t.receiver:
            balance[(t.chain, t.receiver, t.asset)] += t.taint
        holders = {(c, a) for (c, a, asset), bal in balance.items()
                   if (c, a) not in service and bal * prices.get(asset, ZERO) >= threshold}
        stamp = t.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        if rows and rows[-1]["timestamp"] == stamp:
            rows[-1]["wallets"] = len(holders)
        else:
            rows.append({"timestamp": stamp, "wallets": len(holders)})
    return pd.DataFrame(rows, columns=["timestamp", "wallets"])


def events_table(doc: Doc) -> pd.DataFrame:
    """The case's public events (export ``events``: attributions, freezes, delistings), numbered in date order.

    Columns: number, date (YYYY-MM-DD), text. Exports written before events existed have none.
    """
    events = sorted(doc.get("events") or [], key=lambda e: str(e["date"]))
    rows = [{"number": i, "date": str(e["date"]), "text": str(e["text"])} for i, e in enumerate(events, start=1)]
    return pd.DataFrame(rows, columns=["number", "date", "text"])
