"""Haircut taint (proportional) for UTXO transactions: τ'_j = w_j · τ / V, fee gets f · τ / V.

Source: BlockSci ``getHaircutTainted`` (citp/BlockSci ``src/heuristics/taint.cpp``), docs/methodology.md §1.2.
Amounts are integers, so the exact rational shares are floored and the leftover units (at most one per
recipient) go to the largest fractional remainders, ties to the earlier position (outputs in order, fee
last). That makes Σ τ'_j + τ'_fee == τ exactly and keeps every share within one unit of its exact value.
"""

from __future__ import annotations

from collections.abc import Sequence

from heuristics.taint.types import Allocation, TaintedInput, check_transaction


def split_proportionally(total: int, weights: Sequence[int]) -> list[int]:
    """Split integer ``total`` over ``weights`` by largest remainder; the parts sum to ``total`` exactly.

    Part k is floor(total·w_k/W) or that plus one; a part never exceeds its weight when total <= W.
    Ties between equal remainders go to the lower index, so the result is deterministic.
    """
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total:
            raise ValueError("cannot split a positive total over zero weights")
        return [0 for _ in weights]
    parts: list[int] = []
    remainders: list[tuple[int, int]] = []
    for k, weight in enumerate(weights):
        quotient, remainder = divmod(total * weight, weight_sum)
        parts.append(quotient)
        remainders.append((-remainder, k))
    leftover = total - sum(parts)
    # leftover < number of non-zero remainders, so only true fractional parts are rounded up.
    for _, k in sorted(remainders)[:leftover]:
        parts[k] += 1
    return parts


def allocate_haircut(inputs: Sequence[TaintedInput], outputs: Sequence[int], fee: int) -> Allocation:
    """Allocate the inputs' taint over outputs and fee in proportion to value (value-conserving)."""
    _, taint = check_transaction(inputs, outputs, fee)
    parts = split_proportionally(taint, [*outputs, fee])
    return Allocation(outputs=tuple(parts[:-1]), fee=parts[-1])
