"""Store fixtures: every store test runs on SQLite (temp file) and, when ``TRACER_TEST_POSTGRES_URL`` is set
(``scripts/ci_postgres.sh start``), on PostgreSQL too, each test on a freshly emptied database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from db.store import Store

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


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracer.db'}"
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store."""
    st = Store.open(db_url)
    yield st
    st.close()
