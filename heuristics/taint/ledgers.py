"""Running the compiled replay (:mod:`heuristics.taint.kernel`) over slots: register sizing and error reporting."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heuristics.taint.kernel import FIFO, HAIRCUT, OK, POISON, replay_ledgers
from tracer.model import TaintModel

_MODEL = {TaintModel.HAIRCUT: HAIRCUT, TaintModel.FIFO: FIFO, TaintModel.POISON: POISON}
POOL_LIMBS = 2  # the haircut pool's 1e18 sub-unit scale: 60 bits


@dataclass(frozen=True)
class Slots:
    """Amount, taint and origin amount of every slot as ``(slots, limbs)`` int32 limb rows (:mod:`.limbs`).

    The limb count must hold the sum of every amount, taint and origin amount given: no balance, pool or
    share can exceed it, so the replay never needs wider storage. ``taint``/``origin`` are written in place.
    """

    amount: np.ndarray
    taint: np.ndarray
    origin: np.ndarray


def run_ledgers(slots: Slots, ev_slot: np.ndarray, ev_inflow: np.ndarray, starts: np.ndarray,
                model: TaintModel) -> np.ndarray:
    """Replay ledger ``k`` = events ``starts[k]:starts[k+1]`` in order; return ``(ledgers, 3, limbs)`` held
    taint, origin amount and balance. Outflow taint and origin amounts are written into ``slots``."""
    limbs = slots.amount.shape[1]
    # Registers hold the pool (taint × 1e18) times an amount, plus the long division's extra limb.
    width = 2 * limbs + POOL_LIMBS + 1
    held = np.zeros((starts.shape[0] - 1, 3, limbs), np.int32)
    if replay_ledgers(slots.amount, slots.taint, slots.origin, ev_slot, ev_inflow, starts, _MODEL[model], width,
                      held) != OK:
        raise ArithmeticError("ledger replay overflowed its registers: the limb count does not bound the inputs")
    return held
