"""Both stores for the safety tests: SQLite always, PostgreSQL when ``TRACER_TEST_POSTGRES_URL`` is set; and two
spellings of each database URL that name the same database (what the locks must see through)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from tests.pg import PG_URL, reset_postgres


def fresh_database(backend: str, tmp: Path) -> tuple[str, str]:
    """(url, another spelling of the same database): ``/d/x.db`` vs ``/d/./x.db``; 127.0.0.1 vs localhost."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'case.db'}", f"sqlite:///{tmp}/./case.db"
    reset_postgres(PG_URL)
    url = make_url(PG_URL)
    other = url.set(host="localhost" if url.host in ("127.0.0.1", None) else "127.0.0.1")
    return PG_URL, other.render_as_string(hide_password=False)
