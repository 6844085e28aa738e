"""The case export: one JSON document (schema: tracer/schemas/case_export.schema.json), CSV tables, GraphML.

Built offline from the store -- no network. Everything the figures and the annex show comes from here.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from db.prices import PriceTable
from db.records import THEFT_PARENT, Contribution
from db.store import CaseInfo, CaseStatus, Store, StoredAlert
from db.store_notes import NoteStore
from tracer import __version__
from tracer.engine.clusters import ClusterTracker
from tracer.engine.invariants import check_conservation, check_crossings
from tracer.errors import CaseNotFound
from tracer.findings import peel_chains
from tracer.model import Address, Asset, Chain, Label, LabelLookup, Link, LinkKind
from tracer.summary import Origin, breakdown, conservation_error, origins_of, unaccounted, value_usd
from tracer.units import units, usd

SCHEMA_RESOURCE = ("tracer.schemas", "case_export.schema.json")


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the export."""
    text = resources.files(SCHEMA_RESOURCE[0]).joinpath(SCHEMA_RESOURCE[1]).read_text(encoding="utf-8")
    return dict(json.loads(text))


@dataclass(frozen=True)
class CaseFacts:
    """What the summary needs: origins (stolen assets with prices) and the theft day."""

    origins: dict[str, Origin]
    theft_day: str | None
    pending: dict[str, int]


def case_facts(store: Store, case: CaseInfo, prices: PriceTable | None = None) -> CaseFacts:
    """Stolen amounts per origin from the seed contributions, priced on the theft day."""
    repo = store.trace_repository()
    contributions = repo.all_contributions(case.id)
    stolen: dict[str, int] = defaultdict(int)
    assets: dict[str, Asset] = {}
    first: datetime | None = None
    for c in contributions:
        if c.parent == THEFT_PARENT:
            stolen[c.origin] += c.origin_amount
            assets[c.origin] = c.transfer.asset
            first = c.transfer.timestamp if first is None else min(first, c.transfer.timestamp)
    day = first.date().isoformat() if first else None
    pending: dict[str, int] = defaultdict(int)
    for node, _hop, _prio in repo.pending_nodes(case.id):
        for c in repo.incoming(case.id, node):
            if c.parent != str(node):
                pending[c.origin] += c.origin_amount
    return CaseFacts(origins_of(stolen, assets, prices, day), day, dict(pending))


