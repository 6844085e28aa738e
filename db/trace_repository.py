"""The trace state of a case: the engine's contributions (edges), endpoints, links, addresses and frontier.

Built on the store's sessions (``Store.trace_repository()``), so it shares the store's locking (SQLite writers
BEGIN IMMEDIATE), its ``atomic()`` blocks and its ``StoreError`` translation. Every expansion is committed in ONE
transaction (delete the node's previous contributions, endpoints and links, insert the new ones, mark the node
done and its receivers pending), so a kill -9 at any point leaves either the old or the new state of that node --
never half -- and re-running continues from the pending nodes.

Keys: an edge is (case, transfer, origin, parent); an endpoint belongs to the node (chain, address) that stopped
the taint; a frontier row and an address row are one node (case, chain, address).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, and_, delete, func, select, update

from db.models import AddressRow, EndpointRow, FrontierRow, LinkRow, TraceEdgeRow, TransferRow
from db.records import THEFT_PARENT, AddressRole, CaseAddress, Contribution, Expansion, NodeState
from db.rows import endpoint_values, row_evidence, row_to_endpoint, row_to_link, row_to_transfer
from db.store_base import StoreBase
from db.trace_writes import (
    aggregate_endpoints,
    insert_contributions,
    node_where,
    touch,
    touch_address,
    upsert_link,
    upsert_transfers,
)
from tracer.model import Address, Chain, Endpoint, Link


class SqlTraceRepository:
    """:class:`tracer.engine.ports.TraceRepository` on the case store (get it from ``Store.trace_repository()``)."""

    def __init__(self, store: StoreBase) -> None:
        self._store = store

    # -- reads -------------------------------------------------------------------------------------------------
    def incoming(self, case_id: int, node: Address) -> list[Contribution]:
        """Contributions arriving at ``node``."""
        return self._contributions(case_id, and_(TransferRow.chain == node.chain.value,
                                                 TransferRow.to_address == node.value))

    def outgoing(self, case_id: int, node: Address) -> list[Contribution]:
        """Contributions allocated by ``node``."""
        return self._contributions(case_id, TraceEdgeRow.parent == str(node))

    def all_contributions(self, case_id: int) -> list[Contribution]:
        """Every contribution of the case (for export)."""
        return self._contributions(case_id, None)

    def theft_contributions(self, case_id: int) -> list[Contribution]:
        """The seeds' stolen inflows (hop 0)."""
        return self._contributions(case_id, TraceEdgeRow.parent == THEFT_PARENT)

    def _contributions(self, case_id: int, where: ColumnElement[bool] | None) -> list[Contribution]:
        stmt = (select(TraceEdgeRow, TransferRow).join(TransferRow, TraceEdgeRow.transfer_id == TransferRow.id)
                .where(TraceEdgeRow.case_id == case_id))
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.order_by(TraceEdgeRow.hop, TransferRow.block_number, TransferRow.tx_hash, TransferRow.kind,
                             TransferRow.idx, TraceEdgeRow.origin, TraceEdgeRow.parent)
        with self._store.reading() as s:
            return [Contribution(row_to_transfer(t), e.origin, e.tainted_amount, e.origin_amount, e.parent, e.hop,
                                 row_evidence(e.evidence_class, e.rule, e.confidence, e.facts_json), e.confidence,
                                 e.model_spread or 0)
                    for e, t in s.execute(stmt).all()]

    def pending_nodes(self, case_id: int) -> list[tuple[Address, int, float]]:
        """Pending nodes, largest priority first, then by hop and key (deterministic)."""
        stmt = select(FrontierRow).where(FrontierRow.case_id == case_id, FrontierRow.done.is_(False))
        with self._store.reading() as s:
            items = [(Address(Chain(r.chain), r.address), r.hop, r.priority) for r in s.scalars(stmt)]
        return sorted(items, key=lambda i: (-i[2], i[1], str(i[0])))

    def node(self, case_id: int, node: Address) -> NodeState | None:
        """State of one node, or None if the case never met it."""
        with self._store.reading() as s:
            row = s.scalars(select(FrontierRow).where(*node_where(case_id, node))).first()
            if row is None:
                return None
            role = s.scalar(select(AddressRow.role).where(AddressRow.case_id == case_id,
                                                          AddressRow.chain == node.chain.value,
                                                          AddressRow.address == node.value))
            return NodeState(node, row.hop, not row.done, row.expansions, role or AddressRole.INTERMEDIATE.value)

    def expansion_count(self, case_id: int) -> int:
        """Expansions committed in the case so far (re-expansions included)."""
        with self._store.reading() as s:
            return int(s.scalar(select(func.coalesce(func.sum(FrontierRow.expansions), 0))
                                .where(FrontierRow.case_id == case_id)) or 0)

    def node_count(self, case_id: int) -> int:
        """How many nodes the case has met."""
        with self._store.reading() as s:
            return int(s.scalar(select(func.count()).select_from(FrontierRow).where(FrontierRow.case_id == case_id))
                       or 0)

    def endpoints(self, case_id: int) -> list[Endpoint]:
        """All endpoints."""
        with self._store.reading() as s:
            rows = s.scalars(select(EndpointRow).where(EndpointRow.case_id == case_id).order_by(
                EndpointRow.chain, EndpointRow.address, EndpointRow.asset, EndpointRow.origin, EndpointRow.reason))
            return [row_to_endpoint(r) for r in rows]

    def links(self, case_id: int) -> list[Link]:
        """All links."""
        with self._store.reading() as s:
            rows = s.scalars(select(LinkRow).where(LinkRow.case_id == case_id).order_by(
                LinkRow.kind, LinkRow.from_chain, LinkRow.from_tx, LinkRow.to_tx, LinkRow.to_address))
            return [row_to_link(r) for r in rows]

    def addresses(self, case_id: int) -> list[CaseAddress]:
        """Every address the case met, ordered by (depth, chain, address)."""
        with self._store.reading() as s:
            rows = s.scalars(select(AddressRow).where(AddressRow.case_id == case_id))
            found = [CaseAddress(Chain(r.chain), r.address, AddressRole(r.role), r.depth, r.cluster, r.expanded)
                     for r in rows]
        return sorted(found, key=lambda a: (a.depth, a.chain.value, a.address))

    # -- writes ------------------------------------------------------------------------------------------------
    def add_seed_node(self, case_id: int, node: Address, contributions: Sequence[Contribution]) -> None:
        """Store the theft inflows of a seed (idempotent) and mark it pending."""
        with self._store.session() as s:
            insert_contributions(s, case_id, contributions)
            touch(s, case_id, node, 0, 1.0, role=AddressRole.SEED)

    def commit_expansion(self, case_id: int, expansion: Expansion, hop: int,
                         touched: Iterable[tuple[Address, int, float]]) -> None:
        """Replace the node's outputs and move the frontier, atomically."""
        node = expansion.node
        with self._store.session() as s:
            s.execute(delete(TraceEdgeRow).where(TraceEdgeRow.case_id == case_id, TraceEdgeRow.parent == str(node)))
            s.execute(delete(EndpointRow).where(EndpointRow.case_id == case_id, EndpointRow.chain == node.chain.value,
                                                EndpointRow.address == node.value))
            s.execute(delete(LinkRow).where(LinkRow.case_id == case_id, LinkRow.facts_json.like(
                f'%"node": "{node}"%')))
            upsert_transfers(s, expansion.transfers)
            insert_contributions(s, case_id, expansion.contributions)
            for e in aggregate_endpoints(expansion.endpoints):
                s.add(EndpointRow(**endpoint_values(case_id, e)))
            for link in _unique_links(expansion.links):
                upsert_link(s, case_id, link, node)
            s.execute(update(FrontierRow).where(*node_where(case_id, node))
                      .values(done=True, expansions=FrontierRow.expansions + 1))
            role = AddressRole.ENDPOINT if expansion.endpoints and not expansion.contributions \
                else AddressRole.INTERMEDIATE
            touch_address(s, case_id, node, hop, role)
            for key, child_hop, priority in touched:
                touch(s, case_id, key, child_hop, priority)

    def reopen(self, case_id: int, node: Address) -> bool:
        """Mark a node pending again (its wallet moved after the trace); False if the case never met it."""
        with self._store.session() as s:
            row = s.scalars(select(FrontierRow).where(*node_where(case_id, node))).first()
            if row is None:
                return False
            row.done = False
            row.priority = max(row.priority, 1.0)
            row.expansions = 0
            return True


def _unique_links(links: Iterable[Link]) -> list[Link]:
    seen: dict[tuple[str, str, str, str, str, str], Link] = {}
    for link in links:
        key = (link.kind.value, link.from_chain.value, link.from_tx, link.to_chain.value, link.to_tx or "",
               link.to_address or "")
        seen.setdefault(key, link)
    return list(seen.values())
