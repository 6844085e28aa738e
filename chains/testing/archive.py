"""A dict-backed :class:`~chains.base.ResponseArchive` for adapter tests (db.archive.SqlResponseArchive is the
product one)."""

from __future__ import annotations

import threading

from chains.base import ArchivedResponse


class MemoryArchive:
    """Keeps every exchange; ``get_immutable`` answers only those stored as immutable."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[ArchivedResponse, bool]] = {}
        self._lock = threading.Lock()  # a read-then-write per put; clients may share it across threads

    def put(self, response: ArchivedResponse, *, immutable: bool) -> None:
        """Store one exchange (an immutable row is never downgraded)."""
        with self._lock:
            kept = self.rows.get(response.request_key)
            self.rows[response.request_key] = (response, immutable or bool(kept and kept[1]))

    def get_immutable(self, request_key: str) -> ArchivedResponse | None:
        """The stored immutable answer, or None."""
        found = self.rows.get(request_key)
        return found[0] if found and found[1] else None
