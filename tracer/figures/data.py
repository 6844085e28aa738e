"""Pure functions: case-export dict -> the tables each figure is drawn from (no I/O, no plotting).

Values are compared in USD: ``usd`` fields where the export has them, otherwise ``amount`` times a per-asset unit
price derived from the export's own priced rows. Amounts stay ``Decimal`` until the table is built.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from statistics import median
from types import SimpleNamespace
from typing import Any

import pandas as pd

from tracer.model import INFERRED_EVIDENCE, EvidenceClass
from tracer.summary import UNACCOUNTED_REASONS as SUMMARY_UNACCOUNTED

Doc = Mapping[str, Any]
ZERO = Decimal(0)
INFERRED_ORIGIN = "inferred:"  # origin key prefix of the inferred layer (E4/E5 continuations), never counted
INFERRED_CATEGORY = "inferred "  # category prefix of the inferred layer's exits in the figures' tables

SERVICE_CATEGORIES = frozenset({
    "exchange", "deposit", "bridge", "mixer", "coinjoin", "instant_exchange", "dex", "otc", "issuer", "service",
    "victim", "defi", "gambling", "mining",
})
"""Address categories that are not the launderer's own wallets (excluded from the 'wallets holding' count)."""

EXPLORERS: dict[str, str] = {
    "ethereum": "https://etherscan.io/tx/{}",
    "bsc": "https://bscscan.com/tx/{}",
    "arbitrum": "https://arbiscan.io/tx/{}",
    "base": "https://basescan.org/tx/{}",
    "polygon": "https://polygonscan.com/tx/{}",
    "optimism": "https://optimistic.etherscan.io/tx/{}",
    "avalanche": "https://snowtrace.io/tx/{}",
    "bitcoin": "https://mempool.space/tx/{}",
    "tron": "https://tronscan.org/#/transaction/{}",
}


@dataclass(frozen=True, slots=True)
class Tx:
    """One export transfer with parsed types."""

    chain: str
    tx_hash: str
    block: int
    timestamp: datetime
    sender: str | None
    receiver: str | None
    asset: str
    amount: Decimal
    taint: Decimal
    hop: int
    evidence: str
    confidence: float
    rule: str
    usd: Decimal | None


def records(frame: pd.DataFrame) -> list[Any]:
    """Rows of a table as attribute objects (``r.value``); typed ``Any`` like the cells they hold."""
    return [SimpleNamespace(**{str(k): v for k, v in row.items()}) for row in frame.to_dict("records")]


def parse_time(value: str) -> datetime:
    """ISO-8601 UTC string (``Z`` or ``+00:00``) -> aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_of(doc: Doc) -> datetime:
    """The export's as-of time (meta.as_of, else generated_at)."""
    meta = doc.get("meta") or {}
    return parse_time(str(meta.get("as_of") or doc["generated_at"]))


def transfers(doc: Doc) -> list[Tx]:
    """The export's transfers, parsed, in export order."""
    return [
        Tx(chain=t["chain"], tx_hash=t["tx_hash"], block=int(t["block"]), timestamp=parse_time(t["timestamp"]),
           sender=t.get("from"), receiver=t.get("to"), asset=t["asset"], amount=Decimal(t["amount"]),
           taint=Decimal(t["taint_amount"]), hop=int(t["hop"]), evidence=t["evidence"],
           confidence=float(t["confidence"]), rule=str(t.get("rule") or ""),
           usd=None if t.get("usd") is None else Decimal(t["usd"]))
        for t in doc["transfers"]
    ]


@dataclass(frozen=True)
class Valuation:
    """How the figures put different assets on one scale.

    With prices in the export (``priced``) the unit is USD: transfers and endpoints keep their own ``usd`` and
    other amounts use the median USD per unit seen in the export. Without them the unit is the stolen asset
    itself ("ETH-equivalent"): every stolen asset counts 1:1 and assets reached through a bridge or swap are
    valued at the rate that link implies (value in / amount out).
    """

    prices: Mapping[str, Decimal]
    priced: bool
    unit: str
    source: str = ""
    """Where the USD came from (export ``meta.price_source``), e.g. ``coingecko 412 rows #1a2b``; '' unpriced."""

    def usd_units(self, what: str) -> str:
        """A caption's unit line for priced figures: ``what`` and the price source (one USD truth, issue 14)."""
        return f"{what} (prices: {self.source})" if self.source else what

    def of(self, asset: str, amount: Decimal, usd: Decimal | None = None) -> Decimal:
        """Value of ``amount`` whole units (``usd``, when priced and known, wins); unvalued assets give 0."""
        if self.priced and usd is not None:
            return usd
        return amount * self.prices.get(asset, ZERO)

    def text(self, value: Decimal | float) -> str:
        """``$27.5M`` or ``5,998 ETH-eq``."""
        if self.priced:
            return style_usd(value)
        x = float(value)
        if abs(x) >= 1e6:
            return f"{x / 1e6:.1f}M {self.unit}"
        if abs(x) >= 1e4:
            return f"{x / 1e3:.0f}k {self.unit}"
        if abs(x) >= 1e3:
            return f"{x / 1e3:.1f}k {self.unit}"
        return f"{fmt_amount(Decimal(str(round(x, 2))), 0 if abs(x) >= 100 else 2)} {self.unit}"

    @property
    def label(self) -> str:
        """Column/axis unit name."""
        return "USD" if self.priced else self.unit


