"""Run the real ``tracer`` entry point (``main``) in-process: same argument parsing, error lines and exit codes as
the console script, without paying an interpreter start per probe."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from tracer.cli import main
from tracer.cli.common import STATE

CLOSED_PORT_URLS = {f"TRACER_{n}_URL": "http://127.0.0.1:9/" for n in ("ETHERSCAN", "ESPLORA", "TRONGRID", "MIDGARD")}
"""Any network call would go to a closed local port: a probe that gets that far fails fast and visibly."""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_tracer(args: list[str], cwd: Path, env: Mapping[str, str]) -> Result:
    """``tracer ARGS`` with exactly ``env`` as TRACER_* / key variables, from ``cwd``."""
    saved_env, saved_cwd, saved_argv = dict(os.environ), Path.cwd(), sys.argv
    for key in list(os.environ):
        if key.startswith(("TRACER_", "ETHERSCAN", "TRONGRID")):
            del os.environ[key]
    os.environ.update({**CLOSED_PORT_URLS, "TRACER_CONFIG": str(cwd / "no-such-tracer.toml"), **env})
    STATE.settings, STATE.verbose = None, False
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        os.chdir(cwd)
        sys.argv = ["tracer", *args]
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        os.environ.clear()
        os.environ.update(saved_env)
        STATE.settings = None
        STATE.secrets.clear()
    return Result(code, out.getvalue(), err.getvalue())
