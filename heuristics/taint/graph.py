"""Taint over a whole transfer graph: every sender's ledger replayed once, in first-send order.

What the engine does node by node (:func:`heuristics.taint.replay` per address), for a graph held in memory at
once (benchmarks, bulk runs): each address's ledger is its transfers in time order (index order), inflows where
it receives and outflows where it sends (a self-transfer is two outflows, as a per-address history lists it
twice), replayed by the same compiled kernel. First-send order is topological when every address receives all it
gets before it first sends; otherwise an inflow counts with whatever taint its sender's replay gave it so far.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from heuristics.taint.ledgers import Slots, run_ledgers
from heuristics.taint.limbs import from_limbs, limbs_for, to_limbs
from tracer.model import TaintModel


@dataclass(frozen=True)
class GraphTaint:
    """Per-transfer taint and origin amount after propagation."""

    taint: list[int]
    origin: list[int]


def propagate(src: np.ndarray, dst: np.ndarray, amount: Sequence[int], seeds: Mapping[int, tuple[int, int]],
              model: TaintModel) -> GraphTaint:
    """Taint of every transfer ``i`` (``src[i] -> dst[i]``, ``amount[i]``, in time order) from ``seeds``.

    ``seeds`` maps transfer indexes to the ``(taint, origin amount)`` they carry from the start (thefts); a
    seed's sender replays like any address but only overwrites the seed with taint it holds itself.
    """
    n = len(amount)
    limbs = limbs_for(sum(amount) + sum(t + o for t, o in seeds.values()))
    taint = np.zeros((n, limbs), np.int32)
    origin = np.zeros((n, limbs), np.int32)
    if seeds:
        index = np.fromiter(seeds, np.int64, len(seeds))
        taint[index] = to_limbs([t for t, _ in seeds.values()], limbs)
        origin[index] = to_limbs([o for _, o in seeds.values()], limbs)
    slots = Slots(to_limbs(amount, limbs), taint, origin)
    ev_slot, ev_inflow, starts = sender_ledgers(np.asarray(src, np.int64), np.asarray(dst, np.int64))
    run_ledgers(slots, ev_slot, ev_inflow, starts, model)
    taints = from_limbs(slots.taint)
    # Origin amounts usually equal the taint (one origin's own taint): convert only the rows that differ.
    differ = np.flatnonzero((slots.origin != slots.taint).any(axis=1))
    origins = taints.copy()
    for i, value in zip(differ.tolist(), from_limbs(slots.origin[differ]), strict=True):
        origins[i] = value
    return GraphTaint(taints, origins)


@njit(cache=True)
def sender_ledgers(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events of every sender's ledger, ledgers in first-send order: ``(slot, inflow, starts)``."""
    n = src.shape[0]
    nodes = 0
    for i in range(n):
        nodes = max(nodes, src[i] + 1, dst[i] + 1)
    rank = np.full(nodes, -1, np.int64)
    senders = 0
    for i in range(n):
        if rank[src[i]] < 0:
            rank[src[i]] = senders
            senders += 1
    starts = np.zeros(senders + 1, np.int64)
    for i in range(n):
        starts[rank[src[i]] + 1] += 1
        if rank[dst[i]] >= 0:
            starts[rank[dst[i]] + 1] += 1
    for k in range(senders):
        starts[k + 1] += starts[k]
    fill = starts[:-1].copy()
    ev_slot = np.empty(starts[senders], np.int64)
    ev_inflow = np.empty(starts[senders], np.bool_)
    for i in range(n):
        k = rank[src[i]]
        ev_slot[fill[k]] = i
        ev_inflow[fill[k]] = False
        fill[k] += 1
        k = rank[dst[i]]
        if k >= 0:
            ev_slot[fill[k]] = i
            ev_inflow[fill[k]] = dst[i] != src[i]
            fill[k] += 1
    return ev_slot, ev_inflow, starts
