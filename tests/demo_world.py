"""The offline demo world traced once per test module: ``tracer demo --no-figures`` in a subprocess (real sandbox
server on 127.0.0.1, real adapters, real SQLite store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

DEMO_CASE = "sandbox-demo"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any ``TRACER_*`` or API key setting of the developer's shell."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACER_") and k not in ("ETHERSCAN_API_KEY", "TRONGRID_API_KEY")}
    env.update(extra)
    return env


def run_demo(out: Path) -> dict[str, Any]:
    """Run the demo into ``out``; returns its ``--json`` result (``out/case.db`` holds the case)."""
    done = subprocess.run([sys.executable, "-m", "tracer", "demo", "--out", str(out), "--no-figures", "--json"],
                          capture_output=True, text=True, env=clean_env(), timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def database_url(out: Path) -> str:
    """The SQLite URL of the demo's case store."""
    return f"sqlite:///{(out / 'case.db').resolve()}"
