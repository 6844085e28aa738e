"""The taint models the engine runs: worked examples of methodology §1.2-§1.3 and exact conservation proofs."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from heuristics.taint import LedgerEvent, replay, split_proportionally, split_utxo
from tracer.model import TaintModel

E = 10**18
SAT = 10**8


def alice() -> list[LedgerEvent]:
    """§1.3: Alice holds 5 clean ETH, receives 1 stolen, then 5 clean, sends 1 to Bob, then 10 to Carol."""
    return [LedgerEvent("c1", 5 * E, True), LedgerEvent("s", E, True, E, E), LedgerEvent("c2", 5 * E, True),
            LedgerEvent("bob", E, False), LedgerEvent("carol", 10 * E, False)]


def test_account_worked_example_haircut() -> None:
    out = {o.key: o for o in replay(alice(), TaintModel.HAIRCUT).outflows}
    assert out["bob"].taint == E // 11 and out["bob"].taint + out["carol"].taint == E  # 0.0909 and 0.909
    assert out["bob"].origin_amount + out["carol"].origin_amount == E


def test_account_worked_example_fifo() -> None:
    result = replay(alice(), TaintModel.FIFO)
    out = {o.key: o.taint for o in result.outflows}
    assert "bob" not in out and out["carol"] == E and result.remaining_taint == 0


def test_account_worked_example_poison_marks_everything_but_conserves_origin() -> None:
    result = replay(alice(), TaintModel.POISON)
    out = {o.key: o for o in result.outflows}
    assert out["bob"].taint == E and out["carol"].taint == 10 * E  # reach only
    assert out["bob"].origin_amount + out["carol"].origin_amount == E


def test_utxo_worked_example() -> None:
    """§1.2: inputs A = 2 BTC clean, B = 3 BTC stolen; outputs X = 1.0, Y = 3.9, fee 0.1."""
    outputs, fee = [SAT, 39 * SAT // 10], SAT // 10
    haircut = split_utxo(TaintModel.HAIRCUT, 5 * SAT, 3 * SAT, 3 * SAT, outputs, fee)
    assert haircut == ([(60_000_000, 60_000_000), (234_000_000, 234_000_000)], (6_000_000, 6_000_000))
    fifo = split_utxo(TaintModel.FIFO, 5 * SAT, 3 * SAT, 3 * SAT, outputs, fee, tainted_first_offset=2 * SAT)
    assert fifo == ([(0, 0), (290_000_000, 290_000_000)], (10_000_000, 10_000_000))
    poison = split_utxo(TaintModel.POISON, 5 * SAT, 3 * SAT, 3 * SAT, outputs, fee)
    assert [t for t, _ in poison[0]] == outputs and sum(o for _, o in poison[0]) + poison[1][1] == 3 * SAT


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 10**20), st.booleans()), min_size=1, max_size=40),
       st.sampled_from([TaintModel.HAIRCUT, TaintModel.FIFO]))
def test_replay_conserves_origin_exactly(ops: list[tuple[bool, int, bool]], model: TaintModel) -> None:
    events = [LedgerEvent(f"e{i}", amount, inflow, amount if (inflow and tainted) else 0,
                          amount if (inflow and tainted) else 0)
              for i, (inflow, amount, tainted) in enumerate(ops)]
    stolen = sum(e.origin_amount for e in events)
    result = replay(events, model)
    assert sum(o.origin_amount for o in result.outflows) + result.remaining_origin == stolen
    assert all(0 <= o.taint <= o.amount for o in result.outflows)


@given(st.lists(st.integers(1, 10**12), min_size=1, max_size=12), st.integers(0, 10**6), st.data())
def test_split_conserves_exactly(outputs: list[int], fee: int, data: st.DataObject) -> None:
    total = sum(outputs) + fee
    tainted = data.draw(st.integers(0, total))
    for model in (TaintModel.HAIRCUT, TaintModel.FIFO):
        shares, (fee_taint, fee_origin) = split_utxo(model, total, tainted, tainted, outputs, fee)
        assert sum(t for t, _ in shares) + fee_taint == tainted
        assert sum(o for _, o in shares) + fee_origin == tainted
        assert all(0 <= t <= w for (t, _), w in zip(shares, outputs, strict=True))


def exact_haircut_prefixes(events: list[LedgerEvent]) -> list[tuple[str, Fraction]]:
    """The exact rational haircut (methodology §1.3) of every outflow, as running totals."""
    balance, taint, total = Fraction(0), Fraction(0), Fraction(0)
    out = []
    for ev in events:
        if ev.inflow:
            balance, taint = balance + ev.amount, taint + ev.taint
            continue
        balance = max(balance, Fraction(ev.amount))
        share = taint if ev.amount >= balance else taint * ev.amount / balance
        balance, taint, total = balance - ev.amount, taint - share, total + share
        out.append((ev.key, total))
    return out


LEDGERS = st.lists(st.tuples(st.booleans(), st.integers(1, 10**20), st.integers(0, 10**20), st.integers(0, 10**20)),
                   min_size=1, max_size=40)


def ledger(ops: list[tuple[bool, int, int, int]]) -> list[LedgerEvent]:
    """Random chain-ordered events: inflows partly tainted (taint <= amount) with any origin amount."""
    return [LedgerEvent(f"e{i}", amount, inflow, min(taint, amount) if inflow else 0, origin if inflow else 0)
            for i, (inflow, amount, taint, origin) in enumerate(ops)]


@given(LEDGERS, st.sampled_from(list(TaintModel)))
def test_every_model_conserves_origin_exactly_per_origin(ops: list[tuple[bool, int, int, int]],
                                                         model: TaintModel) -> None:
    """Σ origin out + origin held == Σ origin in, in base units, on any ledger and under every model."""
    events = ledger(ops)
    result = replay(events, model)
    assert sum(o.origin_amount for o in result.outflows) + result.remaining_origin == sum(
        e.origin_amount for e in events)
    assert all(o.origin_amount >= 0 and 0 <= o.taint <= o.amount for o in result.outflows)


@given(LEDGERS, st.sampled_from([TaintModel.HAIRCUT, TaintModel.FIFO]))
def test_value_conserving_models_conserve_taint_exactly(ops: list[tuple[bool, int, int, int]],
                                                        model: TaintModel) -> None:
    events = ledger(ops)
    result = replay(events, model)
    assert sum(o.taint for o in result.outflows) + result.remaining_taint == sum(e.taint for e in events)


@given(LEDGERS)
def test_haircut_prefixes_are_within_one_unit_of_the_exact_shares(ops: list[tuple[bool, int, int, int]]) -> None:
    """Why the carried remainder was kept: every running total of haircut outflows is the exact one, floored
    (to the 1e-18 sub-unit), so no run of outflows is shorted by more than one base unit."""
    events = ledger(ops)
    paid = {o.key: o.taint for o in replay(events, TaintModel.HAIRCUT).outflows}
    total = 0
    for key, exact in exact_haircut_prefixes(events):
        total += paid.get(key, 0)
        assert exact - 1 < total <= exact + Fraction(1, 10**9)


def test_small_outflows_are_not_shorted_one_unit_each() -> None:
    """36 units with 29 tainted leave as seven outflows of 1, then the 29 left. Flooring each outflow on its own (the
    engine's former copy) paid the seven 0 each, 5.6 units below their exact share; the carried remainder pays
    them 5 in all, and the drain takes the rest."""
    events = [LedgerEvent("in", 36, True, 29, 29), *(LedgerEvent(f"o{i}", 1, False) for i in range(7)),
              LedgerEvent("last", 29, False)]
    result = replay(events, TaintModel.HAIRCUT)
    paid = {o.key: o.taint for o in result.outflows}
    assert sum(paid.get(f"o{i}", 0) for i in range(7)) == 5  # exact: 29·7/36 = 5.64
    assert paid["last"] == 24 and result.remaining_taint == 0


@given(st.lists(st.integers(0, 10**20), min_size=1, max_size=8), st.integers(0, 10**20))
def test_split_proportionally_is_exact_and_within_one_unit(weights: list[int], total: int) -> None:
    parts = split_proportionally(total, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    assert all(abs(p - Fraction(total * w, sum(weights))) < 1 for p, w in zip(parts, weights, strict=True))


@given(st.lists(st.integers(1, 10**12), min_size=1, max_size=6), st.integers(0, 10**12), st.data())
def test_utxo_split_conserves_taint_and_origin_exactly(outputs: list[int], fee: int, data: st.DataObject) -> None:
    total = sum(outputs) + fee
    tainted = data.draw(st.integers(1, total))
    origin = data.draw(st.integers(0, 10**20))
    offset = data.draw(st.integers(0, total - tainted))
    for model in (TaintModel.HAIRCUT, TaintModel.FIFO):
        shares, (fee_taint, fee_origin) = split_utxo(model, total, tainted, origin, outputs, fee, offset)
        assert sum(t for t, _ in shares) + fee_taint == tainted
        assert sum(o for _, o in shares) + fee_origin == origin
