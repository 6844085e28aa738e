"""Taint / flow-attribution models (docs/methodology.md §1): UTXO allocators and account ledgers.

``allocate(model, inputs, outputs, fee)`` dispatches to the UTXO allocator registered for a
:class:`~tracer.model.TaintModel`; ``make_ledger(model)`` gives the account-model ledger for one
(address, asset); :class:`MultiModelLedger` runs the value-conserving models side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

from heuristics.taint.fifo import allocate_fifo, fifo_segments
from heuristics.taint.haircut import allocate_haircut, split_proportionally
from heuristics.taint.ledger import (
    AccountLedger,
    FifoLedger,
    HaircutLedger,
    LotSlice,
    PoisonLedger,
    make_ledger,
)
from heuristics.taint.poison import allocate_poison
from heuristics.taint.spread import CONSERVING_MODELS, ModelOutflow, MultiModelLedger
from heuristics.taint.types import Allocation, TaintedInput
from tracer.model import TaintModel

Allocator = Callable[[Sequence[TaintedInput], Sequence[int], int], Allocation]

ALLOCATORS = MappingProxyType(
    {
        TaintModel.HAIRCUT: allocate_haircut,
        TaintModel.FIFO: allocate_fifo,
        TaintModel.POISON: allocate_poison,
    }
)
"""UTXO allocator per model (selected by ``CaseParameters.model``)."""


def allocate(
    model: TaintModel | str, inputs: Sequence[TaintedInput], outputs: Sequence[int], fee: int
) -> Allocation:
    """Allocate the taint of ``inputs`` (``(value, tainted)`` pairs) over ``outputs`` and ``fee``.

    Raises ValueError on inconsistent amounts (Σ inputs != Σ outputs + fee) or an unknown model.
    """
    allocator: Allocator = ALLOCATORS[TaintModel(model)]
    return allocator(inputs, outputs, fee)


__all__ = [
    "ALLOCATORS",
    "CONSERVING_MODELS",
    "AccountLedger",
    "Allocation",
    "Allocator",
    "FifoLedger",
    "HaircutLedger",
    "LotSlice",
    "ModelOutflow",
    "MultiModelLedger",
    "PoisonLedger",
    "TaintedInput",
    "allocate",
    "allocate_fifo",
    "allocate_haircut",
    "allocate_poison",
    "fifo_segments",
    "make_ledger",
    "split_proportionally",
]