def _usd_prices(doc: Doc) -> dict[str, Decimal]:
    """USD per whole unit seen in the export: median usd/amount (transfers: usd is for the tainted share)."""
    samples: dict[str, list[Decimal]] = defaultdict(list)
    for t in doc["transfers"]:
        taint = Decimal(t["taint_amount"])
        if t.get("usd") is not None and taint > 0:
            samples[t["asset"]].append(Decimal(t["usd"]) / taint)
    for row in [*doc["endpoints"], *doc["summary"].get("stolen", [])]:
        amount = Decimal(row["amount"])
        if row.get("usd") is not None and amount > 0 and not row.get("origins"):
            samples[row["asset"]].append(Decimal(row["usd"]) / amount)
    return {asset: median(values) for asset, values in samples.items()}


def valuation(doc: Doc) -> Valuation:
    """The case's common value scale (see :class:`Valuation`)."""
    stolen = doc["summary"]["stolen"]
    if stolen and all(s.get("usd") is not None for s in stolen):
        return Valuation(_through_links(doc, _usd_prices(doc)), True, "USD", _price_source(doc))
    prices: dict[str, Decimal] = {str(s["asset"]): Decimal(1) for s in stolen}
    symbol = str(max(stolen, key=lambda s: Decimal(s["amount"]))["asset"]).split("@", 1)[0] if stolen else "unit"
    return Valuation(_through_links(doc, prices), False, f"{symbol}-eq")


def _price_source(doc: Doc) -> str:
    source = (doc.get("meta") or {}).get("price_source") or {}
    if not source.get("source"):
        return ""
    return f"{source['source']} {source['version']}" if source.get("version") else str(source["source"])


