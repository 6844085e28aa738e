"""Shared fixtures: one generated demo world per session and a running loopback server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sandbox.helpers import Generated
from tracer.sandbox.generator import generate_world
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import World


@pytest.fixture(scope="session")
def generated() -> Generated:
    """The seed-7 demo world, its truth and labels."""
    return generate_world(7, "demo")


@pytest.fixture(scope="session")
def world(generated: Generated) -> World:
    """The demo world."""
    return generated[0]


@pytest.fixture(scope="session")
def truth(generated: Generated) -> Truth:
    """The demo truth."""
    return generated[1]


@pytest.fixture(scope="session")
def labels(generated: Generated) -> tuple[LabelRow, ...]:
    """The demo labels."""
    return generated[2]


@pytest.fixture()
def server(world: World) -> Iterator[SandboxServer]:
    """A fresh server (phase 1, no faults) on a free port."""
    with SandboxServer(world) as srv:
        yield srv

