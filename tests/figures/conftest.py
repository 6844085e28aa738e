"""Shared fixtures: the hand-built sample export (tests/fixtures/exports/sample_case.json)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.figures.helpers import SAMPLE


@pytest.fixture(scope="session")
def sample_doc() -> dict[str, Any]:
    """The sample export as loaded from disk."""
    return dict(json.loads(SAMPLE.read_text(encoding="utf-8")))


@pytest.fixture()
def doc(sample_doc: dict[str, Any]) -> dict[str, Any]:
    """A private deep copy tests may modify."""
    return copy.deepcopy(sample_doc)
