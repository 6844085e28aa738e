"""Value types shared by the UTXO taint allocators (docs/methodology.md §1.1-1.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TaintedInput = tuple[int, int]
"""A UTXO input as ``(value, tainted)`` in base units, with ``0 <= tainted <= value``."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """Tainted amount per output (same order as the outputs given) and the fee's tainted amount."""

    outputs: tuple[int, ...]
    fee: int

    @property
    def total(self) -> int:
        """Σ τ'_j + τ'_fee: equals Σ τ_i for value-conserving models, may exceed it for poison."""
        return sum(self.outputs) + self.fee


def check_transaction(inputs: Sequence[TaintedInput], outputs: Sequence[int], fee: int) -> tuple[int, int]:
    """Validate a UTXO transaction's amounts; return ``(V, τ)`` = total input value and total taint.

    Raises ValueError if a value is negative, an input's taint exceeds its value, or Σv != Σw + fee.
    """
    if fee < 0 or any(w < 0 for w in outputs):
        raise ValueError("output values and fee must be >= 0")
    total_value = 0
    total_taint = 0
    for value, tainted in inputs:
        if value < 0 or not 0 <= tainted <= value:
            raise ValueError(f"input ({value}, {tainted}) needs 0 <= tainted <= value")
        total_value += value
        total_taint += tainted
    if total_value != sum(outputs) + fee:
        raise ValueError(f"inputs {total_value} != outputs {sum(outputs)} + fee {fee}")
    return total_value, total_taint
