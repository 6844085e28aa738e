"""The monitor extends a case only when no trace of it is running (one writer per case, issue 15): a moved wallet
of a case being traced alerts at once, but its extension -- and its cursor -- wait for the next cycle."""

from __future__ import annotations

from pathlib import Path

from db.locks import case_lock
from db.records import WatchEntry
from db.session import make_engine
from tests.e2e.harness import CASE, running_sandbox, settings_for, trace
from tracer.model import EndpointStatus
from tracer.monitor.cycle import Monitor
from tracer.monitor.extend import make_extender


def test_extension_waits_for_the_running_trace(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sandbox", phase=1) as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db")
        store, wiring, outcome = trace(sandbox, settings)
        assert outcome.finished
        case = store.get_case(CASE)
        assert case is not None
        for e in store.trace_repository().endpoints(case.id):
            if e.status is EndpointStatus.UNSPENT:
                store.add_watch(WatchEntry(e.chain, e.address, case.id, origin="case"))
        extender = make_extender(store, wiring.services)
        monitor = Monitor(store, wiring.services, extend=extender)
        sandbox.server.set_phase(2)
        other_process = make_engine(settings.database_url)  # a trace of the case, as another writer would
        with case_lock(other_process, CASE, wait=0):
            busy = monitor.cycle()
        assert busy.new_alerts and busy.extended_cases == []
        assert any("being traced by another process" in err for err in busy.errors)
        free = monitor.cycle()  # the movement is seen again (cursor kept), extended now, alerts not repeated
        assert free.extended_cases == [CASE]
        # only what the extension itself finds is new: first contacts with exchanges, bridges, mixers
        assert free.new_alerts and all(a.kind.startswith("contact_") for a in free.new_alerts)
        assert not set(free.new_alerts) & set(busy.new_alerts)
        assert set(free.moved) == set(busy.moved)
        assert monitor.cycle().moved == []  # and then the cursors have moved on
