"""Label test fixtures: real SQLite stores, migrated by db.session.open_database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.labels import LabelStore
from db.session import open_database


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LabelStore]:
    """An empty, migrated SQLite store per test."""
    engine = open_database(f"sqlite:///{tmp_path / 'labels.db'}")
    yield LabelStore(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStore]:
    """One store per test module (the big shared-data imports are done once)."""
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('labels') / 'labels.db'}")
    yield LabelStore(engine)
    engine.dispose()
