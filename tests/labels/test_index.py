"""LabelIndex: O(1) dict lookup, case-folded base58 OFAC keys, and cluster-aware labels."""

from __future__ import annotations

from pathlib import Path

from db.labels import LabelStore
from tests.labels.helpers import OFAC_NEW, need_data
from tracer.labels.importer import import_file
from tracer.labels.index import LabelIndex, load_index
from tracer.model import Category, Chain, Label, LabelLookup

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
C = "0x" + "cc" * 20


def lab(address: str, label: str, confidence: float, category: Category = Category.EXCHANGE) -> Label:
    return Label(Chain.ETHEREUM, address, label, category, "test", confidence, entity=label)


def test_own_labels_best_first_and_unknown_is_empty() -> None:
    index = LabelIndex([lab(A, "weak", 0.2), lab(A, "strong", 0.9)])
    assert [label.label for label in index.labels_of(Chain.ETHEREUM, A)] == ["strong", "weak"]
    assert index.labels_of(Chain.ETHEREUM, B) == []
    assert index.labels_of(Chain.BSC, A) == []  # same hex on another chain is another address
    lookup: LabelLookup = index  # satisfies the engine protocol
    assert lookup.labels_of(Chain.ETHEREUM, A)


def test_label_on_a_cluster_member_applies_to_the_cluster_scaled_and_capped() -> None:
    index = LabelIndex([lab(A, "Binance", 1.0), lab(C, "Kraken", 0.5)], cluster_factor=0.8, cluster_cap=0.75)
    index.set_clusters({A: "k1", B: "k1"}, chain=Chain.ETHEREUM)
    via = index.labels_of(Chain.ETHEREUM, B)
    assert [(label.label, label.confidence) for label in via] == [("Binance", 0.75)]  # 1.0*0.8 capped at 0.75
    assert via[0].source == f"test (via cluster k1: {A})"
    own = index.labels_of(Chain.ETHEREUM, A)
    assert [(label.label, label.confidence, label.source) for label in own] == [("Binance", 1.0, "test")]
    assert [label.label for label in index.labels_of(Chain.ETHEREUM, C)] == ["Kraken"]  # not clustered


def test_clusters_keyed_by_chain_address_strings() -> None:
    index = LabelIndex([lab(A, "Binance", 0.5)])
    index.set_clusters({f"ethereum:{A}": "x", f"ethereum:{B}": "x"})
    assert index.labels_of(Chain.ETHEREUM, B)[0].confidence == 0.45


def test_case_folded_ofac_bitcoin_keys_match_the_real_address(store: LabelStore) -> None:
    need_data()
    import_file(store, OFAC_NEW)  # no case hints: base58 keys stay lower-cased
    index = load_index(store)
    # A SINBAD address from the list, looked up in its real (case-preserved) form.
    found = index.labels_of(Chain.BITCOIN, "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF")
    assert [label.entity for label in found] == ["SINBAD"]
    assert found[0].source == "sanctioned-addresses" and (found[0].source_version or "").startswith("2026-08-20+")
    assert store.find(Chain.BITCOIN, "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF")[0].entity == "SINBAD"


def test_index_over_store_uses_active_sets_only(tmp_path: Path, store: LabelStore) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f"chain,address,label,category,source,confidence\nethereum,{A},Hot,exchange,s1,0.5\n")
    import_file(store, path, version="1")
    assert len(load_index(store).labels_of(Chain.ETHEREUM, A)) == 1
    assert store.set_active("s1", None, False) == 1
    assert load_index(store).labels_of(Chain.ETHEREUM, A) == []
    assert store.active_versions() == {}
