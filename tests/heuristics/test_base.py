"""heuristics.base helpers and the built-in heuristic registry."""

from __future__ import annotations

import pytest

from heuristics.base import Finding, HeuristicRegistry, clamp_confidence, make_evidence, register
from tracer.model import EvidenceClass


def test_make_evidence_stringifies_and_clamps() -> None:
    evidence = make_evidence(EvidenceClass.E4, "instant.amount_time", 1.2, {"n": 3, "ok": True, "skip": None},
                             ratio=0.123456789)
    assert evidence.confidence == 1.0
    assert dict(evidence.facts) == {"n": "3", "ok": "true", "ratio": "0.123457"}


def test_finding_exposes_rule_and_confidence() -> None:
    finding = Finding(evidence=make_evidence(EvidenceClass.E2, "swaps.same_tx", 0.95))
    assert (finding.rule, finding.confidence) == ("swaps.same_tx", 0.95)
    assert clamp_confidence(-0.5) == 0.0


def test_register_rejects_duplicates() -> None:
    registry: HeuristicRegistry = {}
    register(registry, "x", clamp_confidence)
    with pytest.raises(ValueError):
        register(registry, "x", clamp_confidence)


def test_builtin_registry_names_are_dotted_and_callable() -> None:
    from heuristics import HEURISTICS

    assert HEURISTICS, "registry is empty"
    for name, func in HEURISTICS.items():
        assert "." in name or name.isidentifier()
        assert callable(func)
