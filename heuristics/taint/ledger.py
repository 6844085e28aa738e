"""Account-model taint ledgers, one per (address, asset) (docs/methodology.md §1.3).

Balances pool on account chains, so taint is tracked over time per (address, asset) rather than per
transaction: feed every inflow with :meth:`AccountLedger.credit` and every outflow with
:meth:`AccountLedger.debit`, in canonical chain order (block, tx index, log/trace index).

* Haircut (pool ratio): τ_out = a · T / B, then B -= a, T -= τ_out. T is kept in integers at 1e-18 of a
  base unit and the integer amounts handed out are the differences of the floored running total (a
  carried remainder), so each debit is within one unit of its share and Σ τ_out == Σ τ_in exactly once
  the balance is drained.
* FIFO (Clayton's case): the oldest lots leave first; a partly tainted credit is laid tainted-first.
* Poison: every outflow is fully tainted while tainted value sits in the pool (reachability only); the
  mark clears when the balance is drained to zero.

Source for the rules and the Alice/Bob/Carol example: randomoracle.io, "The myth of tainted blockchain
addresses, part II", as adapted in methodology §1.3.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

from tracer.model import TaintModel

HAIRCUT_SCALE = 10**18
"""Sub-unit precision of the haircut pool: taint is tracked in 1e-18 of a base unit."""


@dataclass(frozen=True, slots=True)
class LotSlice:
    """A part of a credited lot that left in one debit."""

    lot_id: str | None
    amount: int
    tainted: int


class AccountLedger(ABC):
    """Balance and taint of one (address, asset) under one taint model."""

    model: TaintModel

    def __init__(self) -> None:
        self.balance = 0

    def credit(self, amount: int, tainted: int = 0, lot_id: str | None = None) -> None:
        """Record an inflow of ``amount`` base units of which ``tainted`` are stolen."""
        if amount < 0 or not 0 <= tainted <= amount:
            raise ValueError(f"credit ({amount}, {tainted}) needs 0 <= tainted <= amount")
        self.balance += amount
        self._credit(amount, tainted, lot_id)

    def debit(self, amount: int) -> int:
        """Record an outflow of ``amount``; return how much of it is tainted under this model.

        Raises ValueError when ``amount`` exceeds the balance (the caller missed an inflow).
        """
        if not 0 <= amount <= self.balance:
            raise ValueError(f"debit {amount} outside 0..balance {self.balance}")
        tainted = self._debit(amount)
        self.balance -= amount
        return tainted

    @property
    @abstractmethod
    def tainted(self) -> int:
        """Tainted value still in the pool (integer; for haircut the floor of the exact rational)."""

    @abstractmethod
    def _credit(self, amount: int, tainted: int, lot_id: str | None) -> None: ...

    @abstractmethod
    def _debit(self, amount: int) -> int: ...


class HaircutLedger(AccountLedger):
    """Pool-ratio haircut in exact integers with a carried sub-unit remainder (value-conserving).

    The pool's taint is held in units of 1/HAIRCUT_SCALE of a base unit; each debit's share is floored
    at that precision and the integer handed out is the difference of the floored running total, so the
    sub-unit remainder carries to the next debit instead of being lost.
    """

    model = TaintModel.HAIRCUT

    def __init__(self) -> None:
        super().__init__()
        self._taint_scaled = 0  # tainted value in the pool, × HAIRCUT_SCALE
        self._out_scaled = 0  # Σ shares debited, × HAIRCUT_SCALE
        self._credited = 0  # Σ tainted credited
        self._paid_out = 0  # Σ integer taint handed out == _out_scaled // HAIRCUT_SCALE

    @property
    def tainted(self) -> int:
        return self._credited - self._paid_out

    def _credit(self, amount: int, tainted: int, lot_id: str | None) -> None:
        self._taint_scaled += tainted * HAIRCUT_SCALE
        self._credited += tainted

    def _debit(self, amount: int) -> int:
        if amount == 0:
            return 0
        # share <= amount × SCALE because the pool invariant taint_scaled <= balance × SCALE holds; a full
        # drain takes taint_scaled exactly, so everything credited is handed out.
        share = self._taint_scaled * amount // self.balance
        self._taint_scaled -= share
        self._out_scaled += share
        paid = self._out_scaled // HAIRCUT_SCALE - self._paid_out
        self._paid_out += paid
        return paid


@dataclass(slots=True)
class _Lot:
    """A credited lot in the FIFO queue; its tainted part sits at its head."""

    lot_id: str | None
    amount: int
    tainted: int


class FifoLedger(AccountLedger):
    """First-in-first-out lot queue (value-conserving, lossless)."""

    model = TaintModel.FIFO

    def __init__(self) -> None:
        super().__init__()
        self._lots: deque[_Lot] = deque()
        self._tainted = 0

    @property
    def tainted(self) -> int:
        return self._tainted

    def _credit(self, amount: int, tainted: int, lot_id: str | None) -> None:
        if amount:
            self._lots.append(_Lot(lot_id, amount, tainted))
            self._tainted += tainted

    def _debit(self, amount: int) -> int:
        return sum(piece.tainted for piece in self._pop(amount))

    def debit_lots(self, amount: int) -> list[LotSlice]:
        """Like :meth:`debit` but return the lot slices that left, oldest first (provenance per lot)."""
        if not 0 <= amount <= self.balance:
            raise ValueError(f"debit {amount} outside 0..balance {self.balance}")
        pieces = self._pop(amount)
        self.balance -= amount
        return pieces

    def _pop(self, amount: int) -> list[LotSlice]:
        """Take ``amount`` from the head of the queue; the caller updates the balance."""
        pieces: list[LotSlice] = []
        need = amount
        while need:
            lot = self._lots[0]
            take = min(need, lot.amount)
            take_tainted = min(take, lot.tainted)
            pieces.append(LotSlice(lot_id=lot.lot_id, amount=take, tainted=take_tainted))
            need -= take
            self._tainted -= take_tainted
            lot.amount -= take
            lot.tainted -= take_tainted
            if lot.amount == 0:
                self._lots.popleft()
        return pieces


class PoisonLedger(AccountLedger):
    """Poison: outflows are fully tainted while the pool holds taint (not value-conserving)."""

    model = TaintModel.POISON

    def __init__(self) -> None:
        super().__init__()
        self._poisoned = False

    @property
    def tainted(self) -> int:
        return self.balance if self._poisoned else 0

    def _credit(self, amount: int, tainted: int, lot_id: str | None) -> None:
        if tainted:
            self._poisoned = True

    def _debit(self, amount: int) -> int:
        out = amount if self._poisoned else 0
        if amount == self.balance:
            self._poisoned = False
        return out


LEDGERS: dict[TaintModel, type[AccountLedger]] = {
    TaintModel.HAIRCUT: HaircutLedger,
    TaintModel.FIFO: FifoLedger,
    TaintModel.POISON: PoisonLedger,
}


def make_ledger(model: TaintModel) -> AccountLedger:
    """A fresh, empty ledger for ``model``."""
    return LEDGERS[model]()
