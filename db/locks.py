"""One writer at a time: named locks keyed by the resolved database identity, on every store.

Two traces of one case interleave their frontier and endpoint writes and corrupt the case for good (SQLite), or
the loser dies on a unique constraint (PostgreSQL); two monitors of one database post every alert twice. Locks
here make the second process wait briefly, then give up with one line naming the holder (pid, host, since).

* **PostgreSQL**: a session-level advisory lock ``pg_try_advisory_lock(kind, hash(name))`` on a connection held
  for the duration. Advisory locks live in the server and are scoped to the database, so every URL spelling of
  one server (127.0.0.1 / localhost / a socket) meets the same lock. The holder is described through its
  ``application_name``, read back from ``pg_stat_activity``.
* **SQLite file**: an ``flock`` on a file in ``<realpath of the db>.locks/`` -- the path is resolved (``/d/./x.db``
  and ``/d/x.db``, symlinks) so spellings of one file meet the same lock. The file holds the holder's description.
* **In-memory SQLite** is private to its process: the lock is a no-op.

The OS (or the server, when the connection drops) releases every lock when its process dies, kill -9 included.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tracer.errors import TracerError

DEFAULT_WAIT_SECONDS = 5.0
POLL_SECONDS = 0.1
KINDS: dict[str, int] = {"case": 0x7472_0001, "monitor": 0x7472_0002, "delivery": 0x7472_0003}
"""Advisory-lock namespaces (first key of the two-key form): one per kind of lock."""


class LockBusy(TracerError):
    """Another process holds the lock; the message names it."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as far as can be told."""

    pid: str
    host: str
    since: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.since}"


