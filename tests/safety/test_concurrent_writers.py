"""One writer per case, one monitor per database (issue 15, probes 1 and 8): two real ``tracer`` processes at once,
given two spellings of one database, on SQLite and PostgreSQL. Before the locks, two traces of one case corrupted
it on SQLite (80 transfers instead of 125, "already finished" forever) and the loser died with UniqueViolation on
PostgreSQL; two monitors POSTed every alert twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from chains.testing import HttpReply, HttpRequest, LoopbackServer
from db.models import AlertRow
from db.records import WatchEntry
from db.store import Store
from tests.e2e.harness import CASE, export, open_case_store, running_sandbox, settings_for, trace
from tests.pg import BACKENDS
from tests.safety.stores import fresh_database
from tracer.cli.wiring import build
from tracer.model import Chain, EndpointStatus
from tracer.sandbox.launch import RunningSandbox

RATES = {"TRACER_ETHERSCAN_RATE": "20", "TRACER_ESPLORA_RATE": "20", "TRACER_TRONGRID_RATE": "20",
         "TRACER_MIDGARD_RATE": "20"}


def _env(sandbox: RunningSandbox, url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACER_")}
    return {**base, **sandbox.env(), **RATES, "TRACER_DATABASE_URL": url}


def _start(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tracer", *cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The export of one uninterrupted, unopposed trace."""
    tmp = tmp_path_factory.mktemp("single")
    with running_sandbox(tmp / "sandbox") as sandbox:
        store, wiring, outcome = trace(sandbox, settings_for(sandbox, tmp / "case.db"))
        assert outcome.finished
        return export(store, wiring)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_traces_of_one_case_at_once_give_one_result(backend: str, tmp_path: Path,
                                                          single_run: dict[str, object]) -> None:
    url, same_db = fresh_database(backend, tmp_path)
    with running_sandbox(tmp_path / "sandbox") as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db", TRACER_DATABASE_URL=url)
        open_case_store(sandbox, settings).close()  # labels imported once, as a user would
        cmd = ["trace", f"ethereum:{sandbox.truth.exploiter}", "--case", CASE, "--json"]
        procs = [_start(cmd, _env(sandbox, u), tmp_path) for u in (url, same_db)]
        outs = [p.communicate(timeout=600) for p in procs]
        codes = sorted(p.returncode for p in procs)
        print("exit codes:", codes, "stderr:", [o[1][-300:] for o in outs])
        assert all("Traceback" not in err and "UniqueViolation" not in err for _out, err in outs)
        if codes == [0, 1]:  # the loser waited, then gave up naming the holder
            winner, loser = (0, 1) if procs[0].returncode == 0 else (1, 0)
            lines = [line for line in outs[loser][1].splitlines() if line.strip()]
            assert len(lines) == 1 and "already being written" in lines[0], outs[loser][1]
            assert f"pid {procs[winner].pid} on " in lines[0] and " since " in lines[0]
            assert json.loads(outs[winner][0])["finished"] is True
        else:  # the winner finished within the loser's wait: the loser found the case finished
            assert codes == [0, 0]
            reports = [json.loads(out) for out, _err in outs]
            assert sorted(r["already_finished"] for r in reports) == [False, True]
        store = Store.open(url)
        doc = export(store, build(settings, store, (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON)))
    assert doc == single_run  # identical to a single run: nothing lost, nothing doubled


class Hook:
    """A webhook receiver that records every POST (an app for the shared loopback server)."""

    def __init__(self) -> None:
        self.received: list[dict[str, object]] = []
        self._lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpReply:
        with self._lock:
            self.received.append(request.json())
        return HttpReply(200)


@pytest.fixture()
def hook() -> Iterator[Hook]:
    yield Hook()


@pytest.fixture()
def webhook(hook: Hook) -> Iterator[str]:
    with LoopbackServer(hook, name="webhook") as server:
        yield f"{server.url}/hooks/T000/B000/secretpath"


def _alerts(url: str) -> list[tuple[str, str, str, str, bool]]:
    store = Store.open(url)
    with store.engine.connect() as conn:
        rows = [(r.chain, r.address, r.tx_hash, r.kind, bool(r.delivered)) for r in conn.execute(select(AlertRow))]
    store.close()
    return sorted(rows)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_monitors_at_once_post_each_alert_once(backend: str, tmp_path: Path, webhook: str, hook: Hook) -> None:
    url, same_db = fresh_database(backend, tmp_path)
    with running_sandbox(tmp_path / "sandbox", phase=1) as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db", TRACER_DATABASE_URL=url)
        store, _wiring, outcome = trace(sandbox, settings)
        assert outcome.finished
        case = store.get_case(CASE)
        assert case is not None
        for e in store.trace_repository().endpoints(case.id):
            if e.status is EndpointStatus.UNSPENT:
                store.add_watch(WatchEntry(e.chain, e.address, case.id, origin="case"))
        store.close()
        sandbox.server.set_phase(2)
        cmd = ["monitor", "--once", "--webhook", webhook]
        procs = [_start(cmd, _env(sandbox, u), tmp_path) for u in (url, same_db)]
        outs = [p.communicate(timeout=600) for p in procs]
        print("exit codes:", [p.returncode for p in procs], "stderr:", [o[1][-300:] for o in outs])
        for p, (_out, err) in zip(procs, outs, strict=True):
            assert "Traceback" not in err and "secretpath" not in err
            if p.returncode != 0:  # refused: one line naming the running monitor
                lines = [line for line in err.splitlines() if line.strip()]
                assert p.returncode == 1 and len(lines) == 1 and "a monitor is already running (pid" in lines[0]
        alerts = _alerts(url)
    assert alerts and all(delivered for *_key, delivered in alerts)
    posted = Counter((b["alert"]["address"], b["alert"]["tx_hash"], b["alert"]["kind"])  # type: ignore[index]
                     for b in hook.received)
    assert set(posted.values()) == {1}, "an alert was POSTed twice"
    assert set(posted) == {(a, tx, kind) for _c, a, tx, kind, _d in alerts}
