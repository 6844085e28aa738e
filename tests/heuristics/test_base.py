"""heuristics.base helpers: evidence built the same way by every heuristic."""

from __future__ import annotations

from heuristics.base import Finding, clamp_confidence, make_evidence
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