def me() -> Holder:
    """This process as a lock holder."""
    return Holder(str(os.getpid()), socket.gethostname(), datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"))


def name_key(name: str) -> int:
    """A stable non-negative 31-bit key for ``name`` (the second key of the advisory lock).

    Two names sharing a key only ever serialise each other; they never share data.
    """
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") & 0x7FFF_FFFF


def database_identity(engine: Engine) -> str:
    """What the engine's URL resolves to, for messages and lock keys: never the URL text (no password).

    SQLite: the real path of the file. PostgreSQL: the server's system identifier (or its address and port when
    that is not readable) and the database name.
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return "sqlite::memory:"
        return "sqlite:" + os.path.realpath(database)
    with engine.connect() as conn:
        try:
            server = str(conn.execute(text("SELECT system_identifier FROM pg_control_system()")).scalar_one())
        except Exception:  # noqa: BLE001 - not readable without privileges: fall back to address and port
            conn.rollback()
            row = conn.execute(text("SELECT host(inet_server_addr()), inet_server_port()")).one()
            server = f"{row[0] or 'socket'}:{row[1] or ''}"
        dbname = conn.execute(text("SELECT current_database()")).scalar_one()
    return f"postgresql:{server}/{dbname}"


class StoreLock:
    """``with StoreLock(engine, "case", name):`` -- exclusive per (database, kind, name); raises :class:`LockBusy`.

    ``wait`` is how long to retry before giving up; :meth:`try_acquire` never raises (False when busy).
    """

    def __init__(self, engine: Engine, kind: str, name: str, *, what: str, wait: float = DEFAULT_WAIT_SECONDS,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine = engine
        self.kind = kind
        self.name = name
        self.what = what  # for the message, e.g. "case 'x' is being traced"
        self.wait = wait
        self.sleep = sleep
        self._release: Callable[[], None] | None = None

    def try_acquire(self) -> bool:
        """Take the lock if free, retrying up to ``wait`` seconds."""
        deadline = time.monotonic() + self.wait
        while True:
            release = self._try_once()
            if release is not None:
                self._release = release
                return True
            if time.monotonic() >= deadline:
                return False
            self.sleep(POLL_SECONDS)

    def holder(self) -> Holder | None:
        """The current holder, when it can be read."""
        if self._is_postgres():
            return _pg_holder(self.engine, KINDS[self.kind], name_key(self.name))
        path = self._path()
        if path is None or not path.exists():
            return None
        return _read_holder(path)

    def release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None

    def __enter__(self) -> StoreLock:
        if not self.try_acquire():
            holder = self.holder()
            who = holder.describe() if holder is not None else "another process"
            raise LockBusy(f"{self.what} ({who}) on {database_identity(self.engine)}; "
                           f"wait for it to finish, then run the command again")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    # -- backends ---------------------------------------------------------------------------------------------

    def _is_postgres(self) -> bool:
        return self.engine.url.get_backend_name() == "postgresql"

    def _path(self) -> Path | None:
        identity = database_identity(self.engine)
        if identity == "sqlite::memory:":
            return None
        digest = hashlib.sha256(self.name.encode("utf-8")).hexdigest()[:20]
        return Path(identity.removeprefix("sqlite:") + ".locks") / f"{self.kind}-{digest}.lock"

    def _try_once(self) -> Callable[[], None] | None:
        if self._is_postgres():
            return _pg_try(self.engine, KINDS[self.kind], name_key(self.name))
        path = self._path()
        if path is None:
            return lambda: None
        return _file_try(path)


def _file_try(path: Path) -> Callable[[], None] | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    h = me()
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": h.pid, "host": h.host, "since": h.since}).encode(), 0)

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return release


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "pid" not in data:
        return None
    return Holder(str(data.get("pid")), str(data.get("host", "?")), str(data.get("since", "?")))


APP_PREFIX = "tracer-lock"


def _pg_try(engine: Engine, kind: int, key: int) -> Callable[[], None] | None:
    conn: Connection = engine.connect()
    try:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k, :n)"), {"k": kind, "n": key}).scalar_one())
        if got:
            h = me()
            # application_name is how another process learns who holds the lock (63 bytes at most).
            label = f"{APP_PREFIX} {h.pid} {h.since} {h.host}"[:63]
            conn.execute(text("SELECT set_config('application_name', :v, false)"), {"v": label})
        conn.commit()  # session-level lock: it outlives the transaction
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        return None

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k, :n)"), {"k": kind, "n": key})
            conn.commit()
        finally:
            conn.invalidate()  # never return a connection that may still hold a lock to the pool
            conn.close()

    return release


def _pg_holder(engine: Engine, kind: int, key: int) -> Holder | None:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.application_name, a.pid, host(a.client_addr), a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = CAST(:k AS bigint)::oid AND l.objid = CAST(:n AS bigint)::oid AND l.objsubid = 2"),
            {"k": kind, "n": key}).first()
    if row is None:
        return None
    parts = str(row[0] or "").split(" ", 4)
    if len(parts) >= 5 and parts[0] == APP_PREFIX:
        return Holder(parts[1], parts[4], f"{parts[2]} {parts[3]}")
    since = row[3].strftime("%Y-%m-%d %H:%M:%SZ") if row[3] is not None else "?"
    return Holder(f"backend {row[1]}", str(row[2] or "local socket"), since)


def case_lock(engine: Engine, case: str, *, wait: float = DEFAULT_WAIT_SECONDS) -> StoreLock:
    """The one-writer lock of a case."""
    return StoreLock(engine, "case", case, what=f"case {case!r} is already being written", wait=wait)


def monitor_lock(engine: Engine, *, wait: float = 0.0) -> StoreLock:
    """The one-monitor-cycle-at-a-time lock of a database."""
    return StoreLock(engine, "monitor", "monitor", what="a monitor is already running", wait=wait)


def delivery_lock(engine: Engine, *, wait: float = 0.0) -> StoreLock:
    """One webhook delivery at a time per database (so no alert is posted twice)."""
    return StoreLock(engine, "delivery", "delivery", what="alerts are already being delivered", wait=wait)