def build_export(store: Store, case_name: str, labels: LabelLookup | None = None,
                 prices: PriceTable | None = None, generated_at: datetime | None = None) -> dict[str, Any]:
    """The export document of a stored case. May raise: CaseNotFound."""
    case = store.get_case(case_name)
    if case is None:
        raise CaseNotFound(f"no case named {case_name!r} (see `tracer cases`)")
    # One USD truth: the case is valued with the one price source recorded for it (chosen by db.prices'
    # precedence on the first export), so later imports never change an incident's USD.
    unpriced = case_facts(store, case, None)
    prices, price_source = (prices if prices is not None else PriceTable(store.engine)).for_case(
        case.id, {o.asset.symbol for o in unpriced.origins.values()}, unpriced.theft_day)
    stolen = {k: o.amount for k, o in unpriced.origins.items()}
    facts = CaseFacts(origins_of(stolen, {k: o.asset for k, o in unpriced.origins.items()}, prices,
                                 unpriced.theft_day), unpriced.theft_day, unpriced.pending)
    repo = store.trace_repository()
    contributions = repo.all_contributions(case.id)
    endpoints = repo.endpoints(case.id)
    if case.status == CaseStatus.FINISHED.value:
        check_conservation({k: o.amount for k, o in facts.origins.items()}, endpoints, facts.pending, case.name)
    transfers = _transfers(contributions, prices)
    all_links = repo.links(case.id)
    if case.status == CaseStatus.FINISHED.value:
        check_crossings(contributions, all_links, case.name)
    clusters = ClusterTracker(labels if labels is not None else _NoLabels())
    clusters.add(all_links)
    as_of = max((datetime.fromisoformat(t["timestamp"]) for t in transfers), default=case.created_at)
    doc: dict[str, Any] = {
        "case": case.name,
        "generated_at": _iso(generated_at or datetime.now(UTC)),
        "meta": {"tool_version": __version__, "label_versions": dict(case.label_versions),
                 "tips": {k: int(v) for k, v in case.tips.items()}, "as_of": _iso(as_of),
                 "status": case.status, "theft_day": facts.theft_day,
                 "conservation_error": conservation_error(endpoints, facts.origins, facts.pending),
                 "price_source": price_source.as_dict() if price_source else None},
        "parameters": _jsonable(asdict(case.params)),
        "seeds": _seeds(case, contributions, facts.origins),
        "addresses": _addresses(store, case.id, labels, clusters),
        "transfers": transfers,
        "links": [_link(link) for link in all_links if link.kind is not LinkKind.CLUSTER],
        "endpoints": _endpoints(endpoints, facts.origins),
        "summary": {
            "stolen": [{"asset": o.asset.key, "amount": units(o.amount, o.asset.decimals),
                        "usd": usd(value_usd(o, o.amount))} for o in facts.origins.values()],
            "by_category": breakdown(endpoints, facts.origins, "category"),
            "by_status": breakdown(endpoints, facts.origins, "status"),
            "by_chain": breakdown(endpoints, facts.origins, "chain"),
            "unaccounted": unaccounted(endpoints, facts.origins, facts.pending),
            "commingled": _commingled(contributions),
        },
        "alerts": [_alert(a) for a in store.alerts(case.id)],
        "events": [{"date": n.day.isoformat(), "text": n.text} for n in NoteStore(store.engine).notes(case.id)],
        "findings": {"peel_chains": peel_chains(contributions), "clusters": _clusters(clusters, all_links)},
    }
    return doc


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def _seeds(case: CaseInfo, contributions: list[Contribution], origins: Mapping[str, Origin]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for c in contributions:
        if c.parent == THEFT_PARENT and c.transfer.to_address:
            totals[(str(Address(c.transfer.chain, c.transfer.to_address)), c.origin)] += c.origin_amount
    out = []
    for seed in case.seeds:
        key = str(seed.address)
        mine: list[tuple[str | None, int]] = [(o, a) for (k, o), a in sorted(totals.items()) if k == key]
        mine = mine or [(None, 0)]
        for origin, amount in mine:
            entry: dict[str, Any] = {"chain": seed.address.chain.value, "address": seed.address.value,
                                     "tx_hash": seed.tx_hash}
            if origin is not None and origin in origins:
                entry["asset"] = origin
                entry["amount"] = units(amount, origins[origin].asset.decimals)
            out.append(entry)
    return out


class _NoLabels:
    def labels_of(self, chain: Chain, address: str) -> list[Label]:
        return []


def _clusters(tracker: ClusterTracker, links: list[Link]) -> list[dict[str, Any]]:
    """Each multi-address cluster with its members and, for every merge, the transaction that caused it."""
    out: dict[str, dict[str, Any]] = {}
    for link in links:
        if link.kind is not LinkKind.CLUSTER or link.to_address is None:
            continue
        cid = tracker.cluster_of(link.to_address)
        if cid is None:
            continue
        entry = out.setdefault(cid, {"id": cid, "chain": link.from_chain.value,
                                     "members": sorted(tracker.uf.members(cid)), "merges": []})
        entry["merges"].append({"tx_hash": link.from_tx, "address": link.evidence.facts.get("with"),
                                "joined": link.to_address, "heuristic": link.service,
                                "evidence": link.evidence.evidence_class.value,
                                "confidence": link.evidence.confidence})
    for entry in out.values():
        entry["merges"] = sorted(entry["merges"], key=lambda m: (m["tx_hash"], m["joined"]))
    refused = [{"a": r.step.a, "b": r.step.b, "tx_hash": r.step.tx_hash, "reason": r.reason}
               for r in tracker.refused]
    rows = sorted(out.values(), key=lambda e: (-len(e["members"]), e["id"]))
    return rows + ([{"refused_merges": refused}] if refused else [])


def _addresses(store: Store, case_id: int, labels: LabelLookup | None,
               clusters: ClusterTracker) -> list[dict[str, Any]]:
    out = []
    for a in store.trace_repository().addresses(case_id):
        found = labels.labels_of(a.chain, a.address) if labels else []
        out.append({"chain": a.chain.value, "address": a.address,
                    "labels": [{"label": lab.label, "category": lab.category.value, "source": lab.source,
                                "confidence": lab.confidence} for lab in found],
                    "cluster": clusters.cluster_of(a.address), "role": a.role.value, "depth": a.depth})
    return sorted(out, key=lambda d: (d["depth"], d["chain"], d["address"]))


def _transfers(contributions: list[Contribution], prices: PriceTable) -> list[dict[str, Any]]:
    merged: dict[str, list[Contribution]] = defaultdict(list)
    for c in contributions:
        merged[c.transfer.id].append(c)
    out = []
    for group in merged.values():
        t = group[0].transfer
        taint = sum(c.amount for c in group)
        weakest = max(group, key=lambda c: (c.evidence.evidence_class.value, -c.confidence))
        price = prices.price_on(t.asset.symbol, t.timestamp.date().isoformat())
        out.append({"chain": t.chain.value, "tx_hash": t.tx_hash, "block": t.block_number,
                    "timestamp": _iso(t.timestamp), "from": t.from_address, "to": t.to_address,
                    "asset": t.asset.key, "amount": units(t.amount, t.asset.decimals),
                    "taint_amount": units(min(taint, t.amount), t.asset.decimals),
                    "hop": min(c.hop for c in group), "evidence": weakest.evidence.evidence_class.value,
                    "confidence": round(max(c.confidence for c in group), 6), "rule": weakest.evidence.rule,
                    "usd": usd(t.asset.to_units(min(taint, t.amount)) * price) if price is not None else None,
                    "index": t.index, "kind": t.kind.value,
                    "model_spread": units(sum(c.spread for c in group), t.asset.decimals)})
    return sorted(out, key=lambda d: (d["hop"], d["timestamp"], d["chain"], d["tx_hash"], d["index"]))


def _commingled(contributions: list[Contribution]) -> list[dict[str, Any]]:
    """Nodes whose outflows the value-conserving models (haircut, FIFO) allocate differently: the spread says how
    much of what left them is model-dependent -- report such flows as commingled, not as traced (§1.3)."""
    spread: dict[tuple[str, str], int] = defaultdict(int)
    moved: dict[tuple[str, str], int] = defaultdict(int)
    assets: dict[tuple[str, str], Any] = {}
    for c in contributions:
        if c.spread and c.parent:
            key = (c.parent, c.transfer.asset.key)
            spread[key] += c.spread
            moved[key] += c.amount
            assets[key] = c.transfer.asset
    rows = [{"node": node, "asset": asset, "spread": units(value, assets[(node, asset)].decimals),
             "tainted_out": units(moved[(node, asset)], assets[(node, asset)].decimals)}
            for (node, asset), value in spread.items()]
    return sorted(rows, key=lambda r: (r["node"], r["asset"]))


def _base_units(amount: int | None) -> str | None:
    """A link amount as a decimal string of base units (wei, sat, sun): lossless beyond 2**53."""
    return None if amount is None else str(amount)


def _link(link: Any) -> dict[str, Any]:
    return {"kind": link.kind.value, "service": link.service, "from_chain": link.from_chain.value,
            "from_tx": link.from_tx, "to_chain": link.to_chain.value, "to_tx": link.to_tx,
            "to_address": link.to_address, "evidence": link.evidence.evidence_class.value,
            "confidence": link.evidence.confidence, "rule": link.evidence.rule,
            "from_address": link.from_address, "from_asset": link.from_asset, "to_asset": link.to_asset,
            "amount_in": _base_units(link.amount_in), "amount_out": _base_units(link.amount_out),
            "inferred": link.inferred,
            "facts": {k: v for k, v in sorted(link.evidence.facts.items()) if k != "node"}}


def _endpoints(endpoints: list[Any], origins: Mapping[str, Origin]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str, str], list[Any]] = defaultdict(list)
    for e in endpoints:
        merged[(e.chain.value, e.address, e.asset.key, e.reason.value)].append(e)
    out = []
    for (chain, address, asset_key, reason), group in sorted(merged.items()):
        e = group[0]
        amount = sum(x.amount for x in group)
        value = None
        for x in group:
            origin = origins.get(x.origin)
            v = value_usd(origin, x.origin_amount) if origin else None
            value = v if value is None else (value + v if v is not None else value)
        out.append({"chain": chain, "address": address, "category": e.category.value if e.category else None,
                    "service": e.service, "asset": asset_key, "amount": units(amount, e.asset.decimals),
                    "status": e.status.value, "reason": reason, "hop": min(x.hop for x in group),
                    "confidence": round(max(x.confidence for x in group), 6), "usd": usd(value),
                    "origins": {x.origin: str(x.origin_amount) for x in group},
                    "inferred": all(x.origin.startswith("inferred:") for x in group)})
    return out


def _alert(stored: StoredAlert) -> dict[str, Any]:
    a = stored.alert
    return {"chain": a.chain.value, "address": a.address, "tx_hash": a.tx_hash, "timestamp": _iso(a.timestamp),
            "kind": a.kind, "amount": units(a.amount, a.asset.decimals), "asset": a.asset.key,
            "message": a.message, "severity": a.severity.value}
