"""The CLI reads well at 80 columns: nothing cut, one vocabulary, headers, names, flags as flags, help everywhere,
case statuses with when and why, and an alerts listing. Real subprocesses over a real demo store."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer.main

from db.records import WatchEntry
from db.store import CaseStatus, Store
from tests.demo_world import DEMO_CASE, clean_env, database_url, run_demo
from tracer.cli.app import app
from tracer.model import Alert, Asset, Chain, Severity

TAPROOT = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"


def tracer(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real entry point at 80 columns against ``url``."""
    env = clean_env(COLUMNS="80", TRACER_DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def column(text: str, index: int) -> list[str]:
    """Cell texts of column ``index`` of a rich table, folded lines joined back (rows end at a rule or border)."""
    cells: list[str] = []
    current = ""
    for line in text.splitlines():
        if line.startswith("│"):
            current += line.split("│")[index + 1].strip()
        elif current:
            cells.append(current)
            current = ""
    return cells + ([current] if current else [])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return database_url(out), json.loads((out / "export.json").read_text(encoding="utf-8"))


def _commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            found.append((path, cmd))

    walk(typer.main.get_command(app), [])
    return found


def test_every_argument_and_option_has_help() -> None:
    missing = [f"{' '.join(path)} {p.name}" for path, cmd in _commands() for p in cmd.params
               if not getattr(p, "help", None)]
    assert not missing


@pytest.mark.parametrize("verb", [["cases"], ["export"], ["trace"], ["watch", "list"], ["labels", "import"],
                                  ["alerts"], ["demo"]])
def test_flags_show_as_flags(verb: list[str], tmp_path: Path) -> None:
    out = tracer(f"sqlite:///{tmp_path / 'x.db'}", *verb, "--help")
    assert out.returncode == 0, out.stderr
    assert "<bool>" not in out.stdout  # before: every flag showed a value placeholder
    assert "--json" in out.stdout or "--format" in out.stdout or "--skip-invalid" in out.stdout


def test_export_help_offers_stix_and_tlp(tmp_path: Path) -> None:
    out = tracer(f"sqlite:///{tmp_path / 'x.db'}", "export", "--help").stdout
    assert "stix" in out and "--tlp" in out and "amber+strict" in out


def test_summary_tables_cut_nothing_and_speak_the_figures_words(demo: tuple[str, dict[str, Any]],
                                                                tmp_path: Path) -> None:
    url, export = demo
    from rich.console import Console

    from tracer.cli import tables

    console = Console(width=80, record=True, file=(tmp_path / "out.txt").open("w"))
    saved = tables.stdout
    tables.stdout = console
    try:
        tables.print_summary(export)
    finally:
        tables.stdout = saved
    text = console.export_text()
    assert "…" not in text
    exits = column(text.split("by status")[0], 0)
    assert "exchange" in exits and "mixer" in exits
    assert "deposit" not in exits and "coinjoin" not in exits and "key" not in text.split("\n")[2]
    assets = set(column(text.split("by status")[0], 1))
    assert {r["asset"] for r in export["summary"]["by_category"]} <= assets  # full asset keys, folded not cut
    amounts = column(text.split("by status")[0], 2)
    assert all("…" not in a for a in amounts)
    assert any(a.startswith("1556.883642223") for a in amounts)
    assert "price source" in text


def test_watch_list_shows_full_taproot_address_and_case_name(demo: tuple[str, dict[str, Any]]) -> None:
    url, _ = demo
    store = Store.open(url)
    case = store.get_case(DEMO_CASE)
    assert case is not None
    store.add_watch(WatchEntry(Chain.BITCOIN, TAPROOT, case.id, "taproot holder"))
    store.close()
    out = tracer(url, "watch", "list")
    assert out.returncode == 0, out.stderr
    assert f"bitcoin:{TAPROOT}" in column(out.stdout, 0)
    assert DEMO_CASE in column(out.stdout, 1)
    listed = json.loads(tracer(url, "watch", "list", "--json").stdout)
    assert any(r["address"] == TAPROOT and r["case"] == DEMO_CASE for r in listed)


def test_labels_sets_has_a_header(demo: tuple[str, dict[str, Any]]) -> None:
    out = tracer(demo[0], "labels", "sets")
    assert out.returncode == 0, out.stderr
    header = next(line for line in out.stdout.splitlines() if "source" in line)
    assert "version" in header and "labels" in header and "active" in header
    assert "sandbox" in column(out.stdout, 0)


def test_labels_diff_prints_names(tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    header = "chain,address,label,category,source,confidence\n"
    old.write_text(header + "ethereum,0x722122df12d4e14e13ac3b6895a86e84145b6967,Tornado Cash: Router,mixer,"
                            "test,0.9\n", encoding="utf-8")
    new.write_text(header + "ethereum,0x098b716b8aaf21512996dc57eb0615e2383e2f96,Lazarus Group,hacker,test,0.9\n",
                   encoding="utf-8")
    out = tracer(f"sqlite:///{tmp_path / 'x.db'}", "labels", "diff", str(old), str(new))
    assert out.returncode == 0, out.stderr
    assert "Lazarus Group" in out.stdout and "Tornado Cash: Router" in out.stdout
    assert "[]" not in out.stdout


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def test_cases_show_done_and_a_stale_run_as_interrupted(demo: tuple[str, dict[str, Any]], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    store = Store.open(url)
    from tracer.model import Address, CaseParameters, Seed

    seed = Seed(Address(Chain.ETHEREUM, "0x0adcee65b131fda758033737b3b26cfd906595ba"))
    killed = store.create_case("killed", CaseParameters(), [seed])
    store.set_case_status(killed, CaseStatus.RUNNING, runner=f"{socket.gethostname()}:{_dead_pid()}")
    store.close()
    rows = {r["name"]: r for r in json.loads(tracer(url, "cases", "--json").stdout)}
    assert rows["killed"]["status"] == "interrupted"  # before: "running" forever after kill -9
    assert "gone" in rows["killed"]["why"]
    assert Store.open(url).get_case("killed").status == "interrupted"  # type: ignore[union-attr]
    demo_rows = json.loads(tracer(demo[0], "cases", "--json").stdout)
    assert [r["status"] for r in demo_rows if r["name"] == DEMO_CASE] == ["done"]
    text = tracer(url, "cases").stdout
    assert "interrupted" in column(text, 1)


def test_a_run_that_raises_is_failed_with_why(tmp_path: Path) -> None:
    from tracer.sandbox.launch import start_sandbox

    sandbox = start_sandbox(7, "demo", out_dir=tmp_path / "sb")
    try:
        url = f"sqlite:///{tmp_path / 'fail.db'}"
        env = clean_env(COLUMNS="80", TRACER_DATABASE_URL=url, **sandbox.env())
        done = subprocess.run([sys.executable, "-m", "tracer", "trace",
                               "ethereum:0x000000000000000000000000000000000000dEaD", "--case", "nothing"],
                              capture_output=True, text=True, env=env, timeout=120, check=False)
    finally:
        sandbox.stop()
    assert done.returncode == 1
    rows = {r["name"]: r for r in json.loads(tracer(url, "cases", "--json").stdout)}
    assert rows["nothing"]["status"] == "failed"
    assert "received nothing" in rows["nothing"]["why"]


def test_alerts_lists_filters_and_prints_json(demo: tuple[str, dict[str, Any]]) -> None:
    url, _ = demo
    store = Store.open(url)
    case = store.get_case(DEMO_CASE)
    assert case is not None
    eth = Asset(Chain.ETHEREUM, "ETH", None, 18)
    for day, amount in ((1, 10**18), (20, 25 * 10**17)):
        store.add_alert(Alert(Chain.ETHEREUM, "0x098b716b8aaf21512996dc57eb0615e2383e2f96", f"0x{day:064x}",
                              datetime(2025, 3, day, tzinfo=UTC), "outflow", amount, eth, Severity.HIGH,
                              "stolen funds moved"), case.id)
    store.close()
    rows = json.loads(tracer(url, "alerts", "--json").stdout)
    assert [r["amount"] for r in rows] == ["1", "2.5"] and {r["case"] for r in rows} == {DEMO_CASE}
    recent = json.loads(tracer(url, "alerts", "--case", DEMO_CASE, "--since", "2025-03-10", "--json").stdout)
    assert [r["amount"] for r in recent] == ["2.5"]
    text = tracer(url, "alerts").stdout
    assert "…" not in text and [c.replace(" ", "") for c in column(text, 6)] == ["stolenfundsmoved"] * 2
    assert "ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96" in column(text, 3)
    assert tracer(url, "alerts", "--case", "nope").returncode == 1
    assert tracer(url, "alerts", "--since", "yesterday").returncode == 2


def test_ctrl_c_leaves_the_case_interrupted(tmp_path: Path) -> None:
    import signal

    from tracer.sandbox.faults import FaultPlan
    from tracer.sandbox.launch import start_sandbox

    # Every answer stalls, so the trace is surely mid-request when Ctrl-C arrives.
    sandbox = start_sandbox(7, "demo", out_dir=tmp_path / "sb", faults=FaultPlan(1.0, ("stall",), stall_seconds=20))
    url = f"sqlite:///{tmp_path / 'int.db'}"
    try:
        env = clean_env(COLUMNS="80", TRACER_DATABASE_URL=url, TRACER_HTTP_TIMEOUT="60", **sandbox.env())
        proc = subprocess.Popen([sys.executable, "-m", "tracer", "trace", f"ethereum:{sandbox.truth.exploiter}",
                                 "--case", "stopped"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the case exists (the run is inside its first request)
            if (tmp_path / "int.db").exists():
                rows = json.loads(tracer(url, "cases", "--json").stdout or "[]")
                if rows and rows[0]["status"] == "running":
                    break
            time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        sandbox.stop()
    assert proc.returncode == 130, err
    rows = {r["name"]: r for r in json.loads(tracer(url, "cases", "--json").stdout)}
    assert rows["stopped"]["status"] == "interrupted" and "Ctrl-C" in rows["stopped"]["why"]
