"""Monitoring end to end (issue 8): the dormant wallets move in the world's phase 2; alerts name exactly them,
the case's trace is extended, a failed webhook loses nothing, and a second monitor is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chains.testing import HttpReply, HttpRequest, LoopbackServer
from db.records import WatchEntry
from db.store import Store
from tests.e2e.harness import CASE, export, running_sandbox, settings_for, trace
from tracer.cli.wiring import build
from tracer.model import Chain, EndpointStatus
from tracer.monitor.cycle import Monitor
from tracer.monitor.extend import make_extender
from tracer.monitor.lock import MonitorBusy, MonitorLock
from tracer.monitor.notify import WebhookSink


class Hook:
    """A webhook receiver (a loopback app) that fails its first ``fail`` POSTs."""

    fail = 0
    received: list[dict[str, object]] = []

    @staticmethod
    def answer(request: HttpRequest) -> HttpReply:
        if Hook.fail > 0:
            Hook.fail -= 1
            return HttpReply(500)
        Hook.received.append(request.json())
        return HttpReply(200)


@pytest.fixture()
def webhook() -> Iterator[tuple[str, type[Hook]]]:
    Hook.received = []
    Hook.fail = 10**6  # down until the test says otherwise
    with LoopbackServer(Hook.answer, name="webhook") as server:
        yield f"{server.url}/hook", Hook


def test_phase_two_movements_alert_and_extend_the_case(tmp_path: Path, webhook: tuple[str, type[Hook]]) -> None:
    url, hook = webhook
    with running_sandbox(tmp_path / "sandbox", phase=1) as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db")
        store, wiring, outcome = trace(sandbox, settings)
        assert outcome.finished
        case = store.get_case(CASE)
        assert case is not None
        repo = store.trace_repository()
        holders = sorted({(e.chain, e.address) for e in repo.endpoints(case.id) if e.status is EndpointStatus.UNSPENT})
        for chain, address in holders:
            store.add_watch(WatchEntry(chain, address, case.id, "holds stolen funds", origin="case"))
        before = export(store, wiring)
        extender = make_extender(store, wiring.services)
        monitor = Monitor(store, wiring.services, extend=extender,
                          sink=WebhookSink(url, requests.Session(), sleep=lambda _s: None))
        quiet = monitor.run_once()  # phase 1: nothing new
        assert quiet.new_alerts == [] and quiet.moved == []

        sandbox.server.set_phase(2)
        report = monitor.run_once()
        tip1 = sandbox.world.tip("ethereum", 1)
        movers = {(Chain.ETHEREUM, tx.from_) for tx in sandbox.world.evm_txs if tx.block > tip1}
        tron_tip1 = sandbox.world.tip("tron", 1)  # reached through the instant exchange (matching is on by default)
        movers |= {(Chain.TRON, tr.from_) for tx in sandbox.world.tron_txs if tx.block > tron_tip1 for tr in tx.trc20}
        watched = {(c, a) for c, a in holders}
        moved = {(Chain(m.split(":", 1)[0]), m.split(":", 1)[1]) for m in report.moved}
        print("moved:", sorted(report.moved), "alerts:", [a.message for a in report.new_alerts])
        assert moved == movers & watched and moved  # exactly the watched wallets that moved in phase 2
        assert moved <= {(Chain(c), a) for c, a in sandbox.truth.dormant}
        assert {(a.chain, a.address) for a in report.new_alerts} == moved
        assert any(a.severity.value == "high" and a.kind.startswith("contact_") for a in report.new_alerts)
        assert report.extended_cases == [CASE]
        assert report.undelivered == len(report.new_alerts) and report.delivered == 0  # webhook down: kept

        after = export(store, wiring)
        new_hops = [t for t in after["transfers"] if t not in before["transfers"]]
        assert {(Chain(t["chain"]), t["from"]) for t in new_hops} >= moved  # the trace grew from the movers
        assert any(e["status"] == "cashed_out" and e not in before["endpoints"] for e in after["endpoints"])

        hook.fail = 0  # webhook back: next cycle delivers what was kept, and alerts are not duplicated
        again = monitor.run_once()
        assert again.new_alerts == [] and again.delivered == len(report.new_alerts)
        assert len(hook.received) == len(report.new_alerts)
        assert all("text" in body for body in hook.received)
        assert len(store.alerts(case.id)) == len(report.new_alerts)


def test_second_monitor_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    with MonitorLock(url, tmp_path), pytest.raises(MonitorBusy, match="already running"):
        with MonitorLock(url, tmp_path):
            pass
    with MonitorLock(url, tmp_path):  # released after the first one ended
        pass


def _alert_rows(db: Path) -> list[tuple[str, str, str, str]]:
    from sqlalchemy import create_engine, select

    from db.models import AlertRow

    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(AlertRow.chain, AlertRow.address, AlertRow.tx_hash,
                                                      AlertRow.kind))]
    engine.dispose()
    return sorted(rows)  # type: ignore[arg-type]


def test_kill_9_mid_cycle_then_next_cycle_completes_without_duplicates(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    results = {}
    for run in ("reference", "killed"):
        db = tmp_path / f"{run}.db"
        with running_sandbox(tmp_path / f"sandbox-{run}", phase=1) as sandbox:
            settings = settings_for(sandbox, db)
            store, _wiring, _ = trace(sandbox, settings)
            case = store.get_case(CASE)
            assert case is not None
            for e in store.trace_repository().endpoints(case.id):
                if e.status is EndpointStatus.UNSPENT:
                    store.add_watch(WatchEntry(e.chain, e.address, case.id, origin="case"))
            sandbox.server.set_phase(2)
            env = {**os.environ, **sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{db}",
                   "TRACER_ETHERSCAN_RATE": "20", "TRACER_ESPLORA_RATE": "20", "TRACER_TRONGRID_RATE": "20",
                   "TRACER_MIDGARD_RATE": "20"}
            cmd = [sys.executable, "-m", "tracer", "monitor", "--once"]
            if run == "killed":  # die right after the first alert is stored, mid-cycle (before the extension)
                proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 120
                while proc.poll() is None and time.monotonic() < deadline and not _alert_rows(db):
                    time.sleep(0.02)
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                assert _alert_rows(db), "the monitor was killed before storing anything"
            done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            again = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert again.returncode == 0 and "0 new alerts" in again.stdout
            store = Store.open(settings.database_url)
            results[run] = (_alert_rows(db), export(store, build(settings, store, (Chain.ETHEREUM,)), CASE))
    (ref_alerts, ref_doc), (alerts, doc) = results["reference"], results["killed"]
    assert alerts == ref_alerts and len(alerts) == len(set(alerts))  # nothing skipped, nothing doubled
    assert doc["transfers"] == ref_doc["transfers"] and doc["endpoints"] == ref_doc["endpoints"]
