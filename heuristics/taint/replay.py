"""Account-model taint: ledger replay for one (address, asset, origin), how much of each outflow is tainted.

Account form of methodology §1.3 (docs/methodology.md). Events are replayed in chain order; tainted inflows carry
``(taint, origin_amount)``. Every outflow (including fees) takes taint by the chosen model:

* haircut: ``a · T / B`` (pool ratio). The pool's taint is held at 1e-18 of a base unit and each outflow is paid
  the difference of the floored running total (a carried remainder), so every prefix of the outflows is within
  one base unit of its exact rational share -- flooring each outflow on its own instead would short a run of
  small outflows by up to one unit each (tests/heuristics/test_taint.py shows a ledger where that is 5.6 units)
  -- and the drain (``a >= B``) takes all that is left, so Σ out + remaining == Σ in exactly;
* FIFO: lots leave in arrival order (Clayton's case);
* poison: an outflow is wholly tainted when any taint is held (reach only, never conserving); the pool itself
  drains by the haircut share, which is also how its origin amounts leave.

Origin amounts leave in proportion to the taint that leaves (``O · τ / T``, floor; drain takes the rest), so the
origin-unit total is conserved exactly whatever the model: Σ out + remaining == Σ in.

The rules run in one compiled implementation, :mod:`heuristics.taint.kernel`, on exact multi-limb integers;
this module is its one-ledger entry point (the engine's), :func:`heuristics.taint.propagate` its many-ledger one.

Sources: BlockSci ``getHaircutTainted`` / ``getPoisonTainted`` (citp/BlockSci ``src/heuristics/taint.cpp``);
randomoracle.io, "The myth of tainted blockchain addresses, part II" (the Alice/Bob/Carol example).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from heuristics.taint.ledgers import Slots, run_ledgers
from heuristics.taint.limbs import from_limbs, limbs_for, to_limbs
from tracer.model import TaintModel


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One balance change: an inflow (``amount > 0`` with ``inflow=True``) or an outflow."""

    key: str  # transfer id, or "fee:<tx>" for gas
    amount: int
    inflow: bool
    taint: int = 0  # inflows only
    origin_amount: int = 0  # inflows only


@dataclass(frozen=True, slots=True)
class Outflow:
    """Taint that left with one outflow event."""

    key: str
    amount: int
    taint: int
    origin_amount: int


@dataclass(frozen=True, slots=True)
class LedgerResult:
    """Replay result: tainted outflows (in event order) and what remains held."""

    outflows: tuple[Outflow, ...]
    remaining_taint: int
    remaining_origin: int
    balance: int


HAIRCUT_SCALE = 10**18
"""Sub-unit precision of the haircut pool: taint is held in 1e-18 of a base unit between outflows."""


def replay(events: Sequence[LedgerEvent], model: TaintModel) -> LedgerResult:
    """Replay ``events`` (already in chain order) under ``model``: one ledger through the compiled kernel.

    Outflows of zero or negative amount move nothing and are skipped; an inflow with a negative amount, taint or
    origin amount is no ledger and raises ``ValueError``.
    """
    n = len(events)
    amounts = [ev.amount if ev.inflow else max(ev.amount, 0) for ev in events]
    taints = [ev.taint if ev.inflow else 0 for ev in events]
    origins = [ev.origin_amount if ev.inflow else 0 for ev in events]
    columns = [*amounts, *taints, *origins]  # converted in one go: a ledger is short, per-call overhead counts
    rows = to_limbs(columns, limbs_for(sum(columns)))
    slots = Slots(rows[:n], rows[n:2 * n], rows[2 * n:])
    inflow = np.fromiter((ev.inflow for ev in events), np.bool_, n)
    held = run_ledgers(slots, np.arange(n, dtype=np.int64), inflow, np.array([0, n], np.int64), model)
    values = from_limbs(np.concatenate((rows[n:], held[0])))
    out_taint, out_origin, remaining = values[:n], values[n:2 * n], values[2 * n:]
    outflows = tuple(Outflow(ev.key, ev.amount, out_taint[i], out_origin[i])
                     for i, ev in enumerate(events) if not ev.inflow and (out_taint[i] or out_origin[i]))
    return LedgerResult(outflows, remaining[0], remaining[1], remaining[2])
