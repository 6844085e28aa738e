"""UTXO taint allocators: the methodology §1.2 worked example and hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heuristics.taint import Allocation, allocate, fifo_segments, split_proportionally
from tracer.model import TaintModel

BTC = 100_000_000  # sat per BTC

# Methodology §1.2: inputs A = 2 BTC clean, B = 3 BTC stolen; outputs X = 1.0, Y = 3.9; fee 0.1.
INPUTS = [(2 * BTC, 0), (3 * BTC, 3 * BTC)]
OUTPUTS = [1 * BTC, 390_000_000]
FEE = 10_000_000


def test_worked_example_poison() -> None:
    result = allocate(TaintModel.POISON, INPUTS, OUTPUTS, FEE)
    assert result == Allocation(outputs=(1 * BTC, 390_000_000), fee=10_000_000)
    assert result.total == 5 * BTC  # inflated


def test_worked_example_haircut() -> None:
    result = allocate(TaintModel.HAIRCUT, INPUTS, OUTPUTS, FEE)
    assert result == Allocation(outputs=(60_000_000, 234_000_000), fee=6_000_000)
    assert result.total == 3 * BTC


def test_worked_example_fifo() -> None:
    # Tainted segment [2, 5): X = [0, 1) gets 0, Y = [1, 4.9) gets 2.9, fee = [4.9, 5) gets 0.1.
    result = allocate("fifo", INPUTS, OUTPUTS, FEE)
    assert result == Allocation(outputs=(0, 290_000_000), fee=10_000_000)


def test_fifo_input_order_matters() -> None:
    # Swap the inputs: the tainted segment is [0, 3), so X takes 1 and Y takes 2, the fee nothing.
    result = allocate(TaintModel.FIFO, list(reversed(INPUTS)), OUTPUTS, FEE)
    assert result == Allocation(outputs=(1 * BTC, 2 * BTC), fee=0)


def test_haircut_rounding_is_exact_and_deterministic() -> None:
    # 1 sat of taint over three equal outputs: exactly one output gets it, the first one.
    result = allocate(TaintModel.HAIRCUT, [(3, 1)], [1, 1, 1], 0)
    assert result == Allocation(outputs=(1, 0, 0), fee=0)
    # 7 over weights 3,3,1 -> exact 3, 3, 1.
    assert split_proportionally(7, [3, 3, 1]) == [3, 3, 1]
    # 10 over 3 equal weights -> 4, 3, 3 (largest remainder, ties to the first).
    assert split_proportionally(10, [1, 1, 1]) == [4, 3, 3]


def test_fifo_segments_keep_lots() -> None:
    line = [(5, False), (3, True), (2, False)]
    assert fifo_segments(line, [4, 6]) == [[(4, False)], [(1, False), (3, True), (2, False)]]


@pytest.mark.parametrize("model", list(TaintModel))
def test_rejects_unbalanced_transaction(model: TaintModel) -> None:
    with pytest.raises(ValueError):
        allocate(model, [(10, 5)], [6], 3)
    with pytest.raises(ValueError):
        allocate(model, [(10, 11)], [10], 0)


@st.composite
def transactions(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[int], int]:
    values = draw(st.lists(st.integers(0, 10**20), min_size=1, max_size=6))
    inputs = [(v, draw(st.integers(0, v))) for v in values]
    total = sum(values)
    fee = draw(st.integers(0, total))
    remaining = total - fee
    cuts = sorted(draw(st.lists(st.integers(0, remaining), min_size=0, max_size=5)))
    bounds = [0, *cuts, remaining]
    outputs = [b - a for a, b in zip(bounds, bounds[1:], strict=False)]
    return inputs, outputs, fee


@given(transactions())
def test_properties(tx: tuple[list[tuple[int, int]], list[int], int]) -> None:
    inputs, outputs, fee = tx
    taint = sum(t for _, t in inputs)
    poison = allocate(TaintModel.POISON, inputs, outputs, fee)
    for model in (TaintModel.HAIRCUT, TaintModel.FIFO):
        result = allocate(model, inputs, outputs, fee)
        # Conservation, exactly.
        assert sum(result.outputs) + result.fee == taint
        # Bounds.
        assert all(0 <= t <= w for t, w in zip(result.outputs, outputs, strict=True))
        assert 0 <= result.fee <= fee
        # Poison covers the support of every other rule.
        assert all(p >= t for p, t in zip(poison.outputs, result.outputs, strict=True))
        assert poison.fee >= result.fee
        # Determinism.
        assert allocate(model, inputs, outputs, fee) == result
    if taint:
        assert poison.outputs == tuple(outputs)
    else:
        assert poison.total == 0


@given(transactions())
def test_haircut_within_one_unit_of_exact(tx: tuple[list[tuple[int, int]], list[int], int]) -> None:
    inputs, outputs, fee = tx
    total = sum(v for v, _ in inputs)
    taint = sum(t for _, t in inputs)
    result = allocate(TaintModel.HAIRCUT, inputs, outputs, fee)
    for share, weight in zip([*result.outputs, result.fee], [*outputs, fee], strict=True):
        exact_floor = taint * weight // total if total else 0
        assert exact_floor <= share <= exact_floor + 1
