"""The engine's repository port on the SQL case store (SQLite or PostgreSQL through SQLAlchemy).

Every expansion is committed in ONE transaction (delete the node's previous contributions, endpoints and links,
insert the new ones, mark the node done and its receivers pending), so a kill -9 at any point leaves either the
old or the new state of that node -- never half -- and re-running continues from the pending nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import AddressRow, EndpointRow, FrontierRow, LinkRow, TraceEdgeRow, TransferRow
from db.rows import (
    endpoint_values,
    evidence_values,
    link_values,
    row_evidence,
    row_to_endpoint,
    row_to_link,
    row_to_transfer,
    transfer_values,
)
from tracer.engine.bridges import aggregate_endpoints
from tracer.engine.nodes import Contribution, Expansion, NodeKey
from tracer.engine.ports import NodeState
from tracer.model import Endpoint, Link, Transfer

NODE_ASSET = "*"  # frontier rows are per node: asset/origin columns hold this marker


class SqlTraceRepository:
    """:class:`tracer.engine.ports.TraceRepository` on the case store tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- reads -------------------------------------------------------------------------------------------------
    def incoming(self, case_id: int, node: NodeKey) -> list[Contribution]:
        """Contributions arriving at ``node``."""
        return self._contributions(case_id, and_(TransferRow.chain == node.chain.value,
                                                 TransferRow.to_address == node.address))

    def outgoing(self, case_id: int, node: NodeKey) -> list[Contribution]:
        """Contributions allocated by ``node``."""
        return self._contributions(case_id, TraceEdgeRow.parent == str(node))

    def all_contributions(self, case_id: int) -> list[Contribution]:
        """Every contribution of the case (for export)."""
        return self._contributions(case_id, None)

    def _contributions(self, case_id: int, where: ColumnElement[bool] | None) -> list[Contribution]:
        stmt = (select(TraceEdgeRow, TransferRow).join(TransferRow, TraceEdgeRow.transfer_id == TransferRow.id)
                .where(TraceEdgeRow.case_id == case_id))
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.order_by(TraceEdgeRow.hop, TransferRow.block_number, TransferRow.tx_hash, TransferRow.kind,
                             TransferRow.idx, TraceEdgeRow.origin, TraceEdgeRow.parent)
        with Session(self.engine) as s:
            return [Contribution(row_to_transfer(t), e.origin, e.tainted_amount, e.origin_amount, e.parent, e.hop,
                                 row_evidence(e.evidence_class, e.rule, e.confidence, e.facts_json), e.confidence,
                                 e.model_spread or 0)
                    for e, t in s.execute(stmt).all()]

    def pending_nodes(self, case_id: int) -> list[tuple[NodeKey, int, float]]:
        """Pending nodes, largest priority first, then by hop and key (deterministic)."""
        from tracer.model import Chain

        stmt = select(FrontierRow).where(FrontierRow.case_id == case_id, FrontierRow.done.is_(False))
        with Session(self.engine) as s:
            rows = s.scalars(stmt).all()
            items = [(NodeKey(Chain(r.chain), r.address), r.hop, _priority(r.state_json)) for r in rows]
        return sorted(items, key=lambda i: (-i[2], i[1], str(i[0])))

    def node(self, case_id: int, node: NodeKey) -> NodeState | None:
        """State of one node."""
        with Session(self.engine) as s:
            row = s.scalars(select(FrontierRow).where(*_node_where(case_id, node))).first()
            if row is None:
                return None
            addr = s.scalars(select(AddressRow).where(AddressRow.case_id == case_id,
                                                      AddressRow.chain == node.chain.value,
                                                      AddressRow.address == node.address)).first()
            return NodeState(node, row.hop, not row.done, _expansions(row.state_json),
                             addr.role if addr else "intermediate")

    def endpoints(self, case_id: int) -> list[Endpoint]:
        """All endpoints."""
        with Session(self.engine) as s:
            rows = s.scalars(select(EndpointRow).where(EndpointRow.case_id == case_id).order_by(
                EndpointRow.chain, EndpointRow.address, EndpointRow.asset, EndpointRow.origin, EndpointRow.reason))
            return [row_to_endpoint(r) for r in rows]

    def links(self, case_id: int) -> list[Link]:
        """All links."""
        with Session(self.engine) as s:
            rows = s.scalars(select(LinkRow).where(LinkRow.case_id == case_id).order_by(
                LinkRow.kind, LinkRow.from_chain, LinkRow.from_tx, LinkRow.to_tx, LinkRow.to_address))
            return [row_to_link(r) for r in rows]

    def theft_contributions(self, case_id: int) -> list[Contribution]:
        """The seeds' stolen inflows (hop 0)."""
        from tracer.engine.nodes import THEFT_PARENT

        return self._contributions(case_id, TraceEdgeRow.parent == THEFT_PARENT)

    def node_count(self, case_id: int) -> int:
        """How many nodes the case has met."""
        from sqlalchemy import func

        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(FrontierRow).where(FrontierRow.case_id == case_id))
                       or 0)

    def pending_count(self, case_id: int) -> int:
        """How many nodes wait."""
        return len(self.pending_nodes(case_id))

    # -- writes ------------------------------------------------------------------------------------------------
    def add_seed_node(self, case_id: int, node: NodeKey, contributions: Sequence[Contribution]) -> None:
        """Store the theft inflows of a seed (idempotent) and mark it pending."""
        with Session(self.engine) as s, s.begin():
            _insert_contributions(s, case_id, contributions)
            _touch(s, case_id, node, 0, 1.0, role="seed")

    def commit_expansion(self, case_id: int, expansion: Expansion, hop: int,
                         touched: Iterable[tuple[NodeKey, int, float]]) -> None:
        """Replace the node's outputs and move the frontier, atomically."""
        node = expansion.node
        with Session(self.engine) as s, s.begin():
            s.execute(delete(TraceEdgeRow).where(TraceEdgeRow.case_id == case_id, TraceEdgeRow.parent == str(node)))
            s.execute(delete(EndpointRow).where(EndpointRow.case_id == case_id, EndpointRow.chain == node.chain.value,
                                                EndpointRow.address == node.address))
            s.execute(delete(LinkRow).where(LinkRow.case_id == case_id, LinkRow.facts_json.like(
                f'%"node": "{node}"%')))
            _upsert_transfers(s, expansion.transfers)
            _insert_contributions(s, case_id, expansion.contributions)
            for e in aggregate_endpoints(expansion.endpoints):
                s.add(EndpointRow(**endpoint_values(case_id, e)))
            for link in _unique_links(expansion.links):
                _upsert_link(s, case_id, link, node)
            row = s.scalars(select(FrontierRow).where(*_node_where(case_id, node))).first()
            if row is not None:
                row.done = True
                row.state_json = _state(_priority(row.state_json), _expansions(row.state_json) + 1)
            role = "endpoint" if expansion.endpoints and not expansion.contributions else "intermediate"
            _address(s, case_id, node, hop, role)
            for key, child_hop, priority in touched:
                _touch(s, case_id, key, child_hop, priority)

    def reopen(self, case_id: int, node: NodeKey) -> bool:
        """Mark a node pending again (its wallet moved after the trace); False if the case never met it."""
        with Session(self.engine) as s, s.begin():
            row = s.scalars(select(FrontierRow).where(*_node_where(case_id, node))).first()
            if row is None:
                return False
            row.done = False
            row.state_json = _state(max(_priority(row.state_json), 1.0), 0)
            return True

    def mark_done(self, case_id: int, node: NodeKey) -> None:
        """Mark a node done without outputs (used when a budget stops the trace)."""
        with Session(self.engine) as s, s.begin():
            s.execute(update(FrontierRow).where(*_node_where(case_id, node)).values(done=True))


