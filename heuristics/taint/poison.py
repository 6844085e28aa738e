"""Poison taint for UTXO transactions: every output (and the fee) is fully tainted if any input is.

Source: BlockSci ``getPoisonTainted`` (citp/BlockSci ``src/heuristics/taint.cpp``), docs/methodology.md §1.2.
Poison inflates value, so use it only as a reachability set (which outputs *could* hold stolen value),
never for amounts.
"""

from __future__ import annotations

from collections.abc import Sequence

from heuristics.taint.types import Allocation, TaintedInput, check_transaction


def allocate_poison(inputs: Sequence[TaintedInput], outputs: Sequence[int], fee: int) -> Allocation:
    """τ'_j = w_j (and τ'_fee = fee) when Σ τ_i > 0, else all zero."""
    _, taint = check_transaction(inputs, outputs, fee)
    if taint == 0:
        return Allocation(outputs=tuple(0 for _ in outputs), fee=0)
    return Allocation(outputs=tuple(outputs), fee=fee)
