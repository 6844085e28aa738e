"""Scoring a traced world (tracer.evaluation.score_world): crossings no public data can single out are counted
apart from the linkable ones, and deposit-address recall counts only addresses swept by the traced phase."""

from __future__ import annotations

from typing import Any

from tracer.evaluation import Ratio, observable_deposits, score_world

EXCH = "0xexch"
DEP_SWEPT, DEP_LATER = "0xdep1", "0xdep2"


def truth() -> dict[str, Any]:
    return {
        "stolen": {"ETH": "10"}, "exits": [], "mixer_pairs": [], "launderer": [["ethereum", "0xl"]],
        "noise": {},
        "cross_chain": [
            {"kind": "instant_exchange", "from_tx": "0xd1", "to_tx": "p1", "from_chain": "ethereum",
             "to_chain": "tron", "service": "eXch"},
            {"kind": "instant_exchange", "from_tx": "0xd2", "to_tx": "p2", "from_chain": "ethereum",
             "to_chain": "tron", "service": "eXch"}],
        "ambiguous_crossings": [{"from_tx": "0xd2", "to_tx": "p2", "twin_from_tx": "0xd9", "twin_to_tx": "p9"}],
        "deposit_addresses": [["ethereum", DEP_SWEPT], ["ethereum", DEP_LATER]],
        "deposit_sweep_phase": [["ethereum", DEP_SWEPT, "1"], ["ethereum", DEP_LATER, "2"]],
    }


def transfer(tx: str, to: str, chain: str = "ethereum") -> dict[str, Any]:
    return {"chain": chain, "tx_hash": tx, "from": "0xl", "to": to, "asset": "ETH", "amount": "1"}


def endpoint(address: str, reason: str, category: str | None) -> dict[str, Any]:
    return {"chain": "ethereum", "address": address, "reason": reason, "category": category, "status": "dark",
            "asset": "ETH", "amount": "1", "origins": {}, "inferred": False}


def doc(unresolved: bool) -> dict[str, Any]:
    link = {"kind": "instant_exchange", "from_tx": "0xd1", "to_tx": "p1", "service": "eXch", "evidence": "E4",
            "rule": "instant.consistent_quote", "facts": {}}
    return {
        "links": [link],
        "transfers": [transfer("0xd1", EXCH), transfer("0xd2", EXCH), transfer("p1", "T1", "tron"),
                      transfer("0xs", DEP_SWEPT), transfer("0xt", DEP_LATER)],
        "endpoints": [endpoint(EXCH, "labelled_service", "instant_exchange"),
                      endpoint(DEP_SWEPT, "deposit_address", "deposit"), endpoint(DEP_LATER, "unspent", None)]
        + ([endpoint(EXCH, "unresolved", "instant_exchange")] if unresolved else []),
        "meta": {"conservation_error": 0.0},
    }


def test_an_ambiguous_crossing_is_left_out_of_the_linkable_ones_and_must_be_reported_unresolved() -> None:
    score = score_world(doc(unresolved=True), truth())
    assert score.crossings_linked == Ratio(1, 1) and score.missing_crossings == ()
    assert score.link_recall["instant_exchange"] == Ratio(1, 1)
    assert score.ambiguous_crossings == Ratio(1, 1)
    silent = score_world(doc(unresolved=False), truth())  # the twin's value at the service, no word about it
    assert silent.ambiguous_crossings == Ratio(0, 1)


def test_a_wrong_link_for_an_ambiguous_crossing_is_not_reported_unresolved() -> None:
    wrong = doc(unresolved=True)
    wrong["links"].append({"kind": "instant_exchange", "from_tx": "0xd2", "to_tx": "p9", "service": "eXch",
                           "evidence": "E4", "rule": "instant.consistent_quote", "facts": {}})
    score = score_world(wrong, truth())
    assert score.ambiguous_crossings == Ratio(0, 1)
    assert score.link_precision["instant_exchange"] == Ratio(1, 2)


def test_deposit_recall_counts_only_addresses_swept_by_the_traced_phase() -> None:
    assert observable_deposits(truth(), 1) == {("ethereum", DEP_SWEPT)}
    assert observable_deposits(truth(), 2) == {("ethereum", DEP_SWEPT), ("ethereum", DEP_LATER)}
    score = score_world(doc(unresolved=True), truth())
    assert score.deposit_recall == Ratio(1, 1) and score.deposit_precision == Ratio(1, 1)
    assert score_world(doc(unresolved=True), truth(), phase=2).deposit_recall == Ratio(1, 2)
    legacy = {k: v for k, v in truth().items() if k != "deposit_sweep_phase"}  # older truth files: all count
    assert observable_deposits(legacy, 1) == {("ethereum", DEP_SWEPT), ("ethereum", DEP_LATER)}
