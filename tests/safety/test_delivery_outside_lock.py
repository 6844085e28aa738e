"""A slow webhook never holds the monitor lock (issue 15, probe 4): ``monitor --once`` posts after its cycle has
released the lock, under a delivery lock of its own, and gives up at the delivery budget."""

from __future__ import annotations

import functools
import threading
import time
from io import BufferedIOBase
from pathlib import Path

import pytest

import tracer.cli.monitor as monitor_cli
from chains.testing import HttpReply, HttpRequest, LoopbackServer
from db.locks import delivery_lock, monitor_lock
from db.session import make_engine
from db.store import Store
from tests.safety.alerts import stored_alerts
from tests.safety.cli import run_tracer
from tracer.monitor.notify import WebhookSink


def test_a_trickling_webhook_does_not_hold_the_monitor_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    store = Store.open(url)
    store.add_alert(stored_alerts(1)[0].alert, None)
    store.close()
    connected = threading.Event()
    stop = threading.Event()

    def trickle_body(out: BufferedIOBase) -> None:  # one byte every 0.3 s of an announced 100 kB
        while not stop.is_set():
            out.write(b"x")
            out.flush()
            time.sleep(0.3)

    def receiver(_request: HttpRequest) -> HttpReply:
        connected.set()
        return HttpReply(200, b"x" * 100_000, writer=trickle_body)

    server = LoopbackServer(receiver, name="slow-webhook")
    server.start()
    monkeypatch.setattr(monitor_cli, "WebhookSink", functools.partial(WebhookSink, deadline=3.0, budget=3.0))
    hook = f"{server.url}/hook"
    result: list[object] = []
    runner = threading.Thread(target=lambda: result.append(
        run_tracer(["monitor", "--once", "--webhook", hook], tmp_path, {"TRACER_DATABASE_URL": url})))
    started = time.monotonic()
    runner.start()
    assert connected.wait(60), "the monitor never posted"
    engine = make_engine(url)
    with monitor_lock(engine, wait=0):  # free while the post trickles: another cycle may run now
        pass
    assert not delivery_lock(engine, wait=0).try_acquire()  # but nobody else posts the same alerts
    runner.join(60)
    stop.set()
    server.stop()
    assert time.monotonic() - started < 30 and result
    assert result[0].returncode == 0  # type: ignore[attr-defined]
    assert Store.open(url).undelivered_alerts()  # kept for the next cycle
