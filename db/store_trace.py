"""Trace facts: transfers (shared by all cases), trace edges, service/cross-chain links, endpoints.

Re-inserting a fact is idempotent: transfers, edges and links use INSERT ... ON CONFLICT DO NOTHING on
their natural keys; endpoints use ON CONFLICT DO UPDATE (the amount is replaced, never added).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import EndpointRow, LinkRow, TraceEdgeRow, TransferRow
from db.records import dumps
from db.rows import (
    endpoint_values,
    link_values,
    row_evidence,
    row_to_endpoint,
    row_to_link,
    row_to_transfer,
    transfer_values,
)
from db.store_base import StoreBase, chunks
from tracer.model import (
    Endpoint,
    Link,
    TraceEdge,
    Transfer,
)

TransferKey = tuple[str, str, str, int]  # (chain, tx_hash, kind, idx): the natural key of a transfer row
EdgeMerge = Literal["ignore", "add"]


class TraceStoreMixin(StoreBase):
    """Transfers, edges, links and endpoints."""

    # -- transfers ---------------------------------------------------------------------------------

    def add_transfers(self, transfers: Iterable[Transfer]) -> dict[str, int]:
        """Store transfers (first version wins on a natural-key clash); returns ``transfer.id -> row id``."""
        with self.session() as s:
            return self._add_transfers(s, transfers)

    def _add_transfers(self, s: Session, transfers: Iterable[Transfer]) -> dict[str, int]:
        unique: dict[TransferKey, Transfer] = {}
        for t in transfers:
            unique.setdefault(_tkey(t), t)
        if not unique:
            return {}
        stmt = self.insert(TransferRow).on_conflict_do_nothing(index_elements=["chain", "tx_hash", "kind", "idx"])
        s.execute(stmt, [transfer_values(t) for t in unique.values()])
        ids: dict[str, int] = {}
        # Select by (chain, tx_hash IN ...) and match the rest here: row-value IN lists are ~10x slower on PostgreSQL.
        by_chain: dict[str, set[str]] = {}
        for chain, tx_hash, _kind, _idx in unique:
            by_chain.setdefault(chain, set()).add(tx_hash)
        for chain, hashes in by_chain.items():
            for batch in chunks(sorted(hashes)):
                rows = s.execute(
                    select(TransferRow.id, TransferRow.tx_hash, TransferRow.kind, TransferRow.idx)
                    .where(TransferRow.chain == chain, TransferRow.tx_hash.in_(batch))
                ).all()
                for row_id, tx_hash, kind, idx in rows:
                    wanted = unique.get((chain, tx_hash, kind, idx))
                    if wanted is not None:
                        ids[wanted.id] = row_id
        return ids

    def transfers_for_case(self, case_id: int) -> list[Transfer]:
        """Distinct transfers carrying taint in a case, ascending (block, tx, kind, index)."""
        with self.reading() as s:
            rows = s.scalars(
                select(TransferRow).where(
                    TransferRow.id.in_(select(TraceEdgeRow.transfer_id).where(TraceEdgeRow.case_id == case_id))
                )
            ).all()
            out = [transfer_from_row(r) for r in rows]
        return sorted(out, key=lambda t: (t.block_number, t.tx_hash, t.kind.value, t.index))

    def count_transfers(self) -> int:
        """Number of stored transfers (all cases)."""
        from sqlalchemy import func

        with self.reading() as s:
            return int(s.scalar(select(func.count()).select_from(TransferRow)) or 0)

    # -- edges -------------------------------------------------------------------------------------

    def add_edges(
        self,
        case_id: int,
        edges: Iterable[TraceEdge],
        spreads: Mapping[str, int] | None = None,
        *,
        merge: EdgeMerge = "ignore",
    ) -> None:
        """Store trace edges (and their transfers). Key: (case, transfer, origin, parent).

        ``spreads`` maps ``transfer.id`` to the max-min taint across models. ``merge="ignore"`` (default)
        keeps a stored edge as is (idempotent re-insert); ``merge="add"`` adds the new tainted and origin
        amounts to a stored edge -- for re-expanding a re-opened frontier item, inside ``atomic()`` with the
        frontier update so it happens exactly once.
        """
        edges = list(edges)
        if not edges:
            return
        spreads = spreads or {}
        with self.session() as s:
            ids = self._add_transfers(s, (e.transfer for e in edges))
            rows: dict[tuple[int, str, str], dict[str, Any]] = {}
            for e in edges:
                row = _edge_row(case_id, ids[e.transfer.id], e, spreads.get(e.transfer.id))
                key = (row["transfer_id"], row["origin"], row["parent"])
                if key in rows and merge == "add":
                    rows[key]["tainted_amount"] += row["tainted_amount"]
                    rows[key]["origin_amount"] += row["origin_amount"]
                else:
                    rows.setdefault(key, row)
            if merge == "add":
                self._add_to_existing_edges(s, case_id, rows)
            if rows:
                stmt = self.insert(TraceEdgeRow).on_conflict_do_nothing(
                    index_elements=["case_id", "transfer_id", "origin", "parent"]
                )
                s.execute(stmt, list(rows.values()))

    def _add_to_existing_edges(self, s: Session, case_id: int, rows: dict[tuple[int, str, str], dict[str, Any]]) -> None:
        """Add amounts onto stored edges and drop them from ``rows`` (what is left is new)."""
        for batch in chunks(sorted({key[0] for key in rows})):
            existing = [
                edge
                for edge in s.scalars(
                    select(TraceEdgeRow).where(TraceEdgeRow.case_id == case_id, TraceEdgeRow.transfer_id.in_(batch))
                ).all()
                if (edge.transfer_id, edge.origin, edge.parent) in rows
            ]
            for edge in existing:
                new = rows.pop((edge.transfer_id, edge.origin, edge.parent))
                edge.tainted_amount = edge.tainted_amount + new["tainted_amount"]
                edge.origin_amount = edge.origin_amount + new["origin_amount"]
                if new["model_spread"] is not None:
                    edge.model_spread = new["model_spread"]
        s.flush()

    def edges(self, case_id: int) -> list[TraceEdge]:
        """A case's edges in a stable order: hop, block, tx, index (then kind, origin, parent)."""
        with self.reading() as s:
            pairs = s.execute(
                select(TraceEdgeRow, TransferRow)
                .join(TransferRow, TransferRow.id == TraceEdgeRow.transfer_id)
                .where(TraceEdgeRow.case_id == case_id)
            ).all()
            edges = [_edge_from_rows(e, t) for e, t in pairs]
        # Sorted in Python: PostgreSQL text collation may differ from SQLite's byte order.
        return sorted(edges, key=_edge_order)

    def edge_spreads(self, case_id: int) -> dict[str, int]:
        """``transfer.id -> model spread`` for a case's edges that have one."""
        with self.reading() as s:
            pairs = s.execute(
                select(TransferRow, TraceEdgeRow.model_spread)
                .join(TraceEdgeRow, TransferRow.id == TraceEdgeRow.transfer_id)
                .where(TraceEdgeRow.case_id == case_id, TraceEdgeRow.model_spread.is_not(None))
            ).all()
            return {transfer_from_row(t).id: spread for t, spread in pairs if spread is not None}

    # -- links -------------------------------------------------------------------------------------

    def add_links(self, case_id: int, links: Iterable[Link]) -> None:
        """Store service/cross-chain links; a link already stored (same natural key) is left as is."""
        rows = {_link_key(r): r for r in (link_values(case_id, link) for link in links)}
        if not rows:
            return
        with self.session() as s:
            stmt = self.insert(LinkRow).on_conflict_do_nothing(
                index_elements=["case_id", "kind", "from_chain", "from_tx", "to_chain", "to_tx", "to_address"]
            )
            s.execute(stmt, list(rows.values()))

    def links(self, case_id: int) -> list[Link]:
        """A case's links ordered by (from chain, from tx, kind, to chain, to tx, to address)."""
        with self.reading() as s:
            rows = s.scalars(select(LinkRow).where(LinkRow.case_id == case_id)).all()
            keyed = [(_link_key_of(r), row_to_link(r)) for r in rows]
        return [link for _, link in sorted(keyed, key=lambda kv: kv[0])]

    # -- endpoints ---------------------------------------------------------------------------------

    def add_endpoints(self, case_id: int, endpoints: Iterable[Endpoint]) -> None:
        """Upsert endpoints keyed by (chain, address, asset, origin, reason).

        Idempotent by REPLACEMENT: storing an endpoint again overwrites its amount (and status, category,
        service, hop, confidence, origin amount); it never adds. The engine passes the full amount
        that stopped there.
        """
        rows: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
        for ep in endpoints:
            row = endpoint_values(case_id, ep)
            rows[(ep.chain.value, ep.address, ep.asset.key, ep.origin, ep.reason.value)] = row  # last wins
        if not rows:
            return
        with self.session() as s:
            stmt = self.insert(EndpointRow)
            updated = ("asset_decimals", "amount", "status", "category", "service", "hop", "confidence",
                       "origin_amount")
            stmt = stmt.on_conflict_do_update(
                index_elements=["case_id", "chain", "address", "asset", "origin", "reason"],
                set_={name: stmt.excluded[name] for name in updated},
            )
            s.execute(stmt, list(rows.values()))

    def endpoints(self, case_id: int) -> list[Endpoint]:
        """A case's endpoints ordered by (chain, address, asset, origin, reason)."""
        with self.reading() as s:
            rows = s.scalars(select(EndpointRow).where(EndpointRow.case_id == case_id)).all()
            out = [row_to_endpoint(r) for r in rows]
        return sorted(out, key=lambda e: (e.chain.value, e.address, e.asset.key, e.origin, e.reason.value))


