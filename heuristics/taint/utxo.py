"""UTXO-model taint (methodology §1.2, docs/methodology.md): split a spend's tainted input over outputs and fee.

Haircut splits in proportion to value, FIFO lays the tainted segment on the input line and cuts it by the
outputs in order (fee last; Anderson et al., "Bitcoin Redux", WEIS 2018), poison marks every output. Integer
shares are exact: the floored shares plus one unit for the largest remainders (ties to the earlier position), so
the parts sum to the total and each is within one unit of its exact rational share. Source: BlockSci
``getHaircutTainted`` (citp/BlockSci ``src/heuristics/taint.cpp``).
"""

from __future__ import annotations

from collections.abc import Sequence

from tracer.model import TaintModel


def split_utxo(model: TaintModel, input_total: int, tainted_in: int, origin_in: int,
               outputs: Sequence[int], fee: int, tainted_first_offset: int = 0) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """UTXO form (§1.2): allocate ``tainted_in`` of ``input_total`` over ``outputs`` and the fee.

    Returns ``([(taint_j, origin_j) per output], (fee_taint, fee_origin))``; both sums equal the inputs exactly for
    haircut and FIFO. FIFO lays the tainted segment at ``[tainted_first_offset, offset + tainted_in)`` of the input
    line, outputs in order, fee last. Poison marks every output wholly (reach only) but still splits origin amounts
    by haircut so conservation holds in origin units.
    """
    if tainted_in <= 0 or input_total <= 0:
        return [(0, 0) for _ in outputs], (0, 0)
    amounts = [*outputs, fee]
    if model is TaintModel.FIFO:
        taints = []
        start, end = tainted_first_offset, tainted_first_offset + tainted_in
        cursor = 0
        for w in amounts:
            lo, hi = cursor, cursor + w
            taints.append(max(0, min(hi, end) - max(lo, start)))
            cursor = hi
    else:
        taints = split_proportionally(tainted_in, amounts, input_total)
    origins = split_proportionally(origin_in, taints, tainted_in) if sum(taints) else [0] * len(amounts)
    if model is TaintModel.POISON:
        taints = [w if w > 0 else 0 for w in amounts]
    pairs = list(zip(taints, origins, strict=True))
    return pairs[:-1], pairs[-1]


def split_proportionally(total: int, weights: Sequence[int], denominator: int | None = None) -> list[int]:
    """Split ``total`` by ``weights / denominator`` (default: the weights' sum) exactly, by largest remainder.

    The parts sum to ``total · Σweights / denominator`` (floored), i.e. to ``total`` when the weights make up the
    denominator; each part is within one unit of its exact share. No denominator (all weights zero): all zero.
    """
    if denominator is None:
        denominator = sum(weights)
    if denominator <= 0:
        return [0] * len(weights)
    raw = [total * w for w in weights]
    shares = [r // denominator for r in raw]
    remainders = [r % denominator for r in raw]
    target = total * sum(weights) // denominator if sum(weights) != denominator else total
    missing = target - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: max(0, missing)]:
        shares[i] += 1
    return shares