def _through_links(doc: Doc, known: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Add prices for assets only seen as bridge/swap payouts: value that went in / amount that came out."""
    prices = dict(known)
    by_tx: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for t in doc["transfers"]:
        by_tx[(t["chain"], t["tx_hash"])].append(t)
    for _ in range(len(doc["links"]) + 1):  # chains of links: repeat until nothing new is priced
        changed = False
        for link in doc["links"]:
            if not link.get("to_tx"):
                continue
            payout = [t for t in by_tx[(link["to_chain"], link["to_tx"])]
                      if t["to"] == (link.get("to_address") or t["to"]) and t["asset"] not in prices]
            entry = [t for t in by_tx[(link["from_chain"], link["from_tx"])] if t not in payout]
            if not payout or not entry or any(t["asset"] not in prices for t in entry):
                continue
            value_in = sum((Decimal(t["taint_amount"]) * prices[t["asset"]] for t in entry), ZERO)
            for asset in sorted({t["asset"] for t in payout}):
                out = sum((Decimal(t["taint_amount"]) for t in payout if t["asset"] == asset), ZERO)
                if out > 0 and value_in > 0:
                    prices[asset] = value_in / out
                    changed = True
        if not changed:
            break
    return prices


def unit_prices(doc: Doc) -> dict[str, Decimal]:
    """Value per whole unit of each asset on the case's scale (:func:`valuation`)."""
    return dict(valuation(doc).prices)


def endpoint_value(e: Mapping[str, Any], v: Valuation, origin_scale: Mapping[str, Decimal]) -> Decimal:
    """An endpoint's proven value: its usd, else its stolen-origin amounts (exact), else amount x unit price.

    An exit that also received inferred value (origins ``inferred:<asset>``) counts only its proven origins: its
    ``amount`` holds both, so valuing the amount would add the overlay to the proven total.
    """
    if v.priced and e.get("usd") is not None:
        return Decimal(e["usd"])
    origins = {o: a for o, a in (e.get("origins") or {}).items() if not o.startswith(INFERRED_ORIGIN)}
    if origins and all(o in origin_scale for o in origins):
        return sum((Decimal(amount) * origin_scale[o] * v.prices.get(o, ZERO) for o, amount in origins.items()),
                   ZERO)
    return v.of(e["asset"], Decimal(e["amount"]))


def origin_scales(doc: Doc) -> dict[str, Decimal]:
    """Whole units per base unit of each stolen origin, from conservation: endpoints + pending = stolen."""
    base: dict[str, Decimal] = defaultdict(Decimal)
    for e in doc["endpoints"]:
        for o, amount in (e.get("origins") or {}).items():
            base[o] += Decimal(amount)
    pending = {u["asset"]: Decimal(u["amount"]) for u in doc["summary"].get("unaccounted", [])
               if u["reason"] == "pending"}
    out: dict[str, Decimal] = {}
    for s in doc["summary"]["stolen"]:
        if base.get(s["asset"]):
            out[s["asset"]] = (Decimal(s["amount"]) - pending.get(s["asset"], ZERO)) / base[s["asset"]]
    return out


def stolen_value(doc: Doc, v: Valuation | None = None) -> Decimal:
    """Total stolen value on the case's scale."""
    v = v or valuation(doc)
    return sum((v.of(s["asset"], Decimal(s["amount"]), None if s.get("usd") is None else Decimal(s["usd"]))
                for s in doc["summary"]["stolen"]), ZERO)


def stolen_usd(doc: Doc) -> Decimal:
    """Total stolen value (USD when the export is priced)."""
    return stolen_value(doc)


def style_usd(value: Decimal | float) -> str:
    """Compact USD: ``$27.5M``, ``$499k``, ``$960``."""
    x = float(value)
    if abs(x) >= 1e9:
        return f"${x / 1e9:.2f}B"
    if abs(x) >= 1e6:
        return f"${x / 1e6:.1f}M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:.0f}k"
    return f"${x:,.0f}"


def address_labels(doc: Doc) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """(chain, address) -> label dicts, highest confidence first."""
    out: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for a in doc["addresses"]:
        out[(a["chain"], a["address"])] = sorted(a.get("labels") or [], key=lambda lb: -float(lb["confidence"]))
    return out


def best_label(labels: Mapping[tuple[str, str], list[Mapping[str, Any]]], chain: str, address: str | None) -> str:
    """The most confident label text of an address, or ''."""
    found = labels.get((chain, address or ""), [])
    return str(found[0]["label"]) if found else ""


# One list of the reasons that leave value unaccounted: the summary's (the figures must agree with summary.csv).
UNACCOUNTED_REASONS = frozenset(reason.value for reason in SUMMARY_UNACCOUNTED)
"""Stop reasons that are limits of the trace, not exits (the export also lists them in summary.unaccounted)."""


def exit_category(endpoint: Mapping[str, Any]) -> str:
    """Map an endpoint to one of the Sankey exit categories (status wins for frozen and dormant funds)."""
    status, category = endpoint.get("status"), endpoint.get("category")
    if endpoint.get("reason") in UNACCOUNTED_REASONS:
        return "unaccounted"
    if status == "frozen":
        return "frozen"
    if status == "unspent":
        return "dormant"
    if category in ("exchange", "deposit"):
        return "exchange"
    if category == "otc":
        return "OTC"
    if category == "instant_exchange":
        return "instant exchange"
    if category in ("mixer", "coinjoin") or status == "mixed":
        return "mixer"
    return "unknown"


def layer_category(endpoint: Mapping[str, Any]) -> str:
    """:func:`exit_category`, prefixed ``inferred`` for an endpoint of the inferred layer: an overlay on the
    proven exits, drawn apart and never counted as one (``inferred exchange``, ``inferred OTC``, ...)."""
    category = exit_category(endpoint)
    return f"{INFERRED_CATEGORY}{category}" if endpoint.get("inferred") else category


def counted_endpoints(doc: Doc) -> list[Mapping[str, Any]]:
    """Endpoints that count towards totals: proven ones (``inferred`` E4/E5 continuations are hypotheses)."""
    return [e for e in doc["endpoints"] if not e.get("inferred")]


def inferred_links(doc: Doc) -> list[Mapping[str, Any]]:
    """The export's links that carry the inferred layer (their ``inferred`` flag: evidence E4 or E5; an export
    written before the flag existed is read by its evidence class)."""
    return [lk for lk in doc["links"]
            if lk.get("inferred", EvidenceClass(str(lk.get("evidence"))) in INFERRED_EVIDENCE)]


def inferred_evidence(doc: Doc) -> tuple[str, ...]:
    """The evidence classes present among the case's inferred links, in order (e.g. ``("E4",)``)."""
    return tuple(sorted({str(lk["evidence"]) for lk in inferred_links(doc)}))


def extra_unaccounted(doc: Doc) -> list[Mapping[str, Any]]:
    """summary.unaccounted rows with no endpoint behind them (e.g. ``pending``): value with no known place."""
    covered = {e.get("reason") for e in counted_endpoints(doc)}
    return [u for u in doc["summary"].get("unaccounted", []) if u["reason"] not in covered]


def annex_table(doc: Doc) -> pd.DataFrame:
    """Evidence annex: one row per transfer with labels and an explorer link, sorted by time then chain."""
    labels = address_labels(doc)
    rows = [{
        "timestamp_utc": t.timestamp.strftime("%Y-%m-%d %H:%M:%S"), "chain": t.chain, "block": t.block,
        "tx_hash": t.tx_hash, "from": t.sender or "", "from_label": best_label(labels, t.chain, t.sender),
        "to": t.receiver or "", "to_label": best_label(labels, t.chain, t.receiver), "asset": t.asset,
        "amount": str(t.amount), "taint_amount": str(t.taint), "usd": "" if t.usd is None else str(t.usd),
        "hop": t.hop, "evidence": t.evidence, "rule": t.rule, "confidence": t.confidence,
        "explorer_url": EXPLORERS[t.chain].format(t.tx_hash) if t.chain in EXPLORERS else "",
    } for t in transfers(doc)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["timestamp_utc", "chain", "tx_hash", "to"], kind="stable").reset_index(drop=True)


def summary_table(doc: Doc) -> pd.DataFrame:
    """Endpoints by exit category, status and chain (+ unaccounted rows and a total), reconciled to 100 %.

    ``value`` is on the case's scale (:func:`valuation`: USD when the export is priced).
    """
    v, scales = valuation(doc), origin_scales(doc)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for e in counted_endpoints(doc):
        key = (exit_category(e), str(e["reason"] if exit_category(e) == "unaccounted" else e["status"]),
               str(e["chain"]))
        g = groups.setdefault(key, {"amounts": defaultdict(Decimal), "value": ZERO, "addresses": set(), "conf": []})
        g["amounts"][e["asset"]] += Decimal(e["amount"])
        g["value"] += endpoint_value(e, v, scales)
        g["addresses"].add(e["address"])
        g["conf"].append(float(e.get("confidence", 1.0)))
    for u in extra_unaccounted(doc):
        key = ("unaccounted", str(u["reason"]), "")
        g = groups.setdefault(key, {"amounts": defaultdict(Decimal), "value": ZERO, "addresses": set(), "conf": []})
        g["amounts"][u["asset"]] += Decimal(u["amount"])
        g["value"] += v.of(u["asset"], Decimal(u["amount"]), None if u.get("usd") is None else Decimal(u["usd"]))
    total = sum((g["value"] for g in groups.values()), ZERO)
    order = {c: i for i, c in enumerate(("exchange", "OTC", "instant exchange", "mixer", "frozen", "dormant",
                                         "unknown", "unaccounted"))}
    rows = []
    for (category, status, chain), g in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1:])):
        rows.append({
            "category": category, "status": status, "chain": chain,
            "amount": "; ".join(f"{_fmt_amount(v)} {_symbol(a)}" for a, v in sorted(g["amounts"].items())),
            "value": g["value"].quantize(Decimal("0.01")),
            "percent": (g["value"] * 100 / total).quantize(Decimal("0.1")) if total else ZERO,
            "addresses": len(g["addresses"]),
            "min_confidence": min(g["conf"]) if g["conf"] else None,
            "address": next(iter(g["addresses"])) if len(g["addresses"]) == 1 else "",
        })
    rows.append({"category": "total", "status": "", "chain": "", "amount": "",
                 "value": total.quantize(Decimal("0.01")), "percent": Decimal("100.0") if total else ZERO,
                 "addresses": sum(r["addresses"] for r in rows), "min_confidence": None, "address": ""})
    for e in doc["endpoints"]:  # E4/E5 continuations: shown for the analyst, never added to the total
        if e.get("inferred"):
            rows.append({"category": layer_category(e), "status": str(e["status"]),
                         "chain": str(e["chain"]), "amount": f"{_fmt_amount(Decimal(e['amount']))} "
                                                             f"{_symbol(e['asset'])}",
                         "value": None, "percent": None, "addresses": 1,
                         "min_confidence": float(e.get("confidence", 0.0)), "address": str(e["address"])})
    return pd.DataFrame(rows)


def _symbol(asset: str) -> str:
    return asset.split("@", 1)[0]


def _fmt_amount(value: Decimal) -> str:
    text = fmt_amount(value)
    return "<0.0001" if text == "0" and value > 0 else text  # dust is not nothing


def fmt_amount(value: Decimal, places: int = 4) -> str:
    """``1,499.99`` / ``10,000`` / ``0.0001``: thousands separators, at most ``places`` decimals, no trailing 0s."""
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
