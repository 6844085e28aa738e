"""Store fixtures: every store test runs on SQLite (temp file) and, when ``TRACER_TEST_POSTGRES_URL`` is set
(``scripts/ci_postgres.sh start``), on PostgreSQL too, each test on a freshly emptied database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.store import Store
from tests.pg import BACKENDS, PG_URL, reset_postgres


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
