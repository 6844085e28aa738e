"""SQL implementation of the raw API response archive (``tracer.model.ResponseArchive``).

Every exchange the HTTP funnel makes is stored with its request key (secrets already stripped). The same
body for the same key is stored once: a repeat only upgrades the row to ``immutable`` when asked, which is
why ``HttpClient`` writing a response first as mutable then as immutable costs one row.

Built on a :class:`db.store.Store`, the archive writes through ``Store.session()`` and therefore joins an
open ``Store.atomic()`` block -- on SQLite a second connection writing while that block holds the write
lock would wait for itself. Built on a bare Engine it uses its own short transactions.

Thread-safe: several HTTP clients' prefetch threads write at once (tracer.engine.prefetch). Each call takes a
session of its own -- a pooled connection per thread; SQLite serialises the writers (BEGIN IMMEDIATE, busy
timeout) -- and the counters add under a lock.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from db.models import ApiResponseRow
from db.records import utc
from db.store_base import StoreBase
from tracer.model import ArchivedResponse

_SECRET_IN_KEY = re.compile(r"(api[_-]?key|apikey|access[_-]?token|secret)=", re.IGNORECASE)


@dataclass
class ArchiveStats:
    """Counters since the archive object was built (for benchmarks and ``-v`` summaries)."""

    puts: int = 0
    stored: int = 0
    deduplicated: int = 0
    hits: int = 0
    misses: int = 0
    bytes_stored: int = 0


class SqlResponseArchive:
    """``ResponseArchive`` backed by the ``api_responses`` table."""

    def __init__(self, target: Engine | StoreBase) -> None:
        self._store = target if isinstance(target, StoreBase) else StoreBase(target)
        self.stats = ArchiveStats()
        self._stats_lock = threading.Lock()

    def _count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            setattr(self.stats, name, getattr(self.stats, name) + n)

    def put(self, response: ArchivedResponse, *, immutable: bool) -> None:
        """Store one exchange (deduplicated on key + body hash).

        May raise: ValueError when the request key looks like it carries a secret (it is not stored).
        """
        check_key(response.request_key)
        self._count("puts")
        with self._store.session() as s:
            row = s.scalars(
                select(ApiResponseRow)
                .where(ApiResponseRow.request_key == response.request_key, ApiResponseRow.sha256 == response.sha256)
                .limit(1)
            ).first()
            if row is not None:
                self._count("deduplicated")
                if immutable and not row.immutable:
                    row.immutable = True
                return
            s.add(ApiResponseRow(request_key=response.request_key, status=response.status,
                                 content_type=response.content_type, body=response.body, sha256=response.sha256,
                                 fetched_at=datetime.fromtimestamp(response.fetched_at, UTC), immutable=immutable))
            self._count("stored")
            self._count("bytes_stored", len(response.body))

    def get_immutable(self, request_key: str) -> ArchivedResponse | None:
        """The newest immutable response stored for this key, or None."""
        with self._store.reading() as s:
            row = s.scalars(
                select(ApiResponseRow)
                .where(ApiResponseRow.request_key == request_key, ApiResponseRow.immutable.is_(True))
                .order_by(ApiResponseRow.id.desc())
                .limit(1)
            ).first()
            if row is None:
                self._count("misses")
                return None
            self._count("hits")
            return ArchivedResponse(request_key=row.request_key, status=row.status, body=bytes(row.body),
                                    sha256=row.sha256, fetched_at=utc(row.fetched_at).timestamp(),
                                    content_type=row.content_type)

    def count(self, *, immutable_only: bool = False) -> int:
        """Number of stored exchanges."""
        with self._store.reading() as s:
            stmt = select(func.count()).select_from(ApiResponseRow)
            if immutable_only:
                stmt = stmt.where(ApiResponseRow.immutable.is_(True))
            return int(s.scalar(stmt) or 0)


def check_key(request_key: str) -> None:
    """Refuse a request key that carries a credential (defence in depth behind HttpClient's stripping).

    May raise: ValueError (the message names the parameter, never its value).
    """
    match = _SECRET_IN_KEY.search(request_key)
    if match:
        raise ValueError(f"refusing to archive a request key containing {match.group(0)!r}: strip secrets first")
