"""The engine's ledger replay and UTXO split on the worked examples of docs/methodology.md §1.2 and §1.3."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tracer.engine.taint import LedgerEvent, replay, split_utxo
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
