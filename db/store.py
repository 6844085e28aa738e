"""The case store facade: every method takes and returns domain objects (``tracer.model``), never rows.

Usage::

    store = Store.open(settings.database_url)          # migrates on first use
    case_id = store.create_case("bybit", CaseParameters(), seeds)
    repo = store.trace_repository()                    # the engine's trace state of every case
    with store.atomic():                               # one transaction: all or nothing (kill -9 safe)
        store.set_case_meta(case_id, tips={"ethereum": 21_895_250})
        repo.reopen(case_id, Address(Chain.ETHEREUM, wallet))

Each method otherwise runs in its own short transaction. The methods live in topic modules:
``db.store_cases`` (cases), ``db.trace_repository`` (edges, endpoints, links, addresses, frontier),
``db.store_monitor`` (watchlist, cursors, alerts).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from db.records import AddressRole, CaseAddress, CaseInfo, CaseStatus, MonitorCursor, StoredAlert, WatchEntry
from db.session import open_database
from db.store_cases import CaseExists, CaseStoreMixin
from db.store_monitor import MonitorStoreMixin
from db.trace_repository import SqlTraceRepository

__all__ = [
    "AddressRole",
    "CaseAddress",
    "CaseExists",
    "CaseInfo",
    "CaseStatus",
    "MonitorCursor",
    "SqlTraceRepository",
    "Store",
    "StoredAlert",
    "WatchEntry",
]


class Store(CaseStoreMixin, MonitorStoreMixin):
    """The case store on one engine (SQLite or PostgreSQL)."""

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (and migrate) the database at ``url`` (default from Settings) and wrap it.

        May raise: StoreError with one clear line.
        """
        return cls(open_database(url))

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)

    def trace_repository(self) -> SqlTraceRepository:
        """The trace state of the cases in this store, on this store's sessions, locking and error translation."""
        return SqlTraceRepository(self)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
