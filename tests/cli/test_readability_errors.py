"""Offline and missing-key errors are clear: the key is named before any request; an unreachable API is given up
after a short stated budget, naming the URL and the variable to set."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.demo_world import clean_env

SEED = "ethereum:0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _trace(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tracer", "trace", SEED, "--case", "offline", "--chains", "ethereum"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                          env=clean_env(TRACER_DATABASE_URL=f"sqlite:///{tmp_path / 'c.db'}", **env))
    return done, time.monotonic() - started


def test_missing_etherscan_key_is_named_before_any_request(tmp_path: Path) -> None:
    # Every other API points at a closed port: a request to any of them would show up as "cannot connect".
    dead = f"http://127.0.0.1:{_closed_port()}"
    done, _ = _trace(tmp_path, TRACER_ESPLORA_URL=dead, TRACER_TRONGRID_URL=dead, TRACER_MIDGARD_URL=dead)
    assert done.returncode == 1
    assert "ETHERSCAN_API_KEY is not set" in done.stderr and "TRACER_ETHERSCAN_URL" in done.stderr
    assert "cannot connect" not in done.stderr and "Traceback" not in done.stderr


def test_unreachable_api_gives_up_fast_naming_url_and_variable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v2/api"
    done, seconds = _trace(tmp_path, TRACER_ETHERSCAN_URL=url)
    assert done.returncode == 1
    assert f"cannot connect to {url}" in done.stderr
    assert "TRACER_ETHERSCAN_URL" in done.stderr and "gave up after 3 attempts" in done.stderr
    assert "attempt 1 of 3" in done.stderr  # the retries are not silent
    assert seconds < 60  # before: ~20 s of six silent retries per request (the budget itself is ~1.5 s)
