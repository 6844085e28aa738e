"""Addresses met by a case, and the frontier: the resumable queue of tainted value still to expand.

Frontier semantics (key: case, chain, address, asset, origin) -- how a resumed trace avoids double counting:

* pushing a NEW key inserts it as pending;
* pushing a key that is still PENDING adds the amount (value arriving twice at one address before it was
  expanded is expanded once, in full); ``hop`` becomes the smaller one, ``state`` is merged (new keys win);
* pushing a key that is DONE re-opens it with the NEW amount only (the old amount was already expanded and
  its edges are stored); ``hop`` and ``state`` become the new ones.

The engine pushes the children and completes the parent inside one ``Store.atomic()`` block, so a crash
leaves either the parent pending (redo it) or its children pushed and the parent done -- never both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AddressRow, FrontierRow
from db.records import AddressRole, CaseAddress, FrontierItem, dumps
from db.store_base import StoreBase, chunks
from tracer.model import Chain

FrontierKey = tuple[str, str, str, str]  # (chain, address, asset, origin)


class FrontierStoreMixin(StoreBase):
    """Case addresses and the frontier queue."""

    # -- addresses ---------------------------------------------------------------------------------

    def upsert_address(
        self,
        case_id: int,
        chain: Chain,
        address: str,
        role: AddressRole | str,
        depth: int,
        cluster: str | None = None,
    ) -> None:
        """Record an address of a case. Met again: the stronger role wins (seed > endpoint > intermediate),
        the depth is the minimum, and a given cluster replaces the stored one."""
        new_role = AddressRole(role)
        with self.session() as s:
            s.execute(
                self.insert(AddressRow).on_conflict_do_nothing(index_elements=["case_id", "chain", "address"]),
                [{"case_id": case_id, "chain": chain.value, "address": address, "role": new_role.value,
                  "depth": depth, "cluster": cluster, "expanded": False}],
            )
            row = s.scalars(
                select(AddressRow).where(
                    AddressRow.case_id == case_id, AddressRow.chain == chain.value, AddressRow.address == address
                )
            ).one()
            if new_role.rank > AddressRole(row.role).rank:
                row.role = new_role.value
            row.depth = min(row.depth, depth)
            if cluster is not None:
                row.cluster = cluster

    def mark_expanded(self, case_id: int, chain: Chain, address: str) -> None:
        """Flag an address whose history the engine has read."""
        with self.session() as s:
            s.execute(
                update(AddressRow)
                .where(AddressRow.case_id == case_id, AddressRow.chain == chain.value, AddressRow.address == address)
                .values(expanded=True)
            )

    def addresses(self, case_id: int) -> list[CaseAddress]:
        """A case's addresses ordered by (depth, chain, address)."""
        with self.reading() as s:
            rows = s.scalars(select(AddressRow).where(AddressRow.case_id == case_id)).all()
            out = [CaseAddress(chain=Chain(r.chain), address=r.address, role=AddressRole(r.role), depth=r.depth,
                               cluster=r.cluster, expanded=r.expanded) for r in rows]
        return sorted(out, key=lambda a: (a.depth, a.chain.value, a.address))

    # -- frontier ----------------------------------------------------------------------------------

    def push_frontier(self, case_id: int, items: Iterable[FrontierItem]) -> None:
        """Queue tainted value for expansion (see the module docstring for add / re-open semantics)."""
        items = list(items)
        if not items:
            return
        with self.session() as s:
            stored = self._frontier_rows(s, case_id, {_fkey(i) for i in items})
            for item in items:
                key = _fkey(item)
                row = stored.get(key)
                if row is None:
                    row = FrontierRow(case_id=case_id, chain=key[0], address=key[1], asset=key[2], origin=key[3],
                                      tainted_amount=item.tainted_amount, hop=item.hop,
                                      state_json=dumps(item.state), done=False)
                    s.add(row)
                    stored[key] = row
                elif row.done:
                    row.tainted_amount = item.tainted_amount
                    row.hop = item.hop
                    row.state_json = dumps(item.state)
                    row.done = False
                else:
                    row.tainted_amount = row.tainted_amount + item.tainted_amount
                    row.hop = min(row.hop, item.hop)
                    row.state_json = dumps({**json.loads(row.state_json or "{}"), **dict(item.state)})
            s.flush()

    def pending_frontier(self, case_id: int, limit: int | None = None) -> list[FrontierItem]:
        """Pending items, largest tainted amount first, then by address (deterministic on every backend)."""
        with self.reading() as s:
            rows = s.scalars(
                select(FrontierRow).where(FrontierRow.case_id == case_id, FrontierRow.done.is_(False))
            ).all()
            items = [_item(r) for r in rows]
        items.sort(key=lambda i: (-i.tainted_amount, i.address, i.chain.value, i.asset, i.origin))
        return items if limit is None else items[:limit]

    def complete_frontier(self, case_id: int, chain: Chain, address: str, asset: str, origin: str = "") -> bool:
        """Mark an item expanded; False when no such item exists."""
        with self.session() as s:
            row = s.scalars(
                select(FrontierRow).where(
                    FrontierRow.case_id == case_id, FrontierRow.chain == chain.value,
                    FrontierRow.address == address, FrontierRow.asset == asset, FrontierRow.origin == origin,
                )
            ).one_or_none()
            if row is None:
                return False
            row.done = True
            return True

    def frontier_counts(self, case_id: int) -> tuple[int, int]:
        """(pending, done) item counts of a case."""
        with self.reading() as s:
            done_flags = s.scalars(select(FrontierRow.done).where(FrontierRow.case_id == case_id)).all()
        done = sum(1 for d in done_flags if d)
        return len(done_flags) - done, done

    def _frontier_rows(self, s: Session, case_id: int, keys: set[FrontierKey]) -> dict[FrontierKey, FrontierRow]:
        found: dict[FrontierKey, FrontierRow] = {}
        for batch in chunks(sorted({key[1] for key in keys})):
            for row in s.scalars(
                select(FrontierRow).where(FrontierRow.case_id == case_id, FrontierRow.address.in_(batch))
            ).all():
                key = (row.chain, row.address, row.asset, row.origin)
                if key in keys:
                    found[key] = row
        return found


def _fkey(item: FrontierItem) -> FrontierKey:
    return (item.chain.value, item.address, item.asset, item.origin)


def _item(r: FrontierRow) -> FrontierItem:
    state: dict[str, Any] = json.loads(r.state_json or "{}")
    return FrontierItem(chain=Chain(r.chain), address=r.address, asset=r.asset, tainted_amount=r.tainted_amount,
                        hop=r.hop, state=state, origin=r.origin)
