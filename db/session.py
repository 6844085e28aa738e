"""Engines for the case store: URL checks, SQLite pragmas, one-line errors, automatic migrations.

``open_database(url)`` is what every caller uses: it builds the engine, checks that the database can be
reached and upgrades its schema to the newest Alembic revision. Any failure becomes a single-line
:class:`tracer.errors.StoreError` that names the setting (``TRACER_DATABASE_URL``) and never shows a password.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from tracer.errors import StoreError

logger = logging.getLogger(__name__)

SETTING = "TRACER_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
SUPPORTED = "sqlite:///path/to/tracer.db or postgresql+psycopg://user@host:port/dbname"


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    # Not parseable yet: mask ``user:secret@`` by hand.
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def parse_url(url: str) -> URL:
    """Parse and normalise a database URL (``postgres://`` and ``postgresql://`` mean psycopg 3).

    May raise: StoreError for a malformed URL or an unsupported backend.
    """
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"malformed database URL {mask_url(url)!r}: expected {SUPPORTED} ({SETTING})") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {backend!r} in {mask_url(parsed)!r}: use {SUPPORTED} ({SETTING})")
    return parsed


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` (no connection is made yet).

    SQLite connections get foreign keys ON, a busy timeout, WAL journaling for files, and real SAVEPOINT
    support (so ``Store.atomic()`` nests). In-memory SQLite shares one connection so every session sees
    the same database.

    May raise: StoreError for a malformed URL or an unknown driver.
    """
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {"future": True}
    memory = False
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs["connect_args"] = {"check_same_thread": False}
        if memory:
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise StoreError(
            f"unknown database driver {parsed.drivername!r} in {mask_url(parsed)!r}: use {SUPPORTED} ({SETTING})"
        ) from exc
    except (ImportError, ArgumentError) as exc:
        raise StoreError(f"cannot use database driver {parsed.drivername!r}: {exc} ({SETTING})") from exc
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine, wal=not memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself
        # (the documented recipe in SQLAlchemy's SQLite dialect notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if wal:
            _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("tracer_begin", "BEGIN"))


def _enable_wal(cursor: Any) -> None:
    """Switch a file database to WAL, waiting out another connection's write lock.

    Why a loop: changing the journal mode needs an exclusive lock and SQLite answers "database is locked"
    at once, without calling the busy handler, while another connection holds a write lock (as a first
    open that is migrating does). The mode is persistent, so only the first switch can meet that.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def describe_connect_error(url: URL, exc: BaseException) -> str:
    """One line explaining why ``url`` could not be opened (password never shown)."""
    raw = str(getattr(exc, "orig", None) or exc)
    low = raw.lower()
    if url.get_backend_name() == "sqlite":
        return f"cannot open SQLite database {url.database!r}: {_first_line(raw)} ({SETTING})"
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if "connection refused" in low:
        reason = "connection refused"
    elif "timeout" in low or "timed out" in low:
        reason = "connection timed out"
    elif "could not translate host name" in low or "name or service not known" in low:
        reason = f"unknown host {url.host!r}"
    elif "password authentication failed" in low:
        reason = f"password authentication failed for user {url.username!r}"
    elif "does not exist" in low:
        reason = _first_line(raw.split("FATAL:")[-1]).strip()
    else:
        reason = _first_line(raw)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return f"cannot connect to PostgreSQL at {where}/{url.database or ''}: {reason} ({SETTING})"


def describe_store_error(url: URL, exc: BaseException) -> str:
    """One line for a database failure during normal work (lost connection, lock timeout)."""
    raw = str(getattr(exc, "orig", None) or exc)
    low = raw.lower()
    if "connect" in low and ("refused" in low or "failed" in low or "closed" in low):
        return describe_connect_error(url, exc)
    reason = _first_line(raw)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return f"database error on {mask_url(url)}: {reason} ({SETTING})"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "unknown error"
    # psycopg prefixes "connection failed: connection to server at ... failed: <reason>".
    return first.rsplit("failed: ", 1)[-1] if "failed: " in first else first


def check_connection(engine: Engine) -> None:
    """Open one connection to prove the database is reachable.

    May raise: StoreError with one line naming host, port and the reason.
    """
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        raise StoreError(describe_connect_error(engine.url, exc)) from exc


def open_database(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Engine for ``url`` (default: ``Settings.load().database_url``), reachable and migrated to head.

    May raise: StoreError (malformed URL, unknown driver, unreachable server, failed migration).
    """
    if url is None:
        from tracer.config import Settings

        url = Settings.load().database_url
    engine = make_engine(url)
    try:
        check_connection(engine)
        if migrate:
            from db.migrate import upgrade_to_head

            upgrade_to_head(engine)
    except StoreError:
        engine.dispose()
        raise
    return engine


def table_names(engine: Engine) -> set[str]:
    """Names of the tables currently in the database."""
    return set(inspect(engine).get_table_names())
