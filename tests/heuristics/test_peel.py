"""Peel-chain steps and chains on literal Bitcoin transactions (methodology §5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from heuristics.peel import PeelStep, is_peel_step
from tracer.model import Chain, ChainTx, UtxoInput, UtxoOutput

T0 = datetime(2025, 3, 2, 0, 0, tzinfo=UTC)
FEE = 2_000


def btc_tx(n: int, spent: tuple[str, int], spent_addr: str, value: int, outputs: Sequence[tuple[str | None, int]],
           hours: float, extra_inputs: int = 0) -> ChainTx:
    inputs = [UtxoInput(spent[0], spent[1], spent_addr, value)]
    inputs += [UtxoInput(f"{90 + k:02x}" * 32, 0, spent_addr, 10_000) for k in range(extra_inputs)]
    outs = tuple(UtxoOutput(i, addr, amount, "v0_p2wpkh" if addr else "op_return",
                            op_return=None if addr else b"\x6a\x01x") for i, (addr, amount) in enumerate(outputs))
    return ChainTx(chain=Chain.BITCOIN, tx_hash=f"{n:02x}" * 32, block_number=884_000 + n,
                   timestamp=T0 + timedelta(hours=hours), from_address=spent_addr, to_address=None, fee=FEE,
                   inputs=tuple(inputs), outputs=outs)


def chain_of(length: int, start: int = 171_000_000, peel: int = 5_000_000, gap_hours: float = 2.0) -> list[ChainTx]:
    """A Lazarus-style chain: 1.71 BTC peeling 0.05 BTC per step to fresh addresses."""
    txs = []
    spent, addr, value = ("aa" * 32, 0), "bc1qstart", start
    for i in range(length):
        change = value - peel - FEE
        # Alternate output order so the detector cannot rely on position.
        outs = [(f"bc1qpeel{i}", peel), (f"bc1qchange{i}", change)]
        if i % 2:
            outs.reverse()
        tx = btc_tx(i + 1, spent, addr, value, outs, hours=i * gap_hours)
        txs.append(tx)
        change_index = next(o.index for o in tx.outputs if o.address == f"bc1qchange{i}")
        spent, addr, value = (tx.tx_hash, change_index), f"bc1qchange{i}", change
    return txs


def steps_of(txs: list[ChainTx]) -> list[PeelStep]:
    steps = []
    spent = ("aa" * 32, 0)
    for tx in txs:
        step = is_peel_step(tx, spent)
        assert step is not None
        steps.append(step)
        spent = (step.tx_hash, step.change_index)
    return steps


def test_peel_step_shape() -> None:
    tx = chain_of(1)[0]
    step = is_peel_step(tx, ("aa" * 32, 0))
    assert step is not None
    assert (step.peel_address, step.peel_amount) == ("bc1qpeel0", 5_000_000)
    assert (step.change_address, step.change_amount) == ("bc1qchange0", 171_000_000 - 5_000_000 - FEE)
    assert step.input_value == 171_000_000 and step.input_addresses == ("bc1qstart",)


def test_not_peel_steps() -> None:
    spent = ("aa" * 32, 0)
    value = 100_000_000
    # Does not spend the followed outpoint.
    assert is_peel_step(btc_tx(1, ("bb" * 32, 1), "a", value, [("p", 1_000_000), ("c", 98_998_000)], 0), spent) is None
    # Three outputs (fan-out, not a peel).
    assert is_peel_step(btc_tx(1, spent, "a", value, [("p", 1_000_000), ("q", 1_000_000), ("c", 97_998_000)], 0),
                        spent) is None
    # Even split: peel / change > 0.25.
    assert is_peel_step(btc_tx(1, spent, "a", value, [("p", 40_000_000), ("c", 59_998_000)], 0), spent) is None
    # Dust peel (inscription-style 546 sat).
    assert is_peel_step(btc_tx(1, spent, "a", value, [("p", 546), ("c", 99_997_454)], 0), spent) is None
    # Change back to the input address (address reuse, not a one-time change address).
    assert is_peel_step(btc_tx(1, spent, "a", value, [("p", 1_000_000), ("a", 98_998_000)], 0), spent) is None
    # Too many inputs (consolidation).
    assert is_peel_step(btc_tx(1, spent, "a", value, [("p", 1_000_000), ("c", 99_028_000)], 0, extra_inputs=2),
                        spent) is None
    # Caller says the change address is not fresh.
    tx = btc_tx(1, spent, "a", value, [("p", 1_000_000), ("c", 98_998_000)], 0)
    assert is_peel_step(tx, spent, is_fresh=lambda a: False) is None
    assert is_peel_step(tx, spent, is_fresh=lambda a: True) is not None


def test_op_return_output_is_ignored() -> None:
    spent = ("aa" * 32, 0)
    tx = btc_tx(1, spent, "a", 100_000_000, [("p", 1_000_000), (None, 0), ("c", 98_998_000)], 0)
    step = is_peel_step(tx, spent)
    assert step is not None and step.change_index == 2
