"""Change signals (BlockSci catalogue) and the two-signal agreement rule on literal transactions."""

from __future__ import annotations

from datetime import UTC, datetime

from heuristics.clustering.change import (
    address_kind,
    address_reuse,
    address_type,
    detect_change,
    fresh_address,
    optimal_change,
    round_payment,
)
from tracer.model import Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

P2PKH = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
P2WPKH = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
P2WPKH_2 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
P2WSH = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
P2TR = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
T = datetime(2024, 1, 1, tzinfo=UTC)


def tx(inputs: list[tuple[str, int]], outputs: list[tuple[str, int]]) -> ChainTx:
    ins = tuple(UtxoInput(f"{k:064x}", 0, a, v) for k, (a, v) in enumerate(inputs))
    outs = tuple(UtxoOutput(i, a, v, "x") for i, (a, v) in enumerate(outputs))
    return ChainTx(Chain.BITCOIN, "cd" * 32, 830_000, T, ins[0].address if ins else None, None, 500,
                   inputs=ins, outputs=outs)


def test_address_kinds() -> None:
    assert [address_kind(a) for a in (P2PKH, P2SH, P2WPKH, P2WSH, P2TR, None, "xyz")] == [
        "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", None, None]


def test_each_signal() -> None:
    # segwit wallet pays 0.05 BTC to a P2SH merchant; change 0.02873 BTC back to a fresh segwit address
    mixed_inputs = tx([(P2WPKH, 3_000_000), (P2PKH, 2_900_000)], [(P2SH, 5_000_000), (P2WPKH_2, 873_000)])
    assert address_type(mixed_inputs) is None  # inputs of two kinds: the signal does not apply
    t = tx([(P2WPKH, 3_000_000), (P2WPKH_2, 2_900_000)], [(P2SH, 5_000_000), ("bc1q" + "9" * 38, 873_000)])
    assert address_type(t) == 1
    assert round_payment(t) == 1
    assert optimal_change(t) == 1
    assert address_reuse(t) is None
    assert fresh_address(t, lambda a, _tx: a.startswith("bc1q9")) == 1
    reuse = tx([(P2PKH, 1_000_000)], [(P2SH, 400_000), (P2PKH, 599_000)])
    assert address_reuse(reuse) == 1


def test_detect_change_two_agreeing_signals() -> None:
    t = tx([(P2WPKH, 3_000_000), (P2WPKH_2, 2_900_000)], [(P2SH, 5_000_000), ("bc1q" + "9" * 38, 873_000)])
    r = detect_change(t)
    assert r is not None and r.output_index == 1 and r.address == "bc1q" + "9" * 38
    assert r.signals == ("address_type", "optimal_change", "round_payment")
    assert r.evidence.evidence_class is EvidenceClass.E4 and r.confidence == 0.95
    assert r.evidence.rule == "clustering.change"


def test_single_signal_or_disagreement_returns_none() -> None:
    # only round_payment fires (same type outputs, change larger than the input set minimum)
    one = tx([(P2WPKH, 10_000_000)], [("bc1q" + "8" * 38, 2_000_000), ("bc1q" + "7" * 38, 7_990_123)])
    assert detect_change(one) is None
    # round_payment says output 1, optimal_change says output 0: disagreement
    dis = tx([(P2TR, 5_000_000), (P2TR, 4_000_000)], [(P2WPKH, 100_000), (P2SH, 8_899_123)])
    assert round_payment(dis) == 1 and optimal_change(dis) == 0
    assert detect_change(dis) is None


def test_counter_examples_consolidation_coinjoin_coinbase() -> None:
    assert detect_change(tx([(P2WPKH, 100_000)] * 20, [(P2WPKH_2, 1_990_000)])) is None
    whirl = tx([(f"bc1q{k}" + "0" * 37, 1_000_000) for k in range(5)], [(f"bc1q{k}" + "1" * 37, 1_000_000)
                                                                     for k in range(5)])
    assert detect_change(whirl) is None
    assert detect_change(tx([], [(P2WPKH, 625_000_000), (P2SH, 0)])) is None
