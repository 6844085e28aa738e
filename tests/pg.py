"""The PostgreSQL side of the store tests: on when ``TRACER_TEST_POSTGRES_URL`` is set (``scripts/ci_postgres.sh
start``); each test empties the database so the next open migrates from scratch."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine

PG_URL = os.environ.get("TRACER_TEST_POSTGRES_URL", "")
BACKENDS = [pytest.param("sqlite", id="sqlite")]
if PG_URL:
    BACKENDS.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))


def reset_postgres(url: str) -> None:
    """Drop every table (and the Alembic version) so the next open migrates from scratch."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
