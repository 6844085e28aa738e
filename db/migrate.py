"""Programmatic Alembic: bring a database to the newest schema revision on first use.

The revision scripts live in the ``db.migrations`` package (shipped in the wheel), so an installed
``tracer`` can create or upgrade its store without an ``alembic.ini``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from db.base import Base
from db.session import SETTING, mask_url
from tracer.errors import StoreError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 7_403_112_026  # advisory lock id: two processes never migrate at once


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, optionally bound to ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StoreError("no database migrations are packaged")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for a database never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_diff(connection: Connection) -> list[object]:
    """Differences between the live schema and ``db.models`` (empty when they match)."""
    import db.models  # noqa: F401  (registers every table)

    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


def upgrade_to_head(engine: Engine) -> None:
    """Apply every pending migration in one transaction; a no-op when already at head.

    A database whose tables were made by ``Base.metadata.create_all`` (no ``alembic_version``) is adopted
    (stamped) when its schema matches the models exactly, and refused otherwise.

    May raise: StoreError naming the database (password masked) and the reason.
    """
    head = head_revision()
    where = mask_url(engine.url)
    try:
        # SQLite: take the write lock before reading the revision, so a second process waits and then
        # finds the schema at head; PostgreSQL: an advisory lock does the same.
        with engine.execution_options(tracer_begin="BEGIN IMMEDIATE").begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return
            script = ScriptDirectory.from_config(alembic_config())
            if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
                raise StoreError(
                    f"database {where} is at schema revision {current!r}, newer than this tracer ({head}); "
                    f"upgrade tracer or use another {SETTING}"
                )
            cfg = alembic_config(conn)
            if current is None and "cases" in inspect(conn).get_table_names():
                if schema_diff(conn):
                    raise StoreError(
                        f"database {where} has tracer tables but no migration history and a different schema; "
                        f"use a fresh database ({SETTING})"
                    )
                logger.info("adopting unversioned store %s at revision %s", where, head)
                command.stamp(cfg, "head")
                return
            logger.info("migrating store %s from %s to %s", where, current or "empty", head)
            command.upgrade(cfg, "head")
    except StoreError:
        raise
    except (SQLAlchemyError, OSError, CommandError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot migrate database {where}: {reason} ({SETTING})") from exc
