"""A bounded, thread-safe memo of answers an adapter already holds (issue 16: no redundant request).

Adapters keep here what cannot change any more -- a transaction confirmed below the case's final block, a
listing whose window closes at or below it -- so a second question about it costs no request. The memo only
ever returns what a request would have returned, so whether a value was found here or fetched (which may depend
on the order parallel expansions ran in) never changes a result. The least recently used entry goes first
when the memo is full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``limit`` entries; every access under one lock (expansions may run in several threads)."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a memo holds at least one entry")
        self.limit = limit
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: K) -> V | None:
        """The remembered value, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        """Remember ``value`` (dropping the least recently used entry when full)."""
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
