"""Opening the store: URLs, SQLite pragmas, one-line errors, migrations on first use."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, make_url, text

from db.base import Base
from db.migrate import alembic_config, current_revision, head_revision, schema_diff
from db.session import make_engine, mask_url, open_database, table_names
from db.store import Store
from tracer.errors import StoreError
from tracer.model import CaseParameters


def test_first_open_migrates_a_new_sqlite_file_to_head(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    engine = open_database(f"sqlite:///{path}")
    assert current_revision(engine) == head_revision()
    assert {"cases", "transfers", "trace_edges", "frontier", "alembic_version"} <= table_names(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    engine.dispose()
    # Second open: already at head, data kept.
    Store(open_database(f"sqlite:///{path}")).create_case("bybit", CaseParameters(), [])
    again = Store.open(f"sqlite:///{path}")
    assert [c.name for c in again.list_cases()] == ["bybit"]


def test_in_memory_sqlite_is_migrated_and_shared_across_sessions() -> None:
    store = Store.open("sqlite://")
    case_id = store.create_case("memory", CaseParameters(), [])
    assert store.case_by_id(case_id) is not None  # another session, same in-memory database


def test_default_url_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "from-env.db"
    monkeypatch.setenv("TRACER_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("TRACER_CONFIG", str(tmp_path / "absent.toml"))
    open_database().dispose()
    assert path.exists()
    assert "cases" in {row[0] for row in sqlite3.connect(path).execute("select name from sqlite_master")}


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = open_database(db_url)
    with engine.connect() as conn:
        assert schema_diff(conn) == []
    engine.dispose()


def test_database_made_by_create_all_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    legacy = make_engine(url)
    Base.metadata.create_all(legacy)
    legacy.dispose()
    engine = open_database(url)
    assert current_revision(engine) == head_revision()


def test_database_from_a_newer_tracer_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    open_database(url).dispose()
    raw = create_engine(url)
    with raw.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    raw.dispose()
    with pytest.raises(StoreError, match=r"schema revision '9999_future', newer than this tracer"):
        open_database(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "malformed database URL 'not a url'"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("postgresql+nosuchdriver://u@127.0.0.1/db", "unknown database driver 'postgresql+nosuchdriver'"),
    ],
)
def test_bad_urls_give_one_line(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as info:
        open_database(url)
    message = str(info.value)
    assert message.startswith(expected)
    assert message.endswith("(TRACER_DATABASE_URL)")
    assert "\n" not in message


def test_unreachable_postgres_gives_one_line_without_password() -> None:
    with pytest.raises(StoreError) as info:
        open_database("postgresql+psycopg://tracer:s3cret-pw@127.0.0.1:1/cases")
    message = str(info.value)
    assert message == "cannot connect to PostgreSQL at 127.0.0.1:1/cases: connection refused (TRACER_DATABASE_URL)"
    assert "s3cret" not in message


def test_plain_postgresql_scheme_means_psycopg3() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/x")
    assert engine.url.drivername == "postgresql+psycopg"


def test_sqlite_in_missing_directory_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"^cannot open SQLite database .*missing.*unable to open database file"):
        open_database(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_mask_url_hides_passwords_even_when_unparseable() -> None:
    assert mask_url("postgresql+psycopg://u:hunter2@h:5/d") == "postgresql+psycopg://u:***@h/d".replace("h/", "h:5/")
    assert "hunter2" not in mask_url("postgresql+psycopg://u:hunter2@h:5/d?x=[")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("TRACER_TEST_POSTGRES_URL"), reason="TRACER_TEST_POSTGRES_URL not set")
def test_missing_postgres_database_is_named() -> None:
    url = make_url(os.environ["TRACER_TEST_POSTGRES_URL"]).set(database="tracer_no_such_db")
    with pytest.raises(StoreError) as info:
        open_database(url.render_as_string(hide_password=False))
    assert str(info.value) == (
        f"cannot connect to PostgreSQL at {url.host}:{url.port}/tracer_no_such_db: "
        'database "tracer_no_such_db" does not exist (TRACER_DATABASE_URL)'
    )


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    engine = open_database(db_url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert table_names(engine) <= {"alembic_version"}
    engine.dispose()
    engine = open_database(db_url)
    assert current_revision(engine) == head_revision()
    assert "trace_edges" in table_names(engine)
    engine.dispose()


def test_concurrent_first_opens_migrate_once(db_url: str) -> None:
    results: list[object] = []

    def opener() -> None:
        try:
            engine = open_database(db_url)
            results.append(current_revision(engine))
            engine.dispose()
        except Exception as exc:  # collected for the assertion
            results.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [head_revision()] * 3


def test_first_open_waits_for_another_connections_write_lock_before_switching_to_wal(tmp_path: Path) -> None:
    # The CI flake behind this test: three first opens at once, one failed at once with "database is
    # locked" because switching a new file to WAL ignores the busy timeout while a migration holds the
    # write lock. Made deterministic: a raw connection holds the lock on a rollback-journal file.
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE held (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO held VALUES (1)")
    released = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    released.start()
    try:
        engine = open_database(f"sqlite:///{path}")
    finally:
        released.join()
        holder.close()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert current_revision(engine) == head_revision()
    engine.dispose()