# -- conversions -----------------------------------------------------------------------------------


def _tkey(t: Transfer) -> TransferKey:
    return (t.chain.value, t.tx_hash, t.kind.value, t.index)


transfer_from_row = row_to_transfer  # public name kept for callers of the store module


def _edge_row(case_id: int, transfer_id: int, e: TraceEdge, spread: int | None) -> dict[str, Any]:
    return {
        "case_id": case_id, "transfer_id": transfer_id, "tainted_amount": e.tainted_amount, "hop": e.hop,
        "evidence_class": e.evidence.evidence_class.value, "confidence": e.evidence.confidence,
        "rule": e.evidence.rule, "facts_json": dumps(e.evidence.facts), "parent": e.parent or "",
        "origin": e.origin, "origin_amount": e.origin_amount, "model_spread": spread,
    }


def _edge_from_rows(e: TraceEdgeRow, t: TransferRow) -> TraceEdge:
    return TraceEdge(
        transfer=transfer_from_row(t), tainted_amount=e.tainted_amount, hop=e.hop,
        evidence=row_evidence(e.evidence_class, e.rule, e.confidence, e.facts_json),
        parent=e.parent or None, origin=e.origin, origin_amount=e.origin_amount,
    )


def _edge_order(e: TraceEdge) -> tuple[int, int, str, int, str, str, str]:
    t = e.transfer
    return (e.hop, t.block_number, t.tx_hash, t.index, t.kind.value, e.origin, e.parent or "")


def _link_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    return (row["from_chain"], row["from_tx"], row["kind"], row["to_chain"], row["to_tx"], row["to_address"])


def _link_key_of(r: LinkRow) -> tuple[str, ...]:
    return (r.from_chain, r.from_tx, r.kind, r.to_chain, r.to_tx, r.to_address)
