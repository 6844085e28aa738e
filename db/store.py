"""The case store facade: every method takes and returns domain objects (``tracer.model``), never rows.

Usage::

    engine = open_database(settings.database_url)     # migrates on first use
    store = Store(engine)
    case_id = store.create_case("bybit", CaseParameters(), seeds)
    with store.atomic():                               # one transaction: all or nothing (kill -9 safe)
        store.add_edges(case_id, edges)
        store.add_endpoints(case_id, endpoints)
        store.push_frontier(case_id, children)
        store.complete_frontier(case_id, chain, address, asset)

Each method otherwise runs in its own short transaction. The methods live in topic modules:
``db.store_cases`` (cases), ``db.store_trace`` (transfers, edges, links, endpoints), ``db.store_frontier``
(addresses, frontier), ``db.store_monitor`` (watchlist, cursors, alerts).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from db.records import (
    AddressRole,
    CaseAddress,
    CaseInfo,
    CaseStatus,
    FrontierItem,
    MonitorCursor,
    StoredAlert,
    WatchEntry,
)
from db.session import open_database
from db.store_cases import CaseExists, CaseStoreMixin
from db.store_frontier import FrontierStoreMixin
from db.store_monitor import MonitorStoreMixin
from db.store_trace import TraceStoreMixin

__all__ = [
    "AddressRole",
    "CaseAddress",
    "CaseExists",
    "CaseInfo",
    "CaseStatus",
    "FrontierItem",
    "MonitorCursor",
    "Store",
    "StoredAlert",
    "WatchEntry",
]


class Store(CaseStoreMixin, TraceStoreMixin, FrontierStoreMixin, MonitorStoreMixin):
    """The case store on one engine (SQLite or PostgreSQL)."""

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (and migrate) the database at ``url`` (default from Settings) and wrap it.

        May raise: StoreError with one clear line.
        """
        return cls(open_database(url))

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
