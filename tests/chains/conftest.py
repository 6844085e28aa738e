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
from tracer.sandbox.launch import RunningSandbox, start_sandbox

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
        client = EtherscanClient(requests.Session(), server.url + "/v2/api", api_key="TESTKEY",
                                 chain_id=1, **options)
        return EtherscanAdapter(client, chain), server

    return build


ROOT = Path(__file__).resolve().parents[2]
ANVIL_CANDIDATES = (ROOT / ".tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil",
                    ROOT / ".tools/node_modules/.bin/anvil")


def anvil_binary() -> Path | None:
    """The anvil installed by scripts/install_anvil.sh, or None."""
    return next((p for p in ANVIL_CANDIDATES if p.exists()), None)


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    """A fresh anvil node on a free loopback port for the test module; killed afterwards."""
    import socket
    import subprocess
    import time

    import requests

    binary = anvil_binary()
    if binary is None:
        pytest.skip("anvil binary absent: run scripts/install_anvil.sh (CI installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(binary), "--host", "127.0.0.1", "--port", str(port), "--silent"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
                              timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if proc.poll() is not None:
                    raise RuntimeError(f"anvil exited: {proc.stderr.read() if proc.stderr else b''!r}") from None
                time.sleep(0.05)
        else:
            raise RuntimeError("anvil did not answer within 10 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def shared_server(request: pytest.FixtureRequest) -> Iterator[FixtureServer]:
    """One loopback server per test module, serving the module's ``SERVED`` folder (shutdown costs 0.5 s each)."""
    with FixtureServer(request.module.SERVED) as srv:
        yield srv


@pytest.fixture
def server(shared_server: FixtureServer) -> Iterator[FixtureServer]:
    """The module's server with a fresh request log; fails the test if a request had no envelope."""
    shared_server.requests.clear()
    yield shared_server
    assert shared_server.missing == []


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    """The demo world served over loopback in its final phase (every dialect), one per test module."""
    sb = start_sandbox(seed=7, scale="demo")
    sb.server.set_phase(sb.world.phases)
    yield sb
    sb.stop()
