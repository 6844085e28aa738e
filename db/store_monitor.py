"""Monitoring state: the watchlist, per-address cursors and alerts (with webhook delivery tracking)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from db.models import AlertRow, MonitorCursorRow, WatchRow
from db.records import MonitorCursor, StoredAlert, WatchEntry, asset_from_key, now_utc, utc
from db.store_base import StoreBase, chunks
from tracer.model import Alert, Chain, Severity


class MonitorStoreMixin(StoreBase):
    """Watchlist, cursors, alerts."""

    # -- watchlist ---------------------------------------------------------------------------------

    def add_watch(self, entry: WatchEntry) -> bool:
        """Watch an address (per case, or case-less when ``case_id`` is None). True when newly added;
        an existing entry is re-activated and its note updated when a note is given."""
        with self.session() as s:
            row = _watch_row(s, entry.chain, entry.address, entry.case_id)
            if row is not None:
                row.active = True
                if entry.note is not None:
                    row.note = entry.note
                return False
            s.add(WatchRow(case_id=entry.case_id, chain=entry.chain.value, address=entry.address, note=entry.note,
                           added_at=utc(entry.added_at) if entry.added_at else now_utc(), origin=entry.origin,
                           active=entry.active))
            return True

    def remove_watch(self, chain: Chain, address: str, case_id: int | None = None) -> bool:
        """Stop watching (deletes the entry); False when it was not watched."""
        with self.session() as s:
            row = _watch_row(s, chain, address, case_id)
            if row is None:
                return False
            s.delete(row)
            return True

    def watchlist(self, *, active_only: bool = True, case_id: int | None = None) -> list[WatchEntry]:
        """Watched addresses ordered by (chain, address, case id); ``case_id`` filters to one case."""
        with self.reading() as s:
            stmt = select(WatchRow)
            if active_only:
                stmt = stmt.where(WatchRow.active.is_(True))
            if case_id is not None:
                stmt = stmt.where(WatchRow.case_id == case_id)
            out = [WatchEntry(chain=Chain(r.chain), address=r.address, case_id=r.case_id, note=r.note,
                              origin=r.origin, active=r.active, added_at=utc(r.added_at))
                   for r in s.scalars(stmt).all()]
        return sorted(out, key=lambda w: (w.chain.value, w.address, w.case_id or 0))

    # -- cursors -----------------------------------------------------------------------------------

    def get_cursor(self, chain: Chain, address: str) -> MonitorCursor | None:
        """The monitoring cursor of an address, or None if never polled."""
        with self.reading() as s:
            r = s.scalars(
                select(MonitorCursorRow).where(MonitorCursorRow.chain == chain.value,
                                               MonitorCursorRow.address == address)
            ).one_or_none()
            if r is None:
                return None
            return MonitorCursor(chain=chain, address=r.address, last_block=r.last_block,
                                 last_balance=r.last_balance, updated_at=utc(r.updated_at))

    def set_cursor(self, chain: Chain, address: str, last_block: int, last_balance: int | None = None) -> None:
        """Record the last block fully processed (and balance seen) for an address."""
        with self.session() as s:
            stmt = self.insert(MonitorCursorRow)
            stmt = stmt.on_conflict_do_update(
                index_elements=["chain", "address"],
                set_={"last_block": stmt.excluded.last_block, "last_balance": stmt.excluded.last_balance,
                      "updated_at": stmt.excluded.updated_at},
            )
            s.execute(stmt, [{"chain": chain.value, "address": address, "last_block": last_block,
                              "last_balance": last_balance, "updated_at": now_utc()}])

    def cursors(self, chain: Chain, addresses: Iterable[str]) -> dict[str, MonitorCursor]:
        """The existing cursors of ``addresses`` on ``chain``, by address (one query per chunk, not per address)."""
        out: dict[str, MonitorCursor] = {}
        with self.reading() as s:
            for batch in chunks(sorted(set(addresses))):
                for r in s.scalars(select(MonitorCursorRow).where(MonitorCursorRow.chain == chain.value,
                                                                  MonitorCursorRow.address.in_(batch))):
                    out[r.address] = MonitorCursor(chain=chain, address=r.address, last_block=r.last_block,
                                                   last_balance=r.last_balance, updated_at=utc(r.updated_at))
        return out

    def advance_cursors(self, chain: Chain, addresses: Iterable[str], last_block: int) -> None:
        """Move existing cursors forward to ``last_block``, balances kept (a pre-check found nothing moved)."""
        with self.session() as s:
            for batch in chunks(sorted(set(addresses))):
                s.execute(update(MonitorCursorRow)
                          .where(MonitorCursorRow.chain == chain.value, MonitorCursorRow.address.in_(batch),
                                 MonitorCursorRow.last_block < last_block)
                          .values(last_block=last_block, updated_at=now_utc()))

    # -- alerts ------------------------------------------------------------------------------------

    def add_alert(self, alert: Alert, case_id: int | None = None) -> bool:
        """Store an alert; False when the same (chain, address, tx, kind) alert already exists."""
        with self.session() as s:
            stmt = (
                self.insert(AlertRow)
                .values(case_id=case_id, chain=alert.chain.value, address=alert.address, tx_hash=alert.tx_hash,
                        timestamp=utc(alert.timestamp), kind=alert.kind, asset=alert.asset.key,
                        asset_decimals=alert.asset.decimals, amount=alert.amount, severity=alert.severity.value,
                        message=alert.message, created_at=now_utc(), delivered=False)
                .on_conflict_do_nothing(index_elements=["chain", "address", "tx_hash", "kind"])
                .returning(AlertRow.id)
            )
            # RETURNING yields a row only when inserted (rowcount is unreliable with psycopg 3).
            return s.execute(stmt).first() is not None

    def undelivered_alerts(self) -> list[StoredAlert]:
        """Alerts whose webhook delivery has not succeeded yet, oldest first."""
        with self.reading() as s:
            rows = s.scalars(select(AlertRow).where(AlertRow.delivered.is_(False)).order_by(AlertRow.id)).all()
            return [_stored(r) for r in rows]

    def mark_delivered(self, ids: Iterable[int]) -> None:
        """Flag alerts as delivered."""
        with self.session() as s:
            for batch in chunks(list(ids)):
                s.execute(update(AlertRow).where(AlertRow.id.in_(batch)).values(delivered=True))

    def alerts(self, case_id: int | None = None) -> list[StoredAlert]:
        """Every alert (or one case's), by time then id."""
        with self.reading() as s:
            stmt = select(AlertRow)
            if case_id is not None:
                stmt = stmt.where(AlertRow.case_id == case_id)
            rows = s.scalars(stmt.order_by(AlertRow.timestamp, AlertRow.id)).all()
            return [_stored(r) for r in rows]

    def delete_alerts(self, ids: Iterable[int]) -> None:
        """Remove alerts (e.g. acknowledged ones)."""
        with self.session() as s:
            for batch in chunks(list(ids)):
                s.execute(delete(AlertRow).where(AlertRow.id.in_(batch)))


def _watch_row(s: Session, chain: Chain, address: str, case_id: int | None) -> WatchRow | None:
    # NULL case ids never collide in a UNIQUE constraint, so case-less entries are matched by hand.
    stmt = select(WatchRow).where(WatchRow.chain == chain.value, WatchRow.address == address)
    stmt = stmt.where(WatchRow.case_id.is_(None) if case_id is None else WatchRow.case_id == case_id)
    return s.scalars(stmt).first()


def _stored(r: AlertRow) -> StoredAlert:
    chain = Chain(r.chain)
    alert = Alert(chain=chain, address=r.address, tx_hash=r.tx_hash, timestamp=utc(r.timestamp), kind=r.kind,
                  amount=r.amount, asset=asset_from_key(chain, r.asset, r.asset_decimals),
                  severity=Severity(r.severity), message=r.message)
    return StoredAlert(id=r.id, case_id=r.case_id, alert=alert, created_at=utc(r.created_at), delivered=r.delivered)
