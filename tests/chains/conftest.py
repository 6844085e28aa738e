"""Shared fixtures for adapter tests: loopback fixture servers and Etherscan adapters over them.

``etherscan_over(scenario, **client_kw) -> (adapter, server)`` serves ``tests/fixtures/etherscan/<scenario>``
over real HTTP on 127.0.0.1 and fails the test at teardown if any request had no envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chains.etherscan import EtherscanAdapter, EtherscanClient
from chains.http import RetryPolicy
from chains.testing import FixtureServer, Responder
from tracer.model import Chain

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ETHERSCAN_FIXTURES = FIXTURES / "etherscan"
TEST_PAGE_SIZE = 5
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.0)


def no_sleep(_: float) -> None:
    """Backoff without waiting (tests assert behaviour, not timing)."""


EtherscanFactory = Callable[..., tuple[EtherscanAdapter, FixtureServer]]


@pytest.fixture
def fixture_server() -> Iterator[Callable[..., FixtureServer]]:
    """Factory: ``fixture_server(root_dir=None, responder=None)``; stops them all and checks nothing was missing."""
    servers: list[FixtureServer] = []

    def start(root_dir: Path | None = None, responder: Responder | None = None) -> FixtureServer:
        server = FixtureServer(root_dir, responder)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    missing = [key for server in servers for key in server.missing]
    assert not missing, f"requests without a fixture envelope: {missing}"


@pytest.fixture
def etherscan_over(fixture_server: Callable[..., FixtureServer]) -> EtherscanFactory:
    """Factory building an EtherscanAdapter on a loopback server for one scenario directory."""

    def build(scenario: str | None = None, *, responder: Responder | None = None, chain: Chain = Chain.ETHEREUM,
              **client_kw: Any) -> tuple[EtherscanAdapter, FixtureServer]:
        import requests

        server = fixture_server(ETHERSCAN_FIXTURES / scenario if scenario else None, responder)
        options: dict[str, Any] = {"rate": 0, "page_size": TEST_PAGE_SIZE, "retry": FAST_RETRY, "sleep": no_sleep,
                                   "timeout": 5.0}
        options.update(client_kw)
        final_block = options.pop("final_block", None)
        client = EtherscanClient(requests.Session(), server.url + "/v2/api", api_key="TESTKEY",
                                 chain_id=1, **options)
        return EtherscanAdapter(client, chain, final_block=final_block), server

    return build
