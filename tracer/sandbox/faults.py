"""Deterministic fault injection: a seeded fraction of requests fails the way real APIs fail."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("429", "500", "html", "stall", "truncated")


@dataclass(frozen=True)
class FaultPlan:
    """``fraction`` of requests get a fault drawn from ``kinds``; same seed + request order = same faults."""

    fraction: float = 0.0
    kinds: tuple[str, ...] = KINDS
    seed: int = 0
    stall_seconds: float = 5.0  # longer than the client timeout in tests
    delay: tuple[float, float] = (0.0, 0.0)
    """Every answer (faulted or not) is held back a seeded draw from [low, high] seconds: random latency, so a
    client working several requests at once sees them complete in a different order each seed."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError("fraction must be in [0, 1]")
        if not 0.0 <= self.delay[0] <= self.delay[1]:
            raise ValueError("delay must be (low, high) with 0 <= low <= high")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {KINDS}")


@dataclass
class FaultInjector:
    """Counts requests and decides, per request number, whether and how to fail."""

    plan: FaultPlan = field(default_factory=FaultPlan)
    _n: int = 0
    _delays: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    injected: dict[str, int] = field(default_factory=dict)

    def set_plan(self, plan: FaultPlan) -> None:
        """Replace the plan and restart the request count (so a run is reproducible from here)."""
        with self._lock:
            self.plan = plan
            self._n = 0
            self._delays = 0

    def next(self) -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            n = self._n
            self._n += 1
            plan = self.plan
        if plan.fraction <= 0:
            return None
        rng = random.Random(f"{plan.seed}:{n}")
        if rng.random() >= plan.fraction:
            return None
        kind = plan.kinds[rng.randrange(len(plan.kinds))]
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    def delay(self) -> float:
        """Seconds to hold the next answer back (0 unless the plan has a delay range)."""
        with self._lock:
            n = self._delays
            self._delays += 1
            low, high = self.plan.delay
        if high <= 0:
            return 0.0
        return random.Random(f"{self.plan.seed}:delay:{n}").uniform(low, high)
