"""Heuristics tests: the compiled taint kernel is loaded (or compiled, once per cache) before any test is timed.

Hypothesis fails an example that runs past its deadline; the first call of the replay in a process loads numba's
compiled code from its on-disk cache (or compiles it on a fresh checkout), which is seconds, not the replay.
"""

from __future__ import annotations

import numpy as np
import pytest

from heuristics.taint import LedgerEvent, propagate, replay
from tracer.model import TaintModel


@pytest.fixture(autouse=True, scope="session")
def _compiled_taint_kernel() -> None:
    for model in TaintModel:
        replay([LedgerEvent("in", 2**70, True, 2**69, 5), LedgerEvent("out", 3, False)], model)
    propagate(np.array([0, 1]), np.array([1, 2]), [5, 2**70], {0: (5, 5)}, TaintModel.HAIRCUT)
