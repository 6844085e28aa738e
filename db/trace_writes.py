"""Row writers of :mod:`db.trace_repository`, each inside the caller's session (one transaction per expansion)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import AddressRow, FrontierRow, LinkRow, TraceEdgeRow, TransferRow
from db.records import AddressRole, Contribution
from db.rows import evidence_values, link_values, transfer_values
from tracer.model import Address, Endpoint, Link, Transfer


def node_where(case_id: int, node: Address) -> tuple[ColumnElement[bool], ...]:
    """The frontier row of ``node``."""
    return FrontierRow.case_id == case_id, FrontierRow.chain == node.chain.value, FrontierRow.address == node.value


def _insert(s: Session) -> Any:
    """The dialect's INSERT (both support ``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


def touch(s: Session, case_id: int, node: Address, hop: int, priority: float,
          role: AddressRole = AddressRole.INTERMEDIATE) -> None:
    """Mark ``node`` pending with ``priority`` (new, or re-opened at the smaller hop); record its address."""
    row = s.scalars(select(FrontierRow).where(*node_where(case_id, node))).first()
    if row is None:
        s.add(FrontierRow(case_id=case_id, chain=node.chain.value, address=node.value, hop=hop,
                          priority=round(priority, 12), expansions=0, done=False))
    else:
        row.done = False
        row.hop = min(row.hop, hop)
        row.priority = round(priority, 12)
    touch_address(s, case_id, node, hop, role)


def touch_address(s: Session, case_id: int, node: Address, depth: int, role: AddressRole) -> None:
    """Record an address of the case: the depth is the minimum, the stronger role wins (seed > endpoint >
    intermediate)."""
    row = s.scalars(select(AddressRow).where(AddressRow.case_id == case_id, AddressRow.chain == node.chain.value,
                                             AddressRow.address == node.value)).first()
    if row is None:
        s.add(AddressRow(case_id=case_id, chain=node.chain.value, address=node.value, role=role.value, depth=depth))
        s.flush()
        return
    row.depth = min(row.depth, depth)
    if role.rank > AddressRole(row.role).rank:
        row.role = role.value


def upsert_transfers(s: Session, transfers: Iterable[Transfer]) -> None:
    """Store transfers once each (the evidence annex); a transfer already stored is kept as it is."""
    unique = {t.id: t for t in transfers}
    values = [transfer_values(t) for t in unique.values()]
    insert = _insert(s)
    for start in range(0, len(values), 500):
        stmt = insert(TransferRow).values(values[start:start + 500])
        s.execute(stmt.on_conflict_do_nothing(index_elements=["chain", "tx_hash", "kind", "idx"]))


def _transfer_ids(s: Session, transfers: Iterable[Transfer]) -> dict[str, int]:
    items = list({t.id: t for t in transfers}.values())
    out: dict[str, int] = {}
    for start in range(0, len(items), 200):
        chunk = items[start:start + 200]
        cond = or_(*[and_(TransferRow.chain == t.chain.value, TransferRow.tx_hash == t.tx_hash,
                          TransferRow.kind == t.kind.value, TransferRow.idx == t.index) for t in chunk])
        for row in s.scalars(select(TransferRow).where(cond)):
            out[f"{row.chain}:{row.tx_hash}:{row.kind}:{row.idx}"] = row.id
    return out


def insert_contributions(s: Session, case_id: int, contributions: Sequence[Contribution]) -> None:
    """Store contributions as trace edges, summing those with the same key (transfer, origin, parent); an edge
    already stored (a seed re-added on resume) is kept."""
    if not contributions:
        return
    upsert_transfers(s, (c.transfer for c in contributions))
    ids = _transfer_ids(s, (c.transfer for c in contributions))
    merged: dict[tuple[int, str, str], Contribution] = {}
    for c in contributions:
        key = (ids[c.transfer.id], c.origin, c.parent)
        prev = merged.get(key)
        if prev is not None:
            c = replace(prev, amount=prev.amount + c.amount, origin_amount=prev.origin_amount + c.origin_amount,
                        spread=prev.spread + c.spread)
        merged[key] = c
    for (transfer_id, origin, parent), c in merged.items():
        existing = s.scalar(select(TraceEdgeRow.id).where(
            TraceEdgeRow.case_id == case_id, TraceEdgeRow.transfer_id == transfer_id,
            TraceEdgeRow.origin == origin, TraceEdgeRow.parent == parent))
        if existing is not None:
            continue
        ev = evidence_values(c.evidence)
        ev["confidence"] = c.confidence
        s.add(TraceEdgeRow(case_id=case_id, transfer_id=transfer_id, tainted_amount=c.amount, hop=c.hop,
                           parent=parent, origin=origin, origin_amount=c.origin_amount, model_spread=c.spread,
                           **ev))
    s.flush()


def aggregate_endpoints(endpoints: Sequence[Endpoint]) -> list[Endpoint]:
    """Sum endpoints sharing (chain, address, asset, origin, reason): that is the endpoints table's key."""
    merged: dict[tuple[str, str, str, str, str], Endpoint] = {}
    for e in endpoints:
        key = (e.chain.value, e.address, e.asset.key, e.origin, e.reason.value)
        prev = merged.get(key)
        merged[key] = e if prev is None else replace(prev, amount=prev.amount + e.amount,
                                                     origin_amount=prev.origin_amount + e.origin_amount,
                                                     hop=min(prev.hop, e.hop),
                                                     confidence=max(prev.confidence, e.confidence))
    return [merged[k] for k in sorted(merged)]


def upsert_link(s: Session, case_id: int, link: Link, node: Address) -> None:
    """Insert a link, or take it over when another node already recorded the same one (two wallets of the
    launderer in one CoinJoin round both re-link its post-mix spend): the last node to expand owns it."""
    values = link_values(case_id, link)
    values["facts_json"] = json.dumps({**dict(link.evidence.facts), "node": str(node)}, sort_keys=True)
    stmt = _insert(s)(LinkRow).values(**values)
    keys = ["case_id", "kind", "from_chain", "from_tx", "to_chain", "to_tx", "to_address"]
    s.execute(stmt.on_conflict_do_update(index_elements=keys,
                                         set_={k: stmt.excluded[k] for k in values if k not in keys}))
