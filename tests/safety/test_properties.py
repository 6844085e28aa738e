"""Property tests (issue 15, "what to build" 6): for *any* value of a CLI option or environment variable, the tracer
either accepts it (and then it is in range) or prints one clear line and exits 2 (usage) / 1 (runtime) -- never a
traceback, never a silent out-of-range value. Also: masking never lets a planted secret through, and a CSV cell is
never a live formula."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.safety.cli import run_tracer
from tracer.cli.common import MAX_CASE_NAME, check_case_name, parse_amount, parse_chains
from tracer.cli.monitor import parse_every
from tracer.cli.trace import parse_target
from tracer.config import Settings, check_http_url, mask_text, mask_url
from tracer.csvsafe import FORMULA_START, safe_cell
from tracer.errors import ConfigError, TracerError
from tracer.model import Chain

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CLI = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numberish = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["NaN", "nan", "-nan", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "-0", "0", "-5",
                     "0.000001", "1_000", " 12 ", "1e-999999", "0x10", "", "  "]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
)


def usage_exit(fn: object, *args: object) -> object:
    """Call; a typer.Exit must be a usage error (2)."""
    try:
        return fn(*args)  # type: ignore[operator]
    except typer.Exit as exc:
        assert exc.exit_code == 2
        return None


@FAST
@given(numberish)
def test_amounts(text: str) -> None:
    value = usage_exit(parse_amount, text, "--min-value")
    if value is not None:
        assert isinstance(value, Decimal) and value.is_finite() and value >= 0 and math.isfinite(float(value))


@FAST
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from([c.value for c in Chain] + ["foo", " ", "ETHEREUM"]),
                                                 max_size=5).map(",".join)))
def test_chains(text: str) -> None:
    value = usage_exit(parse_chains, text)
    if value is not None:
        assert all(isinstance(c, Chain) for c in value)  # type: ignore[attr-defined]


@FAST
@given(st.text(max_size=260))
def test_case_names(text: str) -> None:
    value = usage_exit(check_case_name, text)
    if value is not None:
        assert isinstance(value, str) and 0 < len(value.strip()) and len(value) <= MAX_CASE_NAME
        assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in value)


@FAST
@given(st.one_of(st.text(max_size=12), st.from_regex(r"\s*-?\d{1,6}(\.\d{0,3})?\s*[smhd]?\s*", fullmatch=True)))
def test_durations(text: str) -> None:
    value = usage_exit(parse_every, text)
    if value is not None:
        assert isinstance(value, float) and value > 0


@FAST
@given(st.one_of(st.text(max_size=60),
                 st.tuples(st.sampled_from([c.value for c in Chain] + ["x"]), st.text(max_size=70)).map(":".join)))
def test_targets(text: str) -> None:
    try:
        usage_exit(parse_target, text)
    except TracerError:
        pass  # InvalidAddress: one line at the CLI (exit 1)


ENV_NAMES = ["TRACER_HTTP_TIMEOUT", "TRACER_ETHERSCAN_RATE", "TRACER_ESPLORA_RATE", "TRACER_TRONGRID_RATE",
             "TRACER_MIDGARD_RATE", "TRACER_COINGECKO_RATE", "TRACER_CONFIRMATIONS", "TRACER_ETHERSCAN_URL",
             "TRACER_WEBHOOK_URL", "TRACER_RPC_URL_ETHEREUM", "TRACER_ESPLORA_URL"]
# An environment value cannot hold a NUL byte (the OS refuses it before the tracer ever runs).
env_values = st.one_of(numberish.filter(lambda v: "\x00" not in v), st.sampled_from(["http://127.0.0.1:1/x", "https://h/", "notaurl", "file:///x",
                                                   "ftp://h/x", "http://", "http://h:99999/"]))


@FAST
@given(st.dictionaries(st.sampled_from(ENV_NAMES), env_values, max_size=4))
def test_environment(env: dict[str, str]) -> None:
    try:
        s = Settings.load(env, config_path=Path("/nonexistent/tracer.toml"))
    except ConfigError as exc:
        assert "\n" not in str(exc)
        return
    for rate in (s.etherscan_rate, s.esplora_rate, s.trongrid_rate, s.midgard_rate, s.coingecko_rate):
        assert math.isfinite(rate) and rate > 0
    assert math.isfinite(s.http_timeout) and 0 < s.http_timeout <= 3600
    assert 0 <= s.confirmations <= 100_000
    for url in (s.etherscan_url, s.esplora_url, *s.rpc_urls.values(), *([s.webhook_url] if s.webhook_url else [])):
        assert url.startswith(("http://", "https://"))


@FAST
@given(st.text(max_size=80))
def test_http_urls(text: str) -> None:
    try:
        url = check_http_url(text, "URL")
    except ConfigError:
        return
    assert url.startswith(("http://", "https://"))


secret = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=20, max_size=40)


@FAST
@given(secret, secret)
def test_masking_never_lets_a_secret_through(password: str, key: str) -> None:
    db = f"postgresql+psycopg://user:{password}@db:5432/x"
    assert password not in mask_url(db) and password not in mask_text(f"connecting to {db}")
    rpc = f"https://eth.example.com/v3/{key}1"
    assert key not in mask_url(rpc)
    line = f'GET /api?module=account&apikey={key} HTTP/1.1" 200'
    assert key not in mask_text(line) and key not in mask_text(f"any text {key} at all", [key])


@FAST
@given(st.one_of(st.text(max_size=20), st.sampled_from(["=1+1", "-5", "+1", "@x", "\t=1", "\r=1", "-1+2", "-1e3"])))
def test_csv_cells_are_never_live_formulas(text: str) -> None:
    cell = safe_cell(text)
    assert "\r" not in cell
    if cell.startswith(FORMULA_START):
        float(cell)  # only a plain number may start like a formula


# -- the CLI end to end (in-process): any option value -> success in range, or one line with exit 1/2 ------------

def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cli")


@CLI
@given(case=st.text(max_size=220), min_value=numberish, chains=st.text(max_size=20))
def test_trace_options(workdir: Path, case: str, min_value: str, chains: str) -> None:
    # An unusable database: every option that passes its check then fails at the store (exit 1), never later.
    out = run_tracer(["trace", "ethereum:0x47666fab8bd0ac7003bce3f5c3585383f09486e2", "--case", case,
                      "--min-value", min_value, "--chains", chains], workdir, {"TRACER_DATABASE_URL": "nodriver://x"})
    line = _one_line(out.stderr)
    assert out.returncode in (1, 2)
    if out.returncode == 1:
        assert "nodriver" in line


@CLI
@given(case=st.text(max_size=60), fmt=st.text(max_size=10))
def test_export_options(workdir: Path, case: str, fmt: str) -> None:
    out = run_tracer(["export", case, "--format", fmt, "-o", str(workdir / "out")], workdir,
                     {"TRACER_DATABASE_URL": f"sqlite:///{workdir / 'empty.db'}"})
    _one_line(out.stderr)
    assert out.returncode in (1, 2) and not (workdir / "out").exists()


@CLI
@given(st.dictionaries(st.sampled_from(ENV_NAMES), env_values, max_size=3))
def test_config_under_any_environment(workdir: Path, env: dict[str, str]) -> None:
    out = run_tracer(["config", "--json"], workdir, env)
    if out.returncode != 0:
        assert out.returncode == 1 and _one_line(out.stderr)
    else:
        assert out.stdout.startswith("{")


@CLI
@given(cap=st.integers(min_value=-10**6, max_value=10**6).map(str) | st.text(max_size=6),
       webhook=st.text(max_size=30) | st.sampled_from(["file:///x", "ftp://h/", "notaurl", "http://"]))
def test_monitor_options(workdir: Path, cap: str, webhook: str) -> None:
    out = run_tracer(["monitor", "--once", "--auto-watch-cap", cap, "--webhook", webhook], workdir,
                     {"TRACER_DATABASE_URL": "nodriver://x"})
    _one_line(out.stderr)
    assert out.returncode in (1, 2)
