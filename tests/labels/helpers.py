"""Paths of the shared data used by the label tests."""

from __future__ import annotations

import pytest

from tests.shared_data import SHARED_DATA

DATA = SHARED_DATA
OFAC_OLD = DATA / "ofac_entities" / "sanctioned-addresses_2025-03-18_pre_tornado_delisting.json"
OFAC_NEW = DATA / "ofac_entities" / "sanctioned-addresses_2026-08-22.json"


def need_data() -> None:
    """Skip when the shared data folder is not next to the repo."""
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not found at {DATA}")
