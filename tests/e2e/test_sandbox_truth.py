"""End to end: trace the sandbox incident and score it against its ground truth (issues 4, 5, 6)."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from tests.e2e.harness import export, running_sandbox, settings_for, trace, truth_json
from tracer.evaluation import evaluate
from tracer.export import load_schema


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("e2e")
    with running_sandbox(tmp / "sandbox") as sandbox:
        settings = settings_for(sandbox, tmp / "case.db")
        store, wiring, outcome = trace(sandbox, settings)
        doc = export(store, wiring)
        yield sandbox, settings, store, wiring, outcome, doc


def test_trace_finishes_and_export_matches_the_schema(traced) -> None:  # type: ignore[no-untyped-def]
    _sandbox, _settings, _store, _wiring, outcome, doc = traced
    assert outcome.finished
    jsonschema.validate({**doc, "generated_at": "2026-01-01T00:00:00Z"}, load_schema())
    assert doc["meta"]["tips"].keys() == {"ethereum", "bitcoin", "tron"}


def test_ground_truth_scores(traced) -> None:  # type: ignore[no-untyped-def]
    sandbox, _settings, _store, _wiring, _outcome, doc = traced
    score = evaluate(doc, truth_json(sandbox))
    print("evaluation:", score.as_dict())
    assert score.recall_by_value >= 0.95
    assert score.conservation_error <= 1e-9
    assert score.noise_followed == []
    assert score.busy_expanded == []
    assert score.cross_chain_found == score.cross_chain_total == 10
    patterns = score.patterns
    assert patterns["bridge pairs"] == "10/10" and patterns["refund pairs"] == "1/1"
    assert patterns["coinjoin rounds recognised"] == "1/1"
    assert patterns["mixer withdrawals linkable by a heuristic"] == "2/2"
    assert patterns["mixer links that are wrong"].startswith("0/")
    found, total = patterns["exchange exits reached"].split("/")
    assert found == total
    assert int(patterns["peel chains reported"]) >= 1
    assert patterns["post-mix consolidations followed"] == "1/1" and patterns["post-mix links that are wrong"] == "0/1"


def test_value_is_conserved_exactly_per_stolen_asset(traced) -> None:  # type: ignore[no-untyped-def]
    sandbox, _settings, store, _wiring, _outcome, _doc = traced

    repo = store.trace_repository()
    case = store.get_case("e2e")
    assert case is not None
    ends = repo.endpoints(case.id)
    for asset, amount in sandbox.truth.stolen:
        assert sum(e.origin_amount for e in ends if e.origin == asset) == amount


def test_no_noise_or_busy_wallet_in_the_graph(traced) -> None:  # type: ignore[no-untyped-def]
    sandbox, _settings, _store, _wiring, _outcome, doc = traced
    noise = dict(sandbox.truth.noise)
    touched = {t["to"] for t in doc["transfers"]} | {t["from"] for t in doc["transfers"]}
    assert not touched & set(noise["poisoning_addresses"])
    assert not {t["tx_hash"] for t in doc["transfers"]} & set(noise["dust_txs"])
    busy = {b.split(":", 1)[1] for b in noise["busy_addresses"]}
    assert not {t["from"] for t in doc["transfers"]} & busy  # reached maybe, never expanded


def test_rerun_of_finished_trace_makes_zero_requests(traced, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, settings, _store, _wiring, _outcome, doc = traced
    before = sandbox.server.stats()
    store, wiring, outcome = trace(sandbox, settings)
    assert outcome.already_finished and wiring.requests() == 0
    assert export(store, wiring) == doc
    assert sandbox.server.stats() == before


def test_peel_chains_are_one_finding_each_with_their_peels(traced) -> None:  # type: ignore[no-untyped-def]
    _sandbox, _settings, _store, _wiring, _outcome, doc = traced
    chains = doc["findings"]["peel_chains"]
    assert chains and all(c["steps"] >= 3 and len(c["peels"]) == c["steps"] for c in chains)
    ends = {(e["chain"], e["address"]) for e in doc["endpoints"]}
    hops = {(t["chain"], t["to"]) for t in doc["transfers"]}
    for chain in chains:  # every peel is an edge of the trace, and went somewhere the trace ended or continued
        for peel in chain["peels"]:
            assert (chain["chain"], peel["address"]) in hops
            assert (chain["chain"], peel["address"]) in ends | hops


def test_match_instant_proposes_the_true_payouts_as_inferred(tmp_path: Path) -> None:
    from tests.e2e.harness import running_sandbox as sandbox_cm
    from tracer.model import CaseParameters

    with sandbox_cm(tmp_path / "sandbox") as sandbox:
        settings = settings_for(sandbox, tmp_path / "case.db")
        from tests.e2e.harness import open_case_store
        from tracer.cli.demo import _import_world_prices

        _import_world_prices(open_case_store(sandbox, settings), sandbox)
        store, wiring, outcome = trace(sandbox, settings, CaseParameters(match_instant=True))
        doc = export(store, wiring)
    truth = truth_json(sandbox)
    true_pairs = {(p["from_tx"], p["to_tx"]) for p in truth["cross_chain"] if p["kind"] == "instant_exchange"}
    found = {(lk["from_tx"], lk["to_tx"]) for lk in doc["links"] if lk["kind"] == "instant_exchange"}
    assert found == true_pairs and all(lk["evidence"] == "E4" for lk in doc["links"]
                                       if lk["kind"] == "instant_exchange")
    frozen = {e["address"] for e in truth["exits"] if e["status"] == "frozen"}
    inferred_frozen = [e for e in doc["endpoints"] if e["address"] in frozen and e["status"] == "frozen"]
    assert inferred_frozen and all(e["inferred"] for e in inferred_frozen)
    # proven accounting is unchanged by the inferred layer: still dark at the instant exchange
    score = evaluate(doc, truth)
    assert score.recall_by_value >= 0.95 and score.inferred_found_usd > 0


def test_notebook_api_gives_frames_and_graph(traced) -> None:  # type: ignore[no-untyped-def]
    _sandbox, settings, _store, _wiring, _outcome, doc = traced
    from tracer.api import open_case

    case = open_case("e2e", settings.database_url)
    transfers, endpoints = case.transfers(), case.endpoints()
    assert len(transfers) == len(doc["transfers"]) and {"tx_hash", "taint_amount", "evidence"} <= set(transfers)
    assert len(endpoints) == len(doc["endpoints"]) and set(endpoints["status"]) >= {"cashed_out", "unspent"}
    graph = case.graph()
    assert graph.number_of_edges() >= len(doc["transfers"])
    assert set(case.summary("status")["key"]) == {row["key"] for row in doc["summary"]["by_status"]}
