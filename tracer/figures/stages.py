"""Stage allocation for the Sankey: which swap, which venue and how strong the evidence is for each exit's value.

Each endpoint's value is traced backwards through the transfers that fed it, split pro rata to the USD each
incoming transfer carried (per asset, so a swap's output is fed by the swap's input legs). Crossing a service
link (swap, bridge, mixer, instant exchange) records it; the first swap and the first venue from the theft side
name the Sankey nodes, and the weakest evidence class on the path sets the link opacity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from tracer.figures.data import (
    ZERO,
    Doc,
    Tx,
    counted_endpoints,
    endpoint_value,
    exit_category,
    extra_unaccounted,
    origin_scales,
    records,
    stolen_value,
    transfers,
    valuation,
)

STAGES: tuple[str, ...] = ("Theft", "Swaps", "Mixers & bridges", "Chains", "Exits")
NO_SWAP = "no swap"
DIRECT = "direct"
UNACCOUNTED = "unaccounted"
VENUE_KINDS = frozenset({"bridge", "mixer", "instant_exchange"})
_EVIDENCE_ORDER = ("E1", "E2", "E3", "E4", "E5")


@dataclass(frozen=True, slots=True)
class Route:
    """The stage signature of a share of value: first swap, first venue, weakest evidence so far."""

    swap: str = NO_SWAP
    venue: str = DIRECT
    evidence: str = "E1"

    def through(self, evidence: str, link: Mapping[str, Any] | None) -> Route:
        """This route extended by one transfer (and the service link it entered, if any)."""
        swap, venue = self.swap, self.venue
        if link is not None:
            if link["kind"] == "swap" and swap == NO_SWAP:
                swap = str(link["service"])
            elif link["kind"] in VENUE_KINDS and venue == DIRECT:
                venue = str(link["service"])
        worst = max(self.evidence, evidence, str(link["evidence"]) if link else "E1", key=_EVIDENCE_ORDER.index)
        return Route(swap, venue, worst)


Mix = dict[Route, Decimal]  # route -> fraction (sums to 1)


class _Tracer:
    """Memoised backward allocation over the export's transfer graph."""

    def __init__(self, doc: Doc) -> None:
        self.valuation = valuation(doc)
        self.incoming: dict[tuple[str, str, str], list[Tx]] = defaultdict(list)
        self.by_tx: dict[tuple[str, str], list[Tx]] = defaultdict(list)
        for t in transfers(doc):
            if t.receiver and t.receiver != t.sender and t.taint > 0:
                self.incoming[(t.chain, t.receiver, t.asset)].append(t)
            self.by_tx[(t.chain, t.tx_hash)].append(t)
        self.entered: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.exited: dict[tuple[str, str], Mapping[str, Any]] = {}
        for link in doc["links"]:
            self.entered[(link["from_chain"], link["from_tx"])] = link
            if link.get("to_tx"):
                self.exited[(link["to_chain"], link["to_tx"])] = link
        self.memo: dict[tuple[str, str, str], Mix] = {}
        self.stack: set[tuple[str, str, str]] = set()

    def weight(self, t: Tx) -> Decimal:
        return self.valuation.of(t.asset, t.taint, t.usd)  # export usd is for the tainted share

    def mix_at(self, chain: str, address: str, asset: str) -> Mix:
        """Route mix of the value of ``asset`` held by an address."""
        key = (chain, address, asset)
        if key in self.memo:
            return self.memo[key]
        if key in self.stack:  # a cycle: contributes as an untraced source
            return {Route(): Decimal(1)}
        self.stack.add(key)
        parts = [(self.weight(t), self.mix_of(t)) for t in self.incoming.get(key, [])]
        self.stack.discard(key)
        result = _combine(parts) or {Route(): Decimal(1)}
        self.memo[key] = result
        return result

    def mix_of(self, t: Tx) -> Mix:
        """Route mix of the value carried by one transfer (including the transfer itself)."""
        link_in = self.entered.get((t.chain, t.tx_hash))
        link_out = self.exited.get((t.chain, t.tx_hash))
        if link_out is not None and link_out.get("to_address") not in (None, t.receiver):
            link_out = None  # another leg of the same tx (a swap's input leg), not the service's payout
        source: Mix = {}
        if link_out is not None:
            # The payout is fed by the legs that entered the service, not by the service's own wallet.
            legs = [x for x in self.by_tx[(link_out["from_chain"], link_out["from_tx"])]
                    if x is not t and x.receiver != t.receiver]
            source = _combine([(self.weight(x), self.mix_of(x)) for x in legs])
        if not source:
            source = self.mix_at(t.chain, t.sender, t.asset) if t.sender else {Route(): Decimal(1)}
        link = link_in or link_out
        out: Mix = defaultdict(Decimal)
        for route, share in source.items():
            out[route.through(t.evidence, link)] += share
        return dict(out)


