"""CIOH: the co-spend finding, the merge guard, and the tracker the engine runs with it."""

from __future__ import annotations

from datetime import UTC, datetime

from heuristics.clustering.cioh import common_input_owners, merge_refusal
from heuristics.mixers.coinjoin import is_coinjoin
from tracer.engine.clusters import ClusterTracker, cospend_links
from tracer.labels.index import LabelIndex
from tracer.model import Address, Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

T = datetime(2024, 1, 1, tzinfo=UTC)


def tx(txid: str, in_addrs: list[str], outputs: list[int] | None = None, amount: int = 1_000_000) -> ChainTx:
    ins = tuple(UtxoInput(f"{txid}p{k}", 0, a, amount) for k, a in enumerate(in_addrs))
    outs = tuple(UtxoOutput(i, f"bc1q{txid}o{i}", v, "v0_p2wpkh") for i, v in enumerate(outputs or [900_000]))
    return ChainTx(Chain.BITCOIN, txid, 820_000, T, in_addrs[0], None, 1_000, inputs=ins, outputs=outs)


def test_cospend_names_the_other_inputs_once_with_e3_evidence() -> None:
    found = common_input_owners("B", tx("t2", ["B", "C", "C", "A"]))
    assert found is not None and found.others == ("A", "C") and found.tx_hash == "t2"
    assert (found.evidence.evidence_class, found.rule, found.confidence) == (EvidenceClass.E3, "clustering.cioh", 0.95)
    assert found.evidence.facts["with"] == "B"
    assert common_input_owners("D", tx("t3", ["D", "D"])) is None  # spent alone


def test_merge_guard_size_entities_and_growth() -> None:
    assert merge_refusal(3, 2, set(), set(), max_size=4) == "max_cluster_size"
    assert merge_refusal(2, 2, {"Binance"}, {"Kraken"}) == "entity_conflict"
    assert merge_refusal(2, 2, {"Binance"}, {"Binance"}) is None
    assert merge_refusal(1, 199, set(), set()) is None  # a consolidation joining singletons is ordinary CIOH


def test_growth_guard_refuses_collapsing_two_sizeable_clusters_in_a_trace() -> None:
    """Why the growth guard was kept from the orphaned batch clusterer in the one the engine runs: a cluster of
    120 and one of 10 joined by a single spend is the collapse pattern of methodology §2.2, refused and recorded
    while the size cap alone (1,000) would have allowed it."""
    tracker = ClusterTracker(LabelIndex([]))
    for prefix, n in (("b", 120), ("s", 10)):
        spend = tx(prefix, [f"{prefix}{i}" for i in range(n)])
        tracker.add(cospend_links(Address(Chain.BITCOIN, f"{prefix}0"), spend))
    tracker.add(cospend_links(Address(Chain.BITCOIN, "b0"), tx("join", ["b0", "s0"])))
    assert [(r.step.tx_hash, r.reason) for r in tracker.refused] == [("join", "growth")]
    assert tracker.cluster_of("b1") != tracker.cluster_of("s1")


def test_real_two_input_consolidation_block_50001() -> None:
    # Real mainnet tx 7940cdde… (block 50001, bitcoin-etl expected output in data/format_refs/bitcoin_etl):
    # two 50 BTC coinbase outputs of different addresses spent together into 1HaHTfmv… (100 BTC).
    real = ChainTx(
        Chain.BITCOIN, "7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a", 50001,
        datetime.fromtimestamp(1270917100, tz=UTC), "1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae", None, 0,
        inputs=(UtxoInput("76a8d70a757be5055f60be076b683897cadaad6b7bdf78c43e39b9d59cb4a6ea", 0,
                          "1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae", 5_000_000_000),
                UtxoInput("0dd0394c6240355f4e4b3c88028f678ed746cebee3b3e8509620733f018914c9", 0,
                          "1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9", 5_000_000_000)),
        outputs=(UtxoOutput(0, "1HaHTfmvoUW6i6nhJf8jJs6tU4cHNmBQHQ", 10_000_000_000, "pubkeyhash"),),
    )
    assert not is_coinjoin(real)
    found = common_input_owners("1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae", real)
    assert found is not None and found.others == ("1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9",)
    tracker = ClusterTracker(LabelIndex([]))
    tracker.add(cospend_links(Address(Chain.BITCOIN, found.address), real))
    assert tracker.cluster_of("1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9") == "1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae"