def _node_where(case_id: int, node: NodeKey) -> tuple[ColumnElement[bool], ...]:
    return (FrontierRow.case_id == case_id, FrontierRow.chain == node.chain.value,
            FrontierRow.address == node.address, FrontierRow.asset == NODE_ASSET, FrontierRow.origin == NODE_ASSET)


def _state(priority: float, expansions: int) -> str:
    import json

    return json.dumps({"priority": round(priority, 12), "expansions": expansions}, sort_keys=True)


def _priority(state_json: str) -> float:
    import json

    return float(json.loads(state_json or "{}").get("priority", 0.0))


def _expansions(state_json: str) -> int:
    import json

    return int(json.loads(state_json or "{}").get("expansions", 0))


def _touch(s: Session, case_id: int, node: NodeKey, hop: int, priority: float, role: str | None = None) -> None:
    row = s.scalars(select(FrontierRow).where(*_node_where(case_id, node))).first()
    if row is None:
        s.add(FrontierRow(case_id=case_id, chain=node.chain.value, address=node.address, asset=NODE_ASSET,
                          origin=NODE_ASSET, tainted_amount=0, hop=hop, state_json=_state(priority, 0), done=False))
    else:
        row.done = False
        row.hop = min(row.hop, hop)
        row.state_json = _state(priority, _expansions(row.state_json))
    _address(s, case_id, node, hop, role or "intermediate")


