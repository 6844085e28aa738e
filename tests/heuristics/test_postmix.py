"""Post-mix co-spend following on literal Whirlpool / Wasabi 2 rounds and their later spends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from heuristics.mixers.postmix import follow_postmix
from tracer.model import Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

T = datetime(2023, 5, 1, tzinfo=UTC)


def tx(txid: str, inputs: list[tuple[str, int, int]], outputs: list[int]) -> ChainTx:
    ins = tuple(UtxoInput(h, i, f"bc1q{txid}in{k}", v) for k, (h, i, v) in enumerate(inputs))
    outs = tuple(UtxoOutput(i, f"bc1q{txid}out{i}", v, "v0_p2wpkh") for i, v in enumerate(outputs))
    return ChainTx(Chain.BITCOIN, txid, 800_000, T, ins[0].address, None, 0, inputs=ins, outputs=outs)


def whirlpool(txid: str) -> ChainTx:
    return tx(txid, [(f"{txid}prev{k}", 0, 1_000_000 + (170 if k == 0 else 0)) for k in range(5)], [1_000_000] * 5)


R1, R2 = whirlpool("r1"), whirlpool("r2")


def test_two_outputs_of_a_tainted_round_co_spent() -> None:
    spend = tx("s1", [("r1", 0, 1_000_000), ("r1", 3, 1_000_000)], [1_999_000])
    (link,) = follow_postmix([R1, R2], [spend], tainted_rounds=frozenset({"r1"}))
    assert link.spend_tx == "s1" and link.postmix_inputs == (("r1", 0), ("r1", 3)) and link.rounds == ("r1",)
    assert link.tainted_share == 1.0 and link.confidence == pytest.approx(0.5)
    assert link.evidence.evidence_class is EvidenceClass.E4 and link.evidence.rule == "mixers.postmix.co_spend"


def test_confidence_rises_with_count_and_launderer_coin() -> None:
    launderer = frozenset({("hackutxo", 1)})
    spend = tx("s2", [("r1", 0, 1_000_000), ("r2", 1, 1_000_000), ("r1", 4, 1_000_000), ("hackutxo", 1, 4_000_000)],
               [6_990_000])
    (link,) = follow_postmix([R1, R2], [spend], launderer_utxos=launderer)
    assert link.confidence == pytest.approx(0.875) and link.rounds == ("r1", "r2")
    assert link.launderer_inputs == (("hackutxo", 1),) and link.evidence.rule == "mixers.postmix.co_spend_with_launderer"
    # one post-mix output alone links only together with a launderer coin
    lone = tx("s3", [("r1", 2, 1_000_000)], [999_000])
    assert follow_postmix([R1], [lone]) == []
    with_hack = tx("s4", [("r1", 2, 1_000_000), ("hackutxo", 1, 4_000_000)], [4_999_000])
    assert len(follow_postmix([R1], [with_hack], launderer_utxos=launderer)) == 1


def test_clean_value_lowers_confidence() -> None:
    spend = tx("s5", [("r1", 0, 1_000_000), ("r2", 0, 1_000_000), ("salary", 0, 8_000_000)], [9_990_000])
    (link,) = follow_postmix([R1, R2], [spend], tainted_rounds=frozenset({"r1"}))
    assert link.tainted_share == pytest.approx(0.1)
    assert link.confidence == pytest.approx(0.5 * 0.55)


def test_remix_never_links() -> None:
    remix = tx("r3", [("r1", 0, 1_000_000), ("r1", 1, 1_000_000)] + [(f"x{k}", 0, 1_000_000) for k in range(3)],
               [1_000_000] * 5)
    assert follow_postmix([R1], [remix]) == []


def test_wasabi2_only_is_speculative() -> None:
    std = [5_000, 10_000, 20_000, 50_000, 100_000, 131_072, 200_000, 262_144, 1_000_000, 2_000_000]
    ww2 = tx("w2", [(f"p{k}", 0, 300_000 + k) for k in range(60)], [std[i % 10] for i in range(80)])
    spend = tx("s6", [("w2", 8, 1_000_000), ("w2", 18, 1_000_000)], [1_999_000])
    (link,) = follow_postmix([ww2], [spend])
    assert link.evidence.evidence_class is EvidenceClass.E5
    assert link.evidence.facts["round_kinds"] == "wasabi2"
