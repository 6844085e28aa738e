"""Account-model ledgers: the methodology §1.3 Alice/Bob/Carol example and hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heuristics.taint import FifoLedger, LotSlice, MultiModelLedger, make_ledger
from tracer.model import TaintModel

ETH = 10**18  # wei


def alice(model: TaintModel) -> tuple[int, int, int]:
    """5 clean, 1 stolen, 5 clean in; 1 to Bob, 10 to Carol; return (bob, carol, left) tainted."""
    ledger = make_ledger(model)
    ledger.credit(5 * ETH, 0, "clean-1")
    ledger.credit(1 * ETH, 1 * ETH, "stolen")
    ledger.credit(5 * ETH, 0, "clean-2")
    bob = ledger.debit(1 * ETH)
    carol = ledger.debit(10 * ETH)
    return bob, carol, ledger.tainted


def test_alice_poison() -> None:
    assert alice(TaintModel.POISON) == (1 * ETH, 10 * ETH, 0)


def test_alice_haircut() -> None:
    bob, carol, left = alice(TaintModel.HAIRCUT)
    # Bob: 1 · 1/11 ETH = 90909090909090909.09 wei -> floor; Carol gets the rest (exactly 10/11 ETH + carry).
    assert bob == ETH // 11 == 90_909_090_909_090_909
    assert carol == ETH - bob == 909_090_909_090_909_091
    assert left == 0


def test_alice_fifo() -> None:
    # Bob takes 1 of the oldest 5 clean; Carol takes 4 clean, 1 stolen, 5 clean.
    assert alice(TaintModel.FIFO) == (0, 1 * ETH, 0)


def test_fifo_debit_lots_keeps_provenance() -> None:
    ledger = FifoLedger()
    ledger.credit(5, 0, "a")
    ledger.credit(3, 2, "b")
    assert ledger.debit_lots(6) == [LotSlice("a", 5, 0), LotSlice("b", 1, 1)]
    assert ledger.balance == 2 and ledger.tainted == 1


def test_haircut_carries_remainder() -> None:
    # 1 wei of taint in a pool of 3: three debits of 1 each hand out 0, 0, 1 (floor of the running total
    # 1/3, 2/3, 3/3), never losing the unit.
    ledger = make_ledger(TaintModel.HAIRCUT)
    ledger.credit(3, 1)
    assert [ledger.debit(1) for _ in range(3)] == [0, 0, 1]
    # 2 wei of taint in a pool of 3: running totals 2/3, 4/3, 6/3 -> 0, 1, 1.
    ledger.credit(3, 2)
    assert [ledger.debit(1) for _ in range(3)] == [0, 1, 1]


def test_poison_clears_when_drained() -> None:
    ledger = make_ledger(TaintModel.POISON)
    ledger.credit(10, 1)
    assert ledger.debit(4) == 4
    assert ledger.debit(6) == 6
    ledger.credit(5, 0)
    assert ledger.debit(5) == 0


def test_overdraw_raises() -> None:
    ledger = make_ledger(TaintModel.FIFO)
    ledger.credit(5, 5)
    with pytest.raises(ValueError):
        ledger.debit(6)
    with pytest.raises(ValueError):
        ledger.credit(5, 6)


def test_multi_model_spread_on_alice() -> None:
    ledger = MultiModelLedger()
    ledger.credit(5 * ETH, 0)
    ledger.credit(1 * ETH, 1 * ETH)
    ledger.credit(5 * ETH, 0)
    bob = ledger.debit(1 * ETH)
    assert bob.tainted[TaintModel.FIFO] == 0
    assert bob.tainted[TaintModel.HAIRCUT] == ETH // 11
    assert bob.tainted[TaintModel.POISON] == ETH
    assert bob.spread == ETH // 11 and (bob.low, bob.high) == (0, ETH // 11)
    carol = ledger.debit(10 * ETH)
    assert carol.tainted[TaintModel.FIFO] == ETH
    assert carol.spread == ETH // 11


def test_multi_model_pass_through_has_no_spread() -> None:
    # A Lazarus pass-through wallet: receives stolen value and is drained -> every model agrees.
    ledger = MultiModelLedger()
    ledger.credit(10_000 * ETH, 10_000 * ETH)
    outs = [ledger.debit(a) for a in (3_000 * ETH, 3_000 * ETH, 4_000 * ETH)]
    assert [o.spread for o in outs] == [0, 0, 0]
    assert sum(o.tainted[TaintModel.HAIRCUT] for o in outs) == 10_000 * ETH


Op = tuple[str, int, int]


@st.composite
def histories(draw: st.DrawFn) -> list[Op]:
    """A random sequence of credits and debits ending with a full drain."""
    ops: list[Op] = []
    balance = 0
    for _ in range(draw(st.integers(1, 25))):
        if balance and draw(st.booleans()):
            amount = draw(st.integers(0, balance))
            ops.append(("debit", amount, 0))
            balance -= amount
        else:
            amount = draw(st.integers(0, 10**24))
            ops.append(("credit", amount, draw(st.integers(0, amount))))
            balance += amount
    ops.append(("debit", balance, 0))
    return ops


@given(histories())
def test_ledger_properties(ops: list[Op]) -> None:
    taint_in = sum(t for kind, _, t in ops if kind == "credit")
    outs: dict[TaintModel, list[int]] = {}
    for model in TaintModel:
        ledger = make_ledger(model)
        outs[model] = []
        for kind, amount, tainted in ops:
            if kind == "credit":
                ledger.credit(amount, tainted)
            else:
                out = ledger.debit(amount)
                assert 0 <= out <= amount  # bounds
                outs[model].append(out)
        assert ledger.balance == 0
    for model in (TaintModel.HAIRCUT, TaintModel.FIFO):
        assert sum(outs[model]) == taint_in  # exact conservation once drained
        # Poison covers the support of every conserving model.
        assert all(p >= t for p, t in zip(outs[TaintModel.POISON], outs[model], strict=True))
    # Determinism: a second run gives the same outflows.
    again = make_ledger(TaintModel.HAIRCUT)
    replay = []
    for kind, amount, tainted in ops:
        if kind == "credit":
            again.credit(amount, tainted)
        else:
            replay.append(again.debit(amount))
    assert replay == outs[TaintModel.HAIRCUT]


@given(histories())
def test_haircut_tracks_exact_pool_ratio(ops: list[Op]) -> None:
    from fractions import Fraction

    ledger = make_ledger(TaintModel.HAIRCUT)
    balance, taint, exact_out, paid = 0, Fraction(0), Fraction(0), 0
    for kind, amount, tainted in ops:
        if kind == "credit":
            ledger.credit(amount, tainted)
            balance, taint = balance + amount, taint + tainted
        elif amount:
            share = taint * amount / balance
            balance, taint, exact_out = balance - amount, taint - share, exact_out + share
            paid += ledger.debit(amount)
            # The running integer total trails the exact running total by less than one unit (plus the
            # 1e-18-unit flooring of each share).
            assert exact_out - 1 - Fraction(len(ops), 10**18) < paid <= exact_out
