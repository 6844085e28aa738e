"""The locks themselves (issue 15, probes 1 and 8): keyed by what the URL resolves to, naming the holder, released
by the OS / server when the holder is killed with -9, waiting briefly before giving up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from db.locks import LockBusy, case_lock, database_identity, monitor_lock
from db.session import make_engine
from db.store import Store
from tests.pg import BACKENDS
from tests.safety.stores import fresh_database

HOLD = """
import sys, time
from db.locks import case_lock
from db.session import make_engine
lock = case_lock(make_engine(sys.argv[1]), sys.argv[2], wait=0)
lock.__enter__()
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_spellings_of_one_database_have_one_identity(backend: str, tmp_path: Path) -> None:
    url, same = fresh_database(backend, tmp_path)
    Store.open(url).close()
    assert url != same
    assert database_identity(make_engine(url)) == database_identity(make_engine(same))
    if backend == "sqlite":
        link = tmp_path / "link.db"
        link.symlink_to(tmp_path / "case.db")
        assert database_identity(make_engine(f"sqlite:///{link}")) == database_identity(make_engine(url))
        assert database_identity(make_engine(f"sqlite:///{tmp_path}/other.db")) != database_identity(make_engine(url))


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_writer_of_a_case_is_refused_naming_the_holder(backend: str, tmp_path: Path) -> None:
    url, same = fresh_database(backend, tmp_path)
    Store.open(url).close()
    one, two = make_engine(url), make_engine(same)
    with case_lock(one, "bybit", wait=0):
        with pytest.raises(LockBusy) as caught:
            with case_lock(two, "bybit", wait=0.3):
                pass
        message = str(caught.value)
        assert f"pid {os.getpid()} on " in message and " since " in message and "'bybit'" in message
        assert "already being written" in message
        with case_lock(two, "another case", wait=0):  # other cases are not blocked
            pass
        with monitor_lock(two):  # nor the monitor
            pass
    with case_lock(two, "bybit", wait=0):  # released
        pass


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_waiting_writer_gets_the_lock_when_it_is_released(backend: str, tmp_path: Path) -> None:
    url, same = fresh_database(backend, tmp_path)
    Store.open(url).close()
    first = case_lock(make_engine(url), "c", wait=0)
    assert first.try_acquire()
    threading.Timer(0.5, first.release).start()
    started = time.monotonic()
    with case_lock(make_engine(same), "c", wait=5):
        waited = time.monotonic() - started
    assert 0.3 < waited < 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_of_the_holder_releases_the_lock(backend: str, tmp_path: Path) -> None:
    url, same = fresh_database(backend, tmp_path)
    Store.open(url).close()
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", HOLD, url, "bybit"], stdout=subprocess.PIPE, text=True,
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(LockBusy, match=f"pid {proc.pid} on "):
            with case_lock(make_engine(same), "bybit", wait=0.2):
                pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with case_lock(make_engine(same), "bybit", wait=5):  # the server / the OS dropped it with the process
        pass


def test_in_memory_sqlite_needs_no_lock() -> None:
    engine = make_engine("sqlite://")
    with case_lock(engine, "x", wait=0), case_lock(engine, "x", wait=0):
        pass
