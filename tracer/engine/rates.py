"""Request rates per API since a run started (what the progress line shows next to the totals)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping


class ApiRates:
    """Reads per-API request counters and turns them into requests per second since construction."""

    def __init__(self, counts: Callable[[], Mapping[str, int]], clock: Callable[[], float] = time.monotonic) -> None:
        self._counts = counts
        self._clock = clock
        self._started = clock()
        self._base = dict(counts())

    def now(self) -> tuple[tuple[str, float], ...]:
        """(API, requests/s) for every API that made a request in this run, by name."""
        elapsed = max(self._clock() - self._started, 1e-6)
        made = {api: n - self._base.get(api, 0) for api, n in self._counts().items()}
        return tuple((api, made[api] / elapsed) for api in sorted(made) if made[api] > 0)
