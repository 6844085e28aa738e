"""The account ledger replay as it ran before it was compiled (heuristics/taint/replay.py at 3d6880e), verbatim.

Kept only as the oracle of tests/heuristics/test_taint_kernel.py: the compiled kernel must allocate exactly the
base units this Python-int replay allocated, on every ledger, for every model.
"""

from __future__ import annotations

from collections import deque

from heuristics.taint import LedgerEvent, LedgerResult, Outflow
from tracer.model import TaintModel

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


def oracle_replay(events: list[LedgerEvent], model: TaintModel) -> LedgerResult:
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
