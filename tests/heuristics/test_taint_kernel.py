"""The compiled ledger replay allocates exactly the base units the Python-int replay did, at every width.

Oracle: tests/heuristics/taint_oracle.py (the replay before it was compiled, verbatim). Amounts range from a few
units to far beyond uint256 so the kernel runs with one limb and with a dozen, and the Python-int <-> limb
conversion takes both its paths (one int64 word below 2**62, bytes above).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from heuristics.taint import LedgerEvent, propagate, replay
from heuristics.taint.graph import sender_ledgers
from heuristics.taint.kernel import MASK, SHIFT, floordiv, mul
from heuristics.taint.ledgers import Slots, run_ledgers
from heuristics.taint.limbs import WORD_LIMIT, from_limbs, limbs_for, to_limbs
from tests.heuristics.taint_oracle import oracle_replay
from tracer.model import TaintModel

# Magnitudes: base units of a cheap token, wei of a few ETH, uint256 wei, and past uint256.
MAGNITUDES = st.sampled_from([10**3, 2**62, 2**100, 2**256, 2**400])


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerEvent]:
    """Chain-ordered events at one magnitude: inflows with any taint (also above the amount) and origin amount,
    outflows of any size (zero and beyond the balance too)."""
    top = draw(MAGNITUDES)
    value = st.one_of(st.integers(0, top), st.sampled_from([0, 1, WORD_LIMIT, WORD_LIMIT + 1, top]))
    ops = draw(st.lists(st.tuples(st.booleans(), value, value, value), min_size=1, max_size=30))
    return [LedgerEvent(f"e{i}", amount, inflow, taint if inflow else 0, origin if inflow else 0)
            for i, (inflow, amount, taint, origin) in enumerate(ops)]


@settings(max_examples=300, deadline=None)
@given(ledgers(), st.sampled_from(list(TaintModel)))
def test_kernel_allocates_what_the_python_replay_allocated(events: list[LedgerEvent], model: TaintModel) -> None:
    assert replay(events, model) == oracle_replay(events, model)


@settings(max_examples=100, deadline=None)
@given(ledgers(), st.sampled_from(list(TaintModel)), st.integers(1, 8))
def test_wider_limbs_change_nothing(events: list[LedgerEvent], model: TaintModel, extra: int) -> None:
    """The same ledger with the minimal limb count and with ``extra`` more: identical allocations."""
    results = []
    for pad in (0, extra):
        limbs = limbs_for(sum(e.amount + e.taint + e.origin_amount for e in events)) + pad
        slots = Slots(to_limbs([e.amount for e in events], limbs), to_limbs([e.taint for e in events], limbs),
                      to_limbs([e.origin_amount for e in events], limbs))
        inflow = np.array([e.inflow for e in events], np.bool_)
        held = run_ledgers(slots, np.arange(len(events), dtype=np.int64), inflow,
                           np.array([0, len(events)], np.int64), model)
        results.append((from_limbs(slots.taint), from_limbs(slots.origin), from_limbs(held[0])))
    assert results[0] == results[1]


@given(st.lists(st.one_of(st.integers(0, 2**70), st.integers(0, 2**300),
                          st.sampled_from([0, WORD_LIMIT, WORD_LIMIT + 1, 2**256 - 1])), max_size=20),
       st.integers(0, 4))
def test_limb_conversion_round_trips_on_both_paths(values: list[int], pad: int) -> None:
    limbs = limbs_for(max(values, default=0)) + pad
    rows = to_limbs(values, limbs)
    assert from_limbs(rows) == values
    assert all(sum(int(limb) << (SHIFT * j) for j, limb in enumerate(row)) == v for row, v in zip(rows, values,
                                                                                               strict=True))


def test_conversion_refuses_what_it_cannot_hold() -> None:
    for values, limbs in (([-1], 2), ([2**60], 2), ([2**200], 3)):
        try:
            to_limbs(values, limbs)
        except ValueError:
            continue
        raise AssertionError(f"{values} in {limbs} limbs was accepted")


def _limbs(value: int, n: int) -> np.ndarray:
    return np.array([(value >> (SHIFT * i)) & MASK for i in range(n)], np.int64)


def _value(limbs: np.ndarray) -> int:
    return sum(int(x) << (SHIFT * i) for i, x in enumerate(limbs))


# Limbs at the edges of long division: all-ones, a lone top bit, zeros, so the quotient estimate is off by one
# and the add-back step runs (Knuth's D6), which random values almost never reach.
EDGE_LIMB = st.sampled_from([0, 1, MASK, MASK - 1, 1 << (SHIFT - 1), (1 << (SHIFT - 1)) - 1])
EDGY = st.lists(st.one_of(EDGE_LIMB, st.integers(0, MASK)), min_size=1, max_size=9).map(
    lambda ls: sum(x << (SHIFT * i) for i, x in enumerate(ls)))


@settings(max_examples=500, deadline=None)
@given(EDGY, EDGY, EDGY)
def test_limb_multiply_and_floor_divide_are_exact(a: int, b: int, d: int) -> None:
    width = 20
    prod = np.zeros(width, np.int64)
    assert mul(prod, _limbs(a, width), _limbs(b, width))
    assert _value(prod) == a * b
    if d == 0:
        return
    q = np.zeros(width, np.int64)
    assert floordiv(q, prod, _limbs(d, width), np.zeros(width + 2, np.int64), np.zeros(width + 1, np.int64))
    assert _value(q) == a * b // d


def test_add_back_step_is_exercised() -> None:
    """Divisions whose quotient estimate is one too large even after the two-limb check, so the add-back step
    runs (found by simulating the estimate over edge limbs; random values almost never reach it)."""
    for n, d in ((1329227995165945853261116924978266110, 1237940038708919523132571647),
                 (1532495540865888855699891036818417478249426780592013312, 618970018489768633916456959),
                 (1406006562871917134035634832394670000239017984, 1237940039285380273288511488)):
        q = np.zeros(8, np.int64)
        assert floordiv(q, _limbs(n, 8), _limbs(d, 8), np.zeros(10, np.int64), np.zeros(9, np.int64))
        assert _value(q) == n // d


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], dict[int, tuple[int, int]]]:
    """Transfers among a few addresses in time order (self-transfers and cycles too), some seeded as thefts."""
    nodes = draw(st.integers(2, 8))
    top = draw(MAGNITUDES)
    n = draw(st.integers(1, 40))
    src = draw(st.lists(st.integers(0, nodes - 1), min_size=n, max_size=n))
    dst = draw(st.lists(st.integers(0, nodes - 1), min_size=n, max_size=n))
    amount = draw(st.lists(st.integers(1, top), min_size=n, max_size=n))
    seeded = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3))
    seeds = {i: (amount[i], draw(st.integers(0, top))) for i in seeded}
    return src, dst, amount, seeds


def _node_by_node(src: list[int], dst: list[int], amount: list[int], seeds: dict[int, tuple[int, int]],
                  model: TaintModel) -> tuple[list[int], list[int]]:
    """What the engine does: each sender's history, in first-send order, through the oracle replay."""
    taint, origin = [0] * len(src), [0] * len(src)
    for i, (t, o) in seeds.items():
        taint[i], origin[i] = t, o
    incident: dict[int, list[int]] = {}
    for i in range(len(src)):
        incident.setdefault(src[i], []).append(i)
        incident.setdefault(dst[i], []).append(i)
    for v in dict.fromkeys(src):
        events = [LedgerEvent(str(i), amount[i], inflow=False) if src[i] == v
                  else LedgerEvent(str(i), amount[i], inflow=True, taint=taint[i], origin_amount=origin[i])
                  for i in incident[v]]
        for out in oracle_replay(events, model).outflows:
            taint[int(out.key)], origin[int(out.key)] = out.taint, out.origin_amount
    return taint, origin


@settings(max_examples=200, deadline=None)
@given(graphs(), st.sampled_from(list(TaintModel)))
def test_propagate_is_the_replay_of_every_sender(graph: tuple[list[int], list[int], list[int],
                                                              dict[int, tuple[int, int]]],
                                                 model: TaintModel) -> None:
    src, dst, amount, seeds = graph
    result = propagate(np.array(src, np.int64), np.array(dst, np.int64), amount, seeds, model)
    assert (result.taint, result.origin) == _node_by_node(src, dst, amount, seeds, model)


def test_sender_ledgers_lists_a_self_transfer_twice_as_outflows() -> None:
    slot, inflow, starts = sender_ledgers(np.array([0, 1, 1], np.int64), np.array([1, 1, 2], np.int64))
    assert starts.tolist() == [0, 1, 5]
    assert list(zip(slot.tolist(), inflow.tolist(), strict=True)) == [(0, False), (0, True), (1, False), (1, False),
                                                                       (2, False)]


def test_negative_inflow_is_refused() -> None:
    try:
        replay([LedgerEvent("in", -5, True)], TaintModel.HAIRCUT)
    except ValueError:
        return
    raise AssertionError("a negative inflow was replayed")
