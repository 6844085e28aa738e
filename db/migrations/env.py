"""Alembic environment: runs on a connection handed over by ``db.migrate`` or on ``sqlalchemy.url``.

Programmatic use passes the live connection in ``config.attributes["connection"]`` (this is what makes
in-memory SQLite work). The ``alembic`` command line (``alembic.ini`` at the repo root) falls back to
``TRACER_DATABASE_URL`` or the ini's ``sqlalchemy.url``.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

import db.models  # noqa: F401  (registers every table on Base.metadata)
from db.base import Base
from db.types import BigAmount

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our exact-amount column type as itself, so revisions keep the uint256 guarantee."""
    if type_ == "type" and isinstance(obj, BigAmount):
        autogen_context.imports.add("from db.types import BigAmount")
        return "BigAmount()"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate on the given connection, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("TRACER_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set TRACER_DATABASE_URL or sqlalchemy.url in alembic.ini")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
