"""Label test fixtures: real SQLite stores (migrated by db.session.open_database) and the shared data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from db.labels import LabelStore
from db.session import open_database

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
OFAC_OLD = DATA / "ofac_entities" / "sanctioned-addresses_2025-03-18_pre_tornado_delisting.json"
OFAC_NEW = DATA / "ofac_entities" / "sanctioned-addresses_2026-08-22.json"


def need_data() -> None:
    """Skip when the shared data folder is not next to the repo."""
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not found at {DATA}")


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
