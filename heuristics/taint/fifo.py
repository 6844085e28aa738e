"""FIFO taint (Clayton's case) for UTXO transactions, fee paid last.

Rule (docs/methodology.md §1.2; Anderson et al., "Bitcoin Redux", WEIS 2018; TaintChain README: "transaction
outputs get paid first, in the order in which the transactions are listed"): lay the inputs on a line in
input order, input i occupying [I_{i-1}, I_i); lay the outputs in output order with the fee last,
O_j = [W_{j-1}, W_j); τ'_j = |O_j ∩ tainted segments|.

An input given as ``(value, tainted)`` carries no order of its lots, so its tainted part is laid at the head
of its segment (the engine can keep lots exact by passing segments to :func:`fifo_segments`).
"""

from __future__ import annotations

from collections.abc import Sequence

from heuristics.taint.types import Allocation, TaintedInput, check_transaction

Segment = tuple[int, bool]
"""A run of value on the FIFO line: ``(amount, tainted)``."""


def input_segments(inputs: Sequence[TaintedInput]) -> list[Segment]:
    """The FIFO line for ``(value, tainted)`` inputs: each input's tainted part first, then its clean part."""
    line: list[Segment] = []
    for value, tainted in inputs:
        if tainted:
            line.append((tainted, True))
        if value - tainted:
            line.append((value - tainted, False))
    return line


def fifo_segments(line: Sequence[Segment], outputs: Sequence[int]) -> list[list[Segment]]:
    """Cut the ordered value ``line`` into consecutive pieces of the given sizes (outputs then fee).

    Returns, per output, the segments it receives in order. ``sum(outputs)`` must equal the line's total.
    """
    if sum(amount for amount, _ in line) != sum(outputs):
        raise ValueError("FIFO line and outputs differ in total value")
    pieces: list[list[Segment]] = []
    position = 0  # index into line
    used = 0  # value of line[position] already handed out
    for size in outputs:
        piece: list[Segment] = []
        need = size
        while need:
            amount, tainted = line[position]
            take = min(need, amount - used)
            piece.append((take, tainted))
            need -= take
            used += take
            if used == amount:
                position, used = position + 1, 0
        pieces.append(piece)
    return pieces


def allocate_fifo(inputs: Sequence[TaintedInput], outputs: Sequence[int], fee: int) -> Allocation:
    """Allocate taint first-in-first-out over outputs in order, the fee last (value-conserving)."""
    check_transaction(inputs, outputs, fee)
    pieces = fifo_segments(input_segments(inputs), [*outputs, fee])
    taints = [sum(amount for amount, tainted in piece if tainted) for piece in pieces]
    return Allocation(outputs=tuple(taints[:-1]), fee=taints[-1])
