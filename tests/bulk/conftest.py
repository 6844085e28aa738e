"""One small local SparkSession for the whole test session (JVM start-up is the slow part)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from tracer.bulk.spark import spark_session

    session = spark_session("local[2]", "tracer-tests", partitions=2)
    yield session
    session.stop()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A fresh SQLite store for CLI runs (the CLI caches its settings per process: reset around the test)."""
    from tracer.cli.common import STATE

    env = {"TRACER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TRACER_CONFIG": str(tmp_path / "none.toml")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    STATE.settings = None
    yield env
    STATE.settings = None