def _combine(parts: list[tuple[Decimal, Mix]]) -> Mix:
    total = sum((w for w, _ in parts), ZERO)
    if total <= 0 and parts:  # nothing valued (unpriced asset): split evenly rather than lose the route
        parts = [(Decimal(1), mix) for _, mix in parts]
        total = Decimal(len(parts))
    if total <= 0:
        return {}
    out: Mix = defaultdict(Decimal)
    for w, mix in parts:
        for route, share in mix.items():
            out[route] += share * w / total
    return dict(out)


def flows_table(doc: Doc) -> pd.DataFrame:
    """One row per (exit, chain, route) share: the exit's value and the same value rescaled to the stolen total.

    Columns: category, chain, swap, venue, evidence, value_exit (the endpoint's own value), value (scaled so all
    rows sum to the stolen value); both on the case's scale (:func:`tracer.figures.data.valuation`). Endpoints stopped by a trace limit are routed to the 'unaccounted' exit along their real path;
    unaccounted value with no endpoint (pending) runs through 'unaccounted' nodes in every column; inferred (E4/E5)
    continuations are left out -- the exit before them already holds that value.
    """
    tracer = _Tracer(doc)
    v, scales = tracer.valuation, origin_scales(doc)
    rows: list[dict[str, Any]] = []
    for e in counted_endpoints(doc):
        value = endpoint_value(e, v, scales)
        for route, share in sorted(tracer.mix_at(e["chain"], e["address"], e["asset"]).items(),
                                   key=lambda kv: (kv[0].swap, kv[0].venue, kv[0].evidence)):
            rows.append({"category": exit_category(e), "chain": e["chain"], "swap": route.swap,
                         "venue": route.venue, "evidence": route.evidence, "value_exit": value * share})
    for u in extra_unaccounted(doc):
        value = v.of(u["asset"], Decimal(u["amount"]), None if u.get("usd") is None else Decimal(u["usd"]))
        rows.append({"category": UNACCOUNTED, "chain": UNACCOUNTED, "swap": UNACCOUNTED, "venue": UNACCOUNTED,
                     "evidence": "E1", "value_exit": value})
    traced = sum((r["value_exit"] for r in rows), ZERO)
    stolen = stolen_value(doc, v) or traced
    for r in rows:
        r["value"] = r["value_exit"] * stolen / traced if traced else ZERO
    return pd.DataFrame(rows, columns=["category", "chain", "swap", "venue", "evidence", "value_exit", "value"])


def sankey_links(doc: Doc) -> pd.DataFrame:
    """Sankey links between adjacent stage columns, aggregated by (source, target, exit category, evidence).

    Columns: source_stage, source, target_stage, target, category, evidence, value (USD, theft-scaled).
    Every column's outgoing (or, for the last, incoming) values sum to the stolen total.
    """
    flows = flows_table(doc)
    out: dict[tuple[str, str, str, str, str, str], Decimal] = defaultdict(Decimal)
    for r in records(flows):
        nodes = ("stolen", str(r.swap), str(r.venue), str(r.chain), str(r.category))
        for i in range(len(STAGES) - 1):
            out[(STAGES[i], nodes[i], STAGES[i + 1], nodes[i + 1], str(r.category), str(r.evidence))] += Decimal(
                r.value)
    rows = [{"source_stage": k[0], "source": k[1], "target_stage": k[2], "target": k[3], "category": k[4],
             "evidence": k[5], "value": v.quantize(Decimal("0.01"))} for k, v in out.items()]
    columns = ["source_stage", "source", "target_stage", "target", "category", "evidence", "value"]
    stage_index = {s: i for i, s in enumerate(STAGES)}
    rows.sort(key=lambda r: (stage_index[str(r["source_stage"])], str(r["source"]), str(r["target"]),
                             str(r["category"]), str(r["evidence"])))
    return pd.DataFrame(rows, columns=columns)


def column_totals(links: pd.DataFrame) -> dict[str, Decimal]:
    """Sum of link values entering each stage column (and leaving the first): the 'columns sum as stated' check."""
    totals: dict[str, Decimal] = {STAGES[0]: sum((Decimal(v) for v in
                                                   links[links.source_stage == STAGES[0]]["value"]), ZERO)}
    for stage in STAGES[1:]:
        totals[stage] = sum((Decimal(v) for v in links[links.target_stage == stage]["value"]), ZERO)
    return totals


def scale_note(doc: Doc) -> str:
    """A caption sentence when the exits do not hold the stolen value (the Sankey then scales its bands), else ''.

    The engine conserves value, so this only speaks when an export is partial or wrong; the figure must say
    so rather than silently stretch the bands to the stolen total.
    """
    v = valuation(doc)
    traced = sum((Decimal(x) for x in flows_table(doc).value_exit), ZERO)
    stolen = stolen_value(doc, v)
    if not stolen or abs(traced - stolen) <= stolen / 1000:
        return ""
    word = "more" if traced > stolen else "less"
    return (f"The exits hold {v.text(traced)}, {v.text(abs(traced - stolen))} {word} than was stolen: every band is "
            f"scaled by {float(stolen / traced) if traced else 0:.3f} so that the columns show the stolen value.")
