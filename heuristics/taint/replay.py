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

Sources: BlockSci ``getHaircutTainted`` / ``getPoisonTainted`` (citp/BlockSci ``src/heuristics/taint.cpp``);
randomoracle.io, "The myth of tainted blockchain addresses, part II" (the Alice/Bob/Carol example).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

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


class _HaircutPool:
    """Pool-ratio haircut in exact integers with a carried sub-unit remainder."""

    def __init__(self) -> None:
        self.scaled = 0  # taint in the pool × HAIRCUT_SCALE
        self.out_scaled = 0  # Σ shares paid out × HAIRCUT_SCALE
        self.paid = 0  # Σ integer taint paid out == out_scaled // HAIRCUT_SCALE

    def credit(self, taint: int) -> None:
        self.scaled += taint * HAIRCUT_SCALE

    def take(self, amount: int, balance: int) -> int:
        """The integer taint leaving with ``amount`` of ``balance`` (all of it on a drain)."""
        share = self.scaled if amount >= balance else self.scaled * amount // balance
        self.scaled -= share
        self.out_scaled += share
        paid = self.out_scaled // HAIRCUT_SCALE - self.paid
        self.paid += paid
        return paid


def replay(events: list[LedgerEvent], model: TaintModel) -> LedgerResult:
    """Replay ``events`` (already in chain order) under ``model``."""
    balance = 0
    taint = 0  # integer taint held
    origin = 0
    pool = _HaircutPool()  # haircut, and poison's pool drain
    lots: deque[list[int]] = deque()  # FIFO lots: [amount, taint] (taint == amount or 0 per lot part)
    out: list[Outflow] = []
    for ev in events:
        if ev.inflow:
            balance += ev.amount
            taint += ev.taint
            origin += ev.origin_amount
            pool.credit(ev.taint)
            if model is TaintModel.FIFO:
                if ev.taint:
                    lots.append([ev.taint, ev.taint])
                if ev.amount - ev.taint > 0:
                    lots.append([ev.amount - ev.taint, 0])
            continue
        amount = ev.amount
        if amount <= 0:
            continue
        # Missing history (beacon withdrawals, coinbase) can make the replayed balance too small: never let it
        # go negative -- treat the shortfall as clean money that was there.
        if amount > balance:
            if model is TaintModel.FIFO:
                lots.appendleft([amount - balance, 0])
            balance = amount
        if model is TaintModel.FIFO:
            spent = min(_consume(lots, amount), taint)
        else:
            spent = pool.take(amount, balance) if taint > 0 else 0
        o_out = (origin if spent >= taint else origin * spent // taint) if spent > 0 and taint > 0 else 0
        tau = amount if model is TaintModel.POISON and taint > 0 else spent
        taint -= spent
        origin -= o_out
        balance -= amount
        if tau > 0 or o_out > 0:
            out.append(Outflow(ev.key, amount, tau, o_out))
    return LedgerResult(tuple(out), taint, origin, balance)


def _consume(lots: deque[list[int]], amount: int) -> int:
    """Pop ``amount`` from the head of the lot queue; return the tainted part taken."""
    tainted = 0
    while amount > 0 and lots:
        lot = lots[0]
        take = min(amount, lot[0])
        if lot[1]:
            tainted += take
            lot[1] -= take
        lot[0] -= take
        amount -= take
        if lot[0] == 0:
            lots.popleft()
    return tainted
