"""One monitor cycle per database at a time, keyed by the database's resolved identity (not the URL text).

``sqlite:////d/x.db`` and ``sqlite:////d/./x.db``, or ``127.0.0.1`` and ``localhost`` for one PostgreSQL server,
are the same database and meet the same lock (see :mod:`db.locks`). The OS or the server drops the lock when the
process dies (kill -9 included), so a crashed monitor never blocks the next one.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Engine

from db.locks import LockBusy, StoreLock, monitor_lock
from db.session import make_engine


class MonitorBusy(LockBusy):
    """Another monitor holds the lock for this database."""


class MonitorLock:
    """``with MonitorLock(engine_or_url):`` -- raises :class:`MonitorBusy` when another monitor runs."""

    def __init__(self, database: Engine | str, *, wait: float = 0.0) -> None:
        self._own_engine = isinstance(database, str)
        self.engine = make_engine(database) if isinstance(database, str) else database
        self._lock: StoreLock = monitor_lock(self.engine, wait=wait)

    def __enter__(self) -> MonitorLock:
        try:
            self._lock.__enter__()
        except LockBusy as exc:
            self._dispose()
            raise MonitorBusy(str(exc)) from None
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._lock.release()
        self._dispose()

    def _dispose(self) -> None:
        if self._own_engine:
            self.engine.dispose()
