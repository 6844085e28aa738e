"""Toxic change: unique input subsets behind a JoinMarket round's change outputs."""

from __future__ import annotations

from datetime import UTC, datetime

from heuristics.mixers.coinjoin import CoinJoinKind, detect_coinjoin
from heuristics.mixers.toxic_change import map_toxic_change
from tracer.model import Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

T = datetime(2023, 5, 1, tzinfo=UTC)


def tx(inputs: list[int], outputs: list[int]) -> ChainTx:
    ins = tuple(UtxoInput(f"prev{k}", k, f"bc1qin{k}", v) for k, v in enumerate(inputs))
    outs = tuple(UtxoOutput(i, f"bc1qout{i}", v, "v0_p2wpkh") for i, v in enumerate(outputs))
    return ChainTx(Chain.BITCOIN, "jm" * 32, 800_000, T, "bc1qin0", None, 0, inputs=ins, outputs=outs)


def test_joinmarket_change_maps_to_unique_inputs() -> None:
    denom = 12_345_678
    # participants: A 14.45M -> change 2.1M; B 13.1M -> 0.75M; C 10M + 7.78M -> 5.4321M; D 12.44M -> 0.09M
    t = tx([14_450_000, 13_100_000, 10_000_000, 7_780_000, 12_440_000],
           [denom] * 4 + [2_100_000, 750_000, 5_432_100, 90_000])
    cj = detect_coinjoin(t)
    assert cj is not None and cj.kind is CoinJoinKind.JOINMARKET
    got = {tc.output_index: tc.input_indexes for tc in map_toxic_change(t, cj)}
    assert got == {4: (0,), 5: (1,), 6: (2, 3), 7: (4,)}
    first = map_toxic_change(t, cj)[0]
    assert first.evidence.evidence_class is EvidenceClass.E4 and first.evidence.facts["inputs"] == "prev0:0"


def test_ambiguous_change_is_not_reported_and_whirlpool_has_none() -> None:
    denom = 12_345_678
    # two participants with identical inputs and change: either input could fund either change output
    t = tx([14_450_000, 14_450_000, 13_100_000], [denom] * 3 + [2_100_000, 2_100_000, 750_000])
    cj = detect_coinjoin(t)
    assert cj is not None
    assert {tc.output_index for tc in map_toxic_change(t, cj)} == {5}
    w = tx([1_000_170] + [1_000_000] * 4, [1_000_000] * 5)
    wcj = detect_coinjoin(w)
    assert wcj is not None and map_toxic_change(w, wcj) == []
