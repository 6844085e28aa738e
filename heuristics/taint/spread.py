"""Run every value-conserving taint model in parallel and report the model spread per outflow.

Methodology §1.3 ("Key operational insight"): on pass-through wallets drained to ~0 every value-conserving
rule sends the full taint downstream; the models only disagree at commingled nodes. The spread
S_e = max_m τ_m(e) − min_m τ_m(e) per edge says which: small spread = traced, large spread = commingled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from heuristics.taint.ledger import AccountLedger, make_ledger
from tracer.model import TaintModel

CONSERVING_MODELS: tuple[TaintModel, ...] = (TaintModel.HAIRCUT, TaintModel.FIFO)
"""Value-conserving models run by default (poison is reach-only and kept out of the spread)."""


@dataclass(frozen=True, slots=True)
class ModelOutflow:
    """Tainted amount of one outflow under each model, and the spread over the conserving ones."""

    amount: int
    tainted: Mapping[TaintModel, int]
    spread: int

    @property
    def low(self) -> int:
        """Smallest tainted amount among the conserving models."""
        return min(v for m, v in self.tainted.items() if m is not TaintModel.POISON)

    @property
    def high(self) -> int:
        """Largest tainted amount among the conserving models."""
        return max(v for m, v in self.tainted.items() if m is not TaintModel.POISON)


class MultiModelLedger:
    """One (address, asset) pool tracked under several taint models at once."""

    def __init__(self, models: Iterable[TaintModel] = (*CONSERVING_MODELS, TaintModel.POISON)) -> None:
        self.ledgers: dict[TaintModel, AccountLedger] = {m: make_ledger(m) for m in models}
        if not any(m is not TaintModel.POISON for m in self.ledgers):
            raise ValueError("MultiModelLedger needs at least one value-conserving model")

    @property
    def balance(self) -> int:
        """Balance of the pool (identical under every model)."""
        return next(iter(self.ledgers.values())).balance

    def tainted(self) -> Mapping[TaintModel, int]:
        """Tainted value still in the pool, per model."""
        return MappingProxyType({m: ledger.tainted for m, ledger in self.ledgers.items()})

    def credit(self, amount: int, tainted: int = 0, lot_id: str | None = None) -> None:
        """Record an inflow under every model."""
        for ledger in self.ledgers.values():
            ledger.credit(amount, tainted, lot_id)

    def debit(self, amount: int) -> ModelOutflow:
        """Record an outflow under every model; return the tainted amount per model and the spread."""
        if not 0 <= amount <= self.balance:
            raise ValueError(f"debit {amount} outside 0..balance {self.balance}")
        tainted = {m: ledger.debit(amount) for m, ledger in self.ledgers.items()}
        conserving = [v for m, v in tainted.items() if m is not TaintModel.POISON]
        return ModelOutflow(amount=amount, tainted=MappingProxyType(tainted),
                            spread=max(conserving) - min(conserving))
