"""STIX 2.1 export: a bundle built with stix2 that its parser and the OASIS validator accept, with the case's
addresses, flows (evidence class, confidence), a report and the chosen TLP 2.0 marking."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

from tests.demo_world import DEMO_CASE, clean_env, database_url, run_demo
from tracer.export_stix import FLOW_EXTENSION, TLP2_IDS, build_stix_bundle, tlp_marking


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out, json.loads((out / "export.json").read_text(encoding="utf-8"))


def _export(out: Path, target: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracer", "export", DEMO_CASE, "--format", "stix", "-o",
                           str(target), *extra], capture_output=True, text=True, timeout=120, check=False,
                          env=clean_env(TRACER_DATABASE_URL=database_url(out)))


def test_cli_writes_a_bundle_the_parser_and_validator_accept(demo: tuple[Path, dict[str, Any]],
                                                              tmp_path: Path) -> None:
    out, export = demo
    target = tmp_path / "case.stix.json"
    done = _export(out, target, "--tlp", "amber+strict")
    assert done.returncode == 0, done.stderr
    text = target.read_text(encoding="utf-8")
    bundle = stix2.parse(text, allow_custom=False)  # custom SCOs are registered extensions, not free-form
    counts = Counter(o.type for o in bundle.objects)
    assert counts["identity"] == 1 and counts["report"] == 1 and counts["marking-definition"] == 1
    assert counts["extension-definition"] == 3
    assert counts["indicator"] == len(export["addresses"])
    assert counts["observed-data"] == len(export["transfers"])
    assert counts["relationship"] >= len([t for t in export["transfers"] if t["from"] and t["to"]])
    results = validate_string(text, ValidationOptions(version="2.1"))
    assert results.is_valid, [e for r in results.object_results for e in r.errors]


def test_every_object_is_marked_and_attributed(demo: tuple[Path, dict[str, Any]]) -> None:
    _, export = demo
    raw = json.loads(build_stix_bundle(export, "red").serialize())
    objects = raw["objects"]
    marking = TLP2_IDS["red"]
    producer = next(o["id"] for o in objects if o["type"] == "identity")
    for obj in objects:
        if obj["type"] in ("marking-definition", "identity", "extension-definition"):  # public definitions
            continue
        assert marking in obj["object_marking_refs"], obj["id"]
        if obj["type"] not in ("cryptocurrency-wallet", "cryptocurrency-transaction"):
            assert obj["created_by_ref"] == producer
    report = next(o for o in objects if o["type"] == "report")
    ids = {o["id"] for o in objects if o["type"] not in ("marking-definition", "extension-definition", "report")}
    assert set(report["object_refs"]) == ids
    assert "USD at the theft day's close from" in report["description"]


def test_flows_carry_evidence_class_confidence_and_exact_amounts(demo: tuple[Path, dict[str, Any]]) -> None:
    _, export = demo
    objects = json.loads(build_stix_bundle(export).serialize())["objects"]
    flows = [o for o in objects if o["type"] == "relationship" and o["relationship_type"] == "sent-stolen-funds-to"]
    by_key = {(t["tx_hash"], t["taint_amount"]): t for t in export["transfers"]}
    for rel in flows:
        ext = rel["extensions"][FLOW_EXTENSION]
        transfer = by_key[(ext["tx_hash"], ext["taint_amount"])]
        assert ext["evidence_class"] == transfer["evidence"]
        assert rel["confidence"] == round(transfer["confidence"] * 100)
    assert {o["relationship_type"] for o in objects if o["type"] == "relationship"} >= {"bridged-to", "swapped-to"}
    wallets = {o["address"] for o in objects if o["type"] == "cryptocurrency-wallet"}
    assert {a["address"] for a in export["addresses"]} <= wallets
    indicator = next(o for o in objects if o["type"] == "indicator")
    assert indicator["pattern"].startswith("[cryptocurrency-wallet:address = '")


def test_same_case_same_ids(demo: tuple[Path, dict[str, Any]]) -> None:
    _, export = demo
    first = {o.id for o in build_stix_bundle(export).objects}
    assert first == {o.id for o in build_stix_bundle(export).objects}


def test_tlp_levels(tmp_path: Path, demo: tuple[Path, dict[str, Any]]) -> None:
    assert tlp_marking("clear").name == "TLP:CLEAR"
    with pytest.raises(ValueError, match="TLP must be one of"):
        tlp_marking("white")
    done = _export(demo[0], tmp_path / "x.json", "--tlp", "white")
    assert done.returncode == 2 and "--tlp must be one of" in done.stderr
