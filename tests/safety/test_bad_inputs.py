"""Every bad input is one clear line (issue 15, probes 7 and 9): exit 2 for usage, 1 for runtime, no traceback, no
rich markup error, nothing written. The table is the probe list of the issue; each row failed before (a traceback,
a MarkupError, or a silent acceptance such as TRACER_ETHERSCAN_RATE=-1 switching rate limiting off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.store import Store
from tests.safety.cli import CLOSED_PORT_URLS, Result, run_tracer
from tracer.model import CaseParameters

SEED = "ethereum:0x47666fab8bd0ac7003bce3f5c3585383f09486e2"

# (id, argv, extra environment, exit code, text the one line must contain)
PROBES: list[tuple[str, list[str], dict[str, str], int, str]] = [
    ("markup-in-target", ["trace", "ethereum:[/x]", "--case", "a"], {}, 1, "'[/x]'"),
    ("markup-in-case", ["trace", SEED, "--case", "[/x]", "--chains", "nochain"], {}, 2, "'nochain'"),
    ("markup-in-export", ["export", "[/oops]", "-o", "out.json"], {}, 1, "no case named '[/oops]'"),
    ("markup-in-unknown-chain", ["trace", "[bold]x[/]:0x12", "--case", "a"], {}, 2, "[bold]x[/]"),
    ("min-value-nan", ["trace", SEED, "--case", "a", "--min-value", "NaN"], {}, 2, "--min-value"),
    ("min-value-infinity", ["trace", SEED, "--case", "a", "--min-value", "Infinity"], {}, 2, "--min-value"),
    ("min-value-negative", ["trace", SEED, "--case", "a", "--min-value", "-5"], {}, 2, "must not be negative"),
    ("min-value-text", ["trace", SEED, "--case", "a", "--min-value", "lots"], {}, 2, "must be a number"),
    ("min-value-huge-exponent", ["trace", SEED, "--case", "a", "--min-value", "1e999999"], {}, 2, "finite"),
    ("chains-unknown", ["trace", SEED, "--case", "a", "--chains", "ethereum,foo"], {}, 2, "'foo'"),
    ("case-empty", ["trace", SEED, "--case", ""], {}, 2, "--case must not be empty"),
    ("case-blank", ["trace", SEED, "--case", "   "], {}, 2, "--case must not be empty"),
    ("case-too-long", ["trace", SEED, "--case", "x" * 201], {}, 2, "at most 200 characters"),
    ("case-control-chars", ["trace", SEED, "--case", "a\nb"], {}, 2, "control characters"),
    ("max-hops-zero", ["trace", SEED, "--case", "a", "--max-hops", "0"], {}, 2, "--max-hops"),
    ("http-timeout-negative", ["trace", SEED, "--case", "a"], {"TRACER_HTTP_TIMEOUT": "-1"}, 1, "http_timeout"),
    ("http-timeout-nan", ["cases"], {"TRACER_HTTP_TIMEOUT": "nan"}, 1, "finite"),
    ("etherscan-rate-negative", ["trace", SEED, "--case", "a"], {"TRACER_ETHERSCAN_RATE": "-1"}, 1,
     "etherscan_rate"),
    ("etherscan-rate-zero", ["cases"], {"TRACER_ETHERSCAN_RATE": "0"}, 1, "greater than 0"),
    ("confirmations-negative", ["cases"], {"TRACER_CONFIRMATIONS": "-100"}, 1, "confirmations"),
    ("confirmations-text", ["cases"], {"TRACER_CONFIRMATIONS": "twelve"}, 1, "whole number"),
    ("etherscan-url-file", ["cases"], {"TRACER_ETHERSCAN_URL": "file:///etc/passwd"}, 1, "http://"),
    ("webhook-env-notaurl", ["monitor", "--once"], {"TRACER_WEBHOOK_URL": "notaurl"}, 1, "webhook_url"),
    ("webhook-notaurl", ["monitor", "--once", "--webhook", "notaurl"], {}, 2, "--webhook"),
    ("webhook-file", ["monitor", "--once", "--webhook", "file:///etc/passwd"], {}, 2, "--webhook"),
    ("webhook-ftp", ["monitor", "--once", "--webhook", "ftp://example.com/hook"], {}, 2, "--webhook"),
    ("auto-watch-cap-negative", ["monitor", "--once", "--auto-watch-cap", "-1"], {}, 2, "--auto-watch-cap"),
    ("every-zero", ["monitor", "--every", "0s"], {}, 2, "--every"),
    ("every-garbage", ["monitor", "--every", "soon"], {}, 2, "--every"),
    ("once-and-every", ["monitor", "--once", "--every", "1m"], {}, 2, "exactly one"),
    ("export-bad-format", ["export", "c", "--format", "xlsx", "-o", "out.x"], {}, 2, "--format"),
    ("unknown-option", ["trace", SEED, "--case", "a", "--nope"], {}, 2, "--nope"),
    ("rpc-url-not-http", ["cases"], {"TRACER_RPC_URL_ETHEREUM": "ws//x"}, 1, "RPC URL of ethereum"),
]


def tracer(args: list[str], cwd: Path, env: dict[str, str]) -> Result:
    return run_tracer(args, cwd, env)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and "MarkupError" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.mark.parametrize(("args", "env", "code", "text"), [p[1:] for p in PROBES], ids=[p[0] for p in PROBES])
def test_probe(tmp_path: Path, args: list[str], env: dict[str, str], code: int, text: str) -> None:
    db = tmp_path / "t.db"
    out = tracer(args, tmp_path, {"TRACER_DATABASE_URL": f"sqlite:///{db}", **env})
    line = one_error_line(out.stderr)
    assert out.returncode == code, (out.returncode, line)
    assert text in line, line
    written = {p.name for p in tmp_path.iterdir()}
    assert written <= {"t.db", "t.db-wal", "t.db-shm"}  # no output file, and (below) no case
    if db.exists():
        assert Store.open(f"sqlite:///{db}").list_cases() == []


@pytest.fixture()
def case_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 't.db'}"
    Store.open(url).create_case("c", CaseParameters(), [])
    return url


def test_export_refuses_to_overwrite_without_force(tmp_path: Path, case_db: str) -> None:
    env = {"TRACER_DATABASE_URL": case_db}
    existing = tmp_path / "notes.json"
    existing.write_text("my own notes\n")
    line = one_error_line(tracer(["export", "c", "-o", str(existing)], tmp_path, env).stderr)
    assert "already exists" in line and "--force" in line
    assert existing.read_text() == "my own notes\n"  # untouched
    forced = tracer(["export", "c", "-o", str(existing), "--force"], tmp_path, env)
    assert forced.returncode == 0 and existing.read_text().startswith("{")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "mine.txt").write_text("x")
    assert "is a folder" in one_error_line(tracer(["export", "c", "-o", str(folder)], tmp_path, env).stderr)
    csv_out = tracer(["export", "c", "--format", "csv", "-o", str(folder)], tmp_path, env)
    assert "not empty" in one_error_line(csv_out.stderr) and sorted(os.listdir(folder)) == ["mine.txt"]
    assert tracer(["export", "c", "--format", "csv", "-o", str(tmp_path / "new")], tmp_path, env).returncode == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_export_to_a_full_disk_is_one_line(tmp_path: Path, case_db: str) -> None:
    out = tracer(["export", "c", "-o", "/dev/full"], tmp_path, {"TRACER_DATABASE_URL": case_db})
    assert out.returncode == 1 and "No space left on device" in one_error_line(out.stderr)


def test_user_text_is_printed_verbatim(tmp_path: Path) -> None:
    """A case named like markup is shown as typed, in tables and messages alike."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    Store.open(url).create_case("[bold red]x[/] [/oops]", CaseParameters(), [])
    out = tracer(["cases"], tmp_path, {"TRACER_DATABASE_URL": url, "COLUMNS": "200"})
    assert out.returncode == 0 and "[bold red]x[/] [/oops]" in out.stdout, out.stderr


def test_the_console_script_gives_the_same_line(tmp_path: Path) -> None:
    """The in-process runner above is the real thing: one probe through a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}
    out = subprocess.run([sys.executable, "-m", "tracer", "trace", SEED, "--case", "[/x]", "--min-value", "NaN"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120,
                         env={**env, **CLOSED_PORT_URLS, "TRACER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"})
    assert out.returncode == 2 and "--min-value must be a finite number" in one_error_line(out.stderr)
