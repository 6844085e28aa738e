"""Transaction plumbing shared by the store modules: one short transaction per call, or ``atomic()``.

Every public store method runs inside :meth:`StoreBase.session`. Outside ``atomic()`` that is a fresh
session committed when the method returns; inside it, the block's session, so several calls commit
together or not at all. The current session lives in a per-instance :class:`contextvars.ContextVar`,
so threads (each with its own context) never share one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import count
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.session import describe_store_error
from tracer.errors import StoreError

_ids = count()
CHUNK = 500  # keys per IN (...) query: far below SQLite's and PostgreSQL's parameter limits


class StoreBase:
    """Owns the engine and the current-transaction slot."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Writers take SQLite's write lock at BEGIN (BEGIN IMMEDIATE): a deferred transaction that reads and
        # then writes fails at once with "database is locked" if another process committed in between.
        # Readers keep a plain BEGIN so they never wait for a writer (WAL). PostgreSQL ignores the option.
        self._sessions = sessionmaker(engine.execution_options(tracer_begin="BEGIN IMMEDIATE"),
                                      expire_on_commit=False, autoflush=False)
        self._readers = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._current: ContextVar[Session | None] = ContextVar(f"tracer_store_{next(_ids)}", default=None)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def insert(self, table: Any) -> Any:
        """A dialect-specific INSERT (supports ``on_conflict_do_nothing`` / ``on_conflict_do_update``)."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """The ``atomic()`` block's session, or a new writing one committed on exit (rolled back on error)."""
        with self._scoped(self._sessions) as s:
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Like :meth:`session` for calls that only read (never waits for a writer on SQLite)."""
        with self._scoped(self._readers) as s:
            yield s

    @contextmanager
    def _scoped(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        try:
            with factory() as s, s.begin():
                yield s
        except OperationalError as exc:
            raise StoreError(describe_store_error(self.engine.url, exc)) from exc

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Group every store call in the block into ONE transaction: all committed, or none.

        Nestable: an inner block is a SAVEPOINT, so an exception caught inside the outer block undoes the
        inner block only. Calls made from other threads are not part of the block.
        """
        current = self._current.get()
        if current is not None:
            with current.begin_nested():
                yield
            return
        try:
            with self._sessions() as s, s.begin():
                token = self._current.set(s)
                try:
                    yield
                finally:
                    self._current.reset(token)
        except OperationalError as exc:
            raise StoreError(describe_store_error(self.engine.url, exc)) from exc

    @property
    def in_atomic(self) -> bool:
        """True inside an ``atomic()`` block (in this thread/context)."""
        return self._current.get() is not None


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Consecutive slices of ``items`` of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
