"""Robustness end to end: a faulty API gives the same export; kill -9 at any point resumes to the same result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import EndpointRow, FrontierRow, TraceEdgeRow
from tests.e2e.harness import CASE, export, open_case_store, running_sandbox, settings_for, trace
from tracer.sandbox.faults import FaultPlan


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("clean")
    with running_sandbox(tmp / "sandbox") as sandbox:
        store, wiring, outcome = trace(sandbox, settings_for(sandbox, tmp / "case.db"))
        assert outcome.finished
        return export(store, wiring)


def test_ten_percent_faults_give_the_same_export(tmp_path: Path, clean_export: dict[str, object]) -> None:
    plan = FaultPlan(fraction=0.10, kinds=("429", "500", "html", "stall", "truncated"), seed=3, stall_seconds=2.5)
    with running_sandbox(tmp_path / "sandbox", faults=plan) as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db", TRACER_HTTP_TIMEOUT="1")
        store, wiring, outcome = trace(sandbox, settings)
        stats = sandbox.server.stats()
        assert outcome.finished
        assert export(store, wiring) == clean_export
        print("server stats:", stats, "retries:", sum(c.stats.retries for c in wiring.clients))
        assert sum(c.stats.retries for c in wiring.clients) > 0


def _counts(db: Path) -> tuple[int, int, int]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        done = s.scalar(select(func.count()).select_from(FrontierRow).where(FrontierRow.done.is_(True))) or 0
        edges = s.scalar(select(func.count()).select_from(TraceEdgeRow)) or 0
        ends = s.scalar(select(func.count()).select_from(EndpointRow)) or 0
    engine.dispose()
    return int(done), int(edges), int(ends)


@pytest.mark.parametrize("kill_after_nodes", [1, 12, 40])
def test_kill_9_then_rerun_matches_an_uninterrupted_run(tmp_path: Path, clean_export: dict[str, object],
                                                         kill_after_nodes: int) -> None:
    db = tmp_path / "case.db"
    with running_sandbox(tmp_path / "sandbox") as sandbox:
        settings = settings_for(sandbox, db)
        open_case_store(sandbox, settings).close()
        env = {**os.environ, **sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{db}",
               "TRACER_ETHERSCAN_RATE": "20", "TRACER_ESPLORA_RATE": "20", "TRACER_TRONGRID_RATE": "20",
               "TRACER_MIDGARD_RATE": "20"}
        cmd = [sys.executable, "-m", "tracer", "trace", f"ethereum:{sandbox.truth.exploiter}", "--case", CASE]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if db.exists() and _counts(db)[0] >= kill_after_nodes:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        interrupted = _counts(db)
        store, wiring, outcome = trace(sandbox, settings)  # the same command again, in-process
        assert outcome.finished
        doc = export(store, wiring)
    print("killed with", interrupted, "(done nodes, edges, endpoints)")
    assert doc == clean_export
    with Session(store.engine) as s:  # no duplicate rows: every edge key once
        rows = s.execute(select(TraceEdgeRow.transfer_id, TraceEdgeRow.origin, TraceEdgeRow.parent)).all()
    assert len(rows) == len(set(rows))