ROLE_RANK = {"seed": 3, "endpoint": 2, "intermediate": 1}


def _address(s: Session, case_id: int, node: NodeKey, depth: int, role: str) -> None:
    row = s.scalars(select(AddressRow).where(AddressRow.case_id == case_id, AddressRow.chain == node.chain.value,
                                             AddressRow.address == node.address)).first()
    if row is None:
        s.add(AddressRow(case_id=case_id, chain=node.chain.value, address=node.address, role=role, depth=depth))
        s.flush()
        return
    row.depth = min(row.depth, depth)
    if row.role != "seed":
        row.role = role if role != "intermediate" or row.role != "endpoint" else row.role
        if role == "intermediate" and row.role == "endpoint":
            row.role = "endpoint"


def _upsert_transfers(s: Session, transfers: Iterable[Transfer]) -> None:
    unique = {t.id: t for t in transfers}
    if not unique:
        return
    values = [transfer_values(t) for t in unique.values()]
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(values), 500):
        stmt = insert(TransferRow).values(values[start:start + 500])
        s.execute(stmt.on_conflict_do_nothing(index_elements=["chain", "tx_hash", "kind", "idx"]))


def _transfer_ids(s: Session, transfers: Iterable[Transfer]) -> dict[str, int]:
    wanted = {t.id: t for t in transfers}
    out: dict[str, int] = {}
    items = list(wanted.values())
    for start in range(0, len(items), 200):
        chunk = items[start:start + 200]
        cond = or_(*[and_(TransferRow.chain == t.chain.value, TransferRow.tx_hash == t.tx_hash,
                          TransferRow.kind == t.kind.value, TransferRow.idx == t.index) for t in chunk])
        for row in s.scalars(select(TransferRow).where(cond)):
            out[f"{row.chain}:{row.tx_hash}:{row.kind}:{row.idx}"] = row.id
    return out


def _insert_contributions(s: Session, case_id: int, contributions: Sequence[Contribution]) -> None:
    if not contributions:
        return
    _upsert_transfers(s, (c.transfer for c in contributions))
    ids = _transfer_ids(s, (c.transfer for c in contributions))
    merged: dict[tuple[int, str, str], Contribution] = {}
    for c in contributions:
        key = (ids[c.transfer.id], c.origin, c.parent)
        prev = merged.get(key)
        if prev is not None:
            from dataclasses import replace

            c = replace(prev, amount=prev.amount + c.amount, origin_amount=prev.origin_amount + c.origin_amount,
                        spread=prev.spread + c.spread)
        merged[key] = c
    for (transfer_id, origin, parent), c in merged.items():
        existing = s.scalars(select(TraceEdgeRow).where(
            TraceEdgeRow.case_id == case_id, TraceEdgeRow.transfer_id == transfer_id,
            TraceEdgeRow.origin == origin, TraceEdgeRow.parent == parent)).first()
        if existing is not None:  # seeds re-added on resume: same facts, keep one row
            continue
        ev = evidence_values(c.evidence)
        ev["confidence"] = c.confidence
        s.add(TraceEdgeRow(case_id=case_id, transfer_id=transfer_id, tainted_amount=c.amount, hop=c.hop,
                           parent=parent, origin=origin, origin_amount=c.origin_amount, model_spread=c.spread,
                           **ev))
    s.flush()


def _upsert_link(s: Session, case_id: int, link: Link, node: NodeKey) -> None:
    """Insert a link, or take it over when another node already recorded the same one (two wallets of the
    launderer in one CoinJoin round both re-link its post-mix spend): the last node to expand owns it."""
    import json

    values = link_values(case_id, link)
    values["facts_json"] = json.dumps({**dict(link.evidence.facts), "node": str(node)}, sort_keys=True)
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(LinkRow).values(**values)
    keys = ["case_id", "kind", "from_chain", "from_tx", "to_chain", "to_tx", "to_address"]
    s.execute(stmt.on_conflict_do_update(index_elements=keys,
                                         set_={k: stmt.excluded[k] for k in values if k not in keys}))


def _unique_links(links: Iterable[Link]) -> list[Link]:
    seen: dict[tuple[str, str, str, str, str, str], Link] = {}
    for link in links:
        key = (link.kind.value, link.from_chain.value, link.from_tx, link.to_chain.value, link.to_tx or "",
               link.to_address or "")
        seen.setdefault(key, link)
    return list(seen.values())


def now() -> datetime:
    """UTC now (one place, so tests can see what the store writes)."""
    return datetime.now(UTC)
