"""CLI conventions: one-line errors (exit 1), usage errors (exit 2), --json output, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def tracer(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd, timeout=120)


def test_help_lists_the_verbs() -> None:
    out = tracer("--help")
    assert out.returncode == 0
    for verb in ("trace", "export", "demo", "labels", "watch", "monitor", "sandbox", "figures", "cases"):
        assert verb in out.stdout


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    out = tracer("cases", env={"TRACER_DATABASE_URL": "nosuchdriver://x/y"}, cwd=tmp_path)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr
    assert "Traceback" not in out.stderr


def test_unreachable_postgres_is_one_line(tmp_path: Path) -> None:
    out = tracer("cases", env={"TRACER_DATABASE_URL": "postgresql+psycopg://u:secretpw@127.0.0.1:1/db"}, cwd=tmp_path)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in out.stderr
    assert "secretpw" not in out.stderr  # the password is masked


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert tracer("trace", "nochain", "--case", "x", cwd=tmp_path).returncode == 2
    assert tracer("trace", "--case", "x", cwd=tmp_path).returncode == 2
    assert tracer("trace", "dogecoin:abc", "--case", "x", cwd=tmp_path).returncode == 2


def test_invalid_address_names_it(tmp_path: Path) -> None:
    out = tracer("trace", "ethereum:0x12", "--case", "x", env={"TRACER_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"},
                 cwd=tmp_path)
    assert out.returncode in (1, 2) and "0x12" in out.stderr and "Traceback" not in out.stderr


def test_json_output_is_data(tmp_path: Path) -> None:
    out = tracer("cases", "--json", env={"TRACER_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize("key", ["ETHERSCAN_API_KEY", "TRONGRID_API_KEY"])
def test_config_never_prints_a_key(tmp_path: Path, key: str) -> None:
    out = tracer("config", "--json", env={key: "SUPERSECRET123"}, cwd=tmp_path)
    assert out.returncode == 0 and "SUPERSECRET123" not in out.stdout + out.stderr


def test_prices_import_and_show(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    csv.write_text("date,asset,close_usd,source\n2025-02-21,ETH,2659.66,test\n2025-02-21,BTC,96125.5,test\n")
    env = {"TRACER_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    out = tracer("prices", "import", str(csv), "--json", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 2
    again = tracer("prices", "import", str(csv), "--json", env=env, cwd=tmp_path)
    assert json.loads(again.stdout)["added"] == 0  # idempotent
    shown = tracer("prices", "show", "ETH", "2025-02-23", "--json", env=env, cwd=tmp_path)
    assert json.loads(shown.stdout) == {"symbol": "ETH", "day": "2025-02-21", "usd": "2659.66", "source": "test"}
    missing = tracer("prices", "show", "ETH", "2025-03-30", env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "no ETH price" in missing.stderr
