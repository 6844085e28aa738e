"""CoinJoin detectors on literal transactions shaped like real rounds, and the counter-examples that must pass."""

from __future__ import annotations

from datetime import UTC, datetime

from heuristics.mixers.coinjoin import (
    STD_DENOMS_SAT,
    WASABI1_COORDINATORS,
    CoinJoinKind,
    detect_coinjoin,
    is_coinjoin,
)
from tracer.model import Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

T = datetime(2023, 5, 1, tzinfo=UTC)


def tx(inputs: list[int], outputs: list[int], *, block: int = 790_000, out_addr: list[str] | None = None,
       in_addr: list[str] | None = None) -> ChainTx:
    ins = tuple(UtxoInput(f"{i:064x}", 0, (in_addr or [f"bc1qin{i}" for i in range(len(inputs))])[i], v)
                for i, v in enumerate(inputs))
    addrs = out_addr or [f"bc1qout{i}" for i in range(len(outputs))]
    outs = tuple(UtxoOutput(i, addrs[i], v, "v0_p2wpkh") for i, v in enumerate(outputs))
    fee = sum(inputs) - sum(outputs)
    return ChainTx(Chain.BITCOIN, "ab" * 32, block, T, ins[0].address, None, fee, inputs=ins, outputs=outs)


def test_std_denoms_follow_walletwasabi_series() -> None:
    for v in (5_000, 6_561, 8_192, 10_000, 13_122, 20_000, 50_000, 1_062_882, 4_782_969, 100_000_000):
        assert v in STD_DENOMS_SAT, v
    for v in (4_096, 4_374, 7_000, 12_345, 300_000):
        assert v not in STD_DENOMS_SAT, v


def test_whirlpool_5x5_and_surge_8x8() -> None:
    # 0.01 BTC pool: one premix input carries the miner fee, four remixes are exactly the pool value.
    r = detect_coinjoin(tx([1_000_170] + [1_000_000] * 4, [1_000_000] * 5))
    assert r is not None and r.kind is CoinJoinKind.WHIRLPOOL and r.mixing
    assert r.denomination == 1_000_000 and r.equal_outputs == (0, 1, 2, 3, 4)
    assert r.evidence.rule == "mixers.coinjoin.whirlpool" and r.evidence.evidence_class is EvidenceClass.E4
    r8 = detect_coinjoin(tx([5_000_300, 5_000_250] + [5_000_000] * 6, [5_000_000] * 8))
    assert r8 is not None and r8.kind is CoinJoinKind.WHIRLPOOL
    # same shape at a non-pool value (0.02 BTC) is not Whirlpool and not the generic rule either (5 != p=3)
    assert detect_coinjoin(tx([2_000_200] + [2_000_000] * 4, [2_000_000] * 5)) is None


def test_wasabi1_post_610000_and_coordinator_era() -> None:
    equal = [9_991_234] * 40
    change = [3_000_000 + 7_919 * i for i in range(35)]
    inputs = [14_000_000 + 1_000 * i for i in range(60)]
    r = detect_coinjoin(tx(inputs, equal + change + [1_200_000]))
    assert r is not None and r.kind is CoinJoinKind.WASABI1 and r.denomination == 9_991_234
    assert len(r.equal_outputs) == 40
    coord = sorted(WASABI1_COORDINATORS)[0]
    outs = [9_990_000] * 5 + [1_111_111, 2_222_222, 50_000]
    addrs = [f"bc1qo{i}" for i in range(7)] + [coord]
    r0 = detect_coinjoin(tx([12_000_000] * 6, outs, block=600_000, out_addr=addrs))
    assert r0 is not None and r0.kind is CoinJoinKind.WASABI1 and r0.evidence.facts["reason"] == "coordinator fee output"


def test_wasabi2_standard_denominations() -> None:
    std = [5_000, 6_561, 10_000, 13_122, 20_000, 50_000, 100_000, 131_072, 200_000, 262_144, 1_000_000,
           1_062_882, 2_000_000, 4_782_969]
    outputs = [std[i % len(std)] for i in range(140)] + [123_457, 987_653, 55_555]
    inputs = [150_000 + 37_000 * i for i in range(90)]
    r = detect_coinjoin(tx(inputs, outputs))
    assert r is not None and r.kind is CoinJoinKind.WASABI2 and r.denomination is None
    assert len(r.equal_outputs) == 140
    # fewer than 50 inputs: not Wasabi 2 -- but still a CoinJoin by the multi-denomination rule
    small = detect_coinjoin(tx(inputs[:40], outputs), generic=False)
    assert small is not None and small.kind is CoinJoinKind.MULTIDENOM


def test_joinmarket_equal_plus_change() -> None:
    n = 4
    equal = [12_345_678] * n
    change = [2_100_000, 750_000, 5_432_100, 90_000]
    inputs = [15_000_000, 13_200_000, 17_700_000, 12_500_000, 500_000]
    r = detect_coinjoin(tx(inputs, equal + change))
    assert r is not None and r.kind is CoinJoinKind.JOINMARKET and r.equal_outputs == (0, 1, 2, 3)
    # one maker only (n = 2) is below the n >= 3 rule
    assert detect_coinjoin(tx(inputs[:3], [12_345_678] * 2 + [2_100_000, 750_000]), generic=False) is None


def test_counter_examples_return_none() -> None:
    # batched exchange payout: one big hot-wallet input, 40 unequal payouts and change
    payouts = [1_000_000 + 12_345 * i for i in range(40)]
    assert detect_coinjoin(tx([5_000_000_000], payouts + [4_900_000_000])) is None
    assert detect_coinjoin(tx([300_000_000, 200_000_000], payouts + [400_000_000])) is None
    # plain payment with change
    assert detect_coinjoin(tx([1_500_000], [1_000_000, 499_000])) is None
    # consolidation: many inputs, one output
    assert detect_coinjoin(tx([100_000 + i for i in range(30)], [3_000_000])) is None
    assert not is_coinjoin(tx([100_000 + i for i in range(30)], [3_000_000]))


def test_generic_blocksci_rule() -> None:
    # 3 participants: 3 equal outputs + 2 change (p = (5 + 1) // 2 = 3), 3 distinct input addresses
    r = detect_coinjoin(tx([600_000, 700_000, 800_000], [500_000] * 3 + [190_000, 290_000]))
    assert r is not None and r.kind in {CoinJoinKind.GENERIC, CoinJoinKind.JOINMARKET}
    assert r.denomination == 500_000


def test_multidenomination_round_below_wasabi2_size() -> None:
    """Regression (sandbox demo): a 23-input round with fee-adjusted equal groups was followed as a payment."""
    groups = [995_000] * 3 + [4_996_500] * 4 + [10_000_000] * 8 + [20_000_000] * 10 + [50_000_000] * 3
    change = [2_782_786, 1_234_567, 7_654_321]
    found = detect_coinjoin(tx([60_000_000] * 23, groups + change))
    assert found is not None and found.kind is CoinJoinKind.MULTIDENOM
    assert len(found.equal_outputs) == len(groups)
    # counter-example: a 12-input batch whose payouts repeat only in pairs is not a CoinJoin
    pairs = [1_000_000 + 5_000 * (i // 2) for i in range(24)]
    assert detect_coinjoin(tx([30_000_000] * 12, pairs), generic=False) is None
    # counter-example: few input owners (one wallet's many UTXOs) paying equal amounts is a batch, not a CoinJoin
    same_owner = tx([60_000_000] * 23, groups + change, in_addr=["bc1qhotwallet"] * 23)
    assert detect_coinjoin(same_owner, generic=False) is None
