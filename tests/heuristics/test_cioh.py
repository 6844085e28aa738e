"""CIOH clustering: CoinJoins skipped, supercluster guard, entity conflicts, explain and evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from heuristics.clustering.cioh import cluster_cioh
from heuristics.mixers.coinjoin import is_coinjoin
from tracer.model import Chain, ChainTx, EvidenceClass, UtxoInput, UtxoOutput

T = datetime(2024, 1, 1, tzinfo=UTC)


def tx(txid: str, in_addrs: list[str], outputs: list[int] | None = None, amount: int = 1_000_000) -> ChainTx:
    ins = tuple(UtxoInput(f"{txid}p{k}", 0, a, amount) for k, a in enumerate(in_addrs))
    outs = tuple(UtxoOutput(i, f"bc1q{txid}o{i}", v, "v0_p2wpkh") for i, v in enumerate(outputs or [900_000]))
    return ChainTx(Chain.BITCOIN, txid, 820_000, T, in_addrs[0], None, 1_000, inputs=ins, outputs=outs)


def test_cioh_merges_inputs_and_explains() -> None:
    txs = [tx("t1", ["A", "B"]), tx("t2", ["B", "C", "C"]), tx("t3", ["D"]), tx("t4", ["E", "F"])]
    c = cluster_cioh(txs, is_coinjoin=is_coinjoin)
    cid = c.cluster_of("C")
    assert cid == "A" and c.members(cid) == {"A", "B", "C"}
    assert c.cluster_of("D") == "D" and c.members("D") == {"D"}
    assert c.cluster_of("nowhere") is None and c.members("nowhere") == frozenset()
    assert [s.tx_hash for s in c.explain("A")] == ["t1", "t2"]
    ev = c.evidence("A", "C")
    assert ev is not None and ev.evidence_class is EvidenceClass.E3 and ev.facts["txs"] == "t1,t2"
    assert c.evidence("A", "E") is None


def test_coinjoin_is_not_merged() -> None:
    whirlpool = tx("cj", ["W1", "W2", "W3", "W4", "W5"], [1_000_000] * 5)
    c = cluster_cioh([whirlpool, tx("t1", ["W1", "X"])], is_coinjoin=is_coinjoin)
    assert c.skipped_coinjoins == ["cj"]
    assert c.members(c.cluster_of("W1") or "") == {"W1", "X"}
    assert c.cluster_of("W2") is None  # never merged, never seen as a non-coinjoin input


def test_supercluster_guard_refuses_whole_tx() -> None:
    txs = [tx("t1", ["A", "B", "C"]), tx("t2", ["D", "E"]), tx("t3", ["C", "D"])]
    c = cluster_cioh(txs, is_coinjoin=is_coinjoin, max_cluster_size=4)
    assert [(r.step.tx_hash, r.reason) for r in c.refused] == [("t3", "max_cluster_size")]
    assert c.members("A") == {"A", "B", "C"} and c.members("D") == {"D", "E"}


def test_entity_conflict_and_cannot_link() -> None:
    labels = {"binance1": "Binance", "kraken1": "Kraken", "binance2": "Binance"}
    txs = [tx("t1", ["binance1", "u1"]), tx("t2", ["kraken1", "u2"]), tx("t3", ["u1", "u2"]),
           tx("t4", ["u1", "binance2"])]
    c = cluster_cioh(txs, is_coinjoin=is_coinjoin, entity_of=labels.get)
    assert [(r.step.tx_hash, r.reason) for r in c.refused] == [("t3", "entity_conflict")]
    assert c.members(c.cluster_of("u1") or "") == {"binance1", "binance2", "u1"}
    c2 = cluster_cioh([tx("t1", ["p", "q"])], is_coinjoin=is_coinjoin, cannot_link=[("p", "q")])
    assert [r.reason for r in c2.refused] == ["cannot_link"] and c2.cluster_of("p") != c2.cluster_of("q")


def test_growth_guard_between_sizeable_clusters() -> None:
    big = tx("big", [f"b{i}" for i in range(120)])
    small = tx("small", [f"s{i}" for i in range(10)])
    c = cluster_cioh([big, small, tx("join", ["b0", "s0"])], is_coinjoin=lambda t: False)
    assert [(r.step.tx_hash, r.reason) for r in c.refused] == [("join", "growth")]
    # a 200-input consolidation joining singletons is ordinary CIOH
    c2 = cluster_cioh([tx("cons", [f"x{i}" for i in range(200)])], is_coinjoin=lambda t: False)
    assert len(c2.members("x0")) == 200 and not c2.refused


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
    c = cluster_cioh([real], is_coinjoin=is_coinjoin)
    assert c.members(c.cluster_of("1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9") or "") == {
        "1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae", "1PZMgkF2x161qvfP7dhoWSEEU3SjnQE1m9"}
    assert c.explain("1DoQeKfU3dYhN9bxMpFFcVUnufCPDqSPae")[0].tx_hash == real.tx_hash
