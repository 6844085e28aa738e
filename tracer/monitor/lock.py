"""One monitor per database at a time: an exclusive, non-blocking file lock keyed by the database URL.

The OS drops the lock when the process dies (kill -9 included), so a crashed monitor never blocks the next one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from tracer.errors import TracerError


class MonitorBusy(TracerError):
    """Another monitor holds the lock for this database."""


class MonitorLock:
    """``with MonitorLock(url):`` -- raises :class:`MonitorBusy` when another monitor runs."""

    def __init__(self, database_url: str, directory: Path | None = None) -> None:
        digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        self.path = (directory or Path(tempfile.gettempdir())) / f"tracer-monitor-{digest}.lock"
        self._fd: int | None = None

    def __enter__(self) -> MonitorLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise MonitorBusy(f"another monitor (pid {holder}) is already running on this database; "
                              f"stop it first or wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
