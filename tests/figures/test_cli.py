"""``tracer figures``: from an export file, from the store, and its one-line errors (real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.figures.helpers import SAMPLE


def tracer(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd, timeout=240)


def test_from_export_without_chromium_writes_html_and_one_hint_line(tmp_path: Path) -> None:
    out = tracer("figures", "bybit-sample", "-o", str(tmp_path / "pack"), "--from-export", str(SAMPLE), "--json",
                 env={"BROWSER_PATH": str(tmp_path / "missing-chromium")}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["static"] is False
    assert "sankey.html" in result["files"] and "annex.xlsx" in result["files"]
    hint = [line for line in out.stderr.splitlines() if line.strip()]
    assert hint == [result["note"]]
    assert "apt-get install -y chromium" in hint[0]
    assert (tmp_path / "pack" / "manifest.json").exists()


def test_unknown_case_in_store_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'case.db'}"
    out = tracer("figures", "no-such-case", "-o", str(tmp_path / "pack"), "--no-static",
                 env={"TRACER_DATABASE_URL": db}, cwd=tmp_path)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "no-such-case" in lines[0], out.stderr


def test_invalid_export_file_is_one_line(tmp_path: Path) -> None:
    bad = json.loads(SAMPLE.read_text())
    del bad["summary"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    out = tracer("figures", "bybit-sample", "-o", str(tmp_path / "pack"), "--from-export", str(path), "--no-static",
                 cwd=tmp_path)
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "'summary' is a required property" in lines[0], out.stderr
