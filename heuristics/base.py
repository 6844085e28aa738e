"""Shared result types and helpers for every heuristic (docs/architecture.md §6, methodology.md §1.4).

A heuristic is a pure function ``detect_<pattern>(...) -> <Pattern>Result | None`` over ``tracer.model``
values. Each result is a frozen dataclass deriving from :class:`Finding`, so it always carries an
:class:`~tracer.model.Evidence` (class E1..E5, rule name, confidence 0..1, facts as str -> str).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tracer.model import Evidence, EvidenceClass


@dataclass(frozen=True, slots=True)
class Finding:
    """Base of every heuristic result: the evidence behind it."""

    evidence: Evidence

    @property
    def rule(self) -> str:
        """The name of the rule that produced this finding (``<module family>.<rule>``, e.g. ``swaps.same_tx``)."""
        return self.evidence.rule

    @property
    def confidence(self) -> float:
        """Confidence 0..1 of the finding."""
        return self.evidence.confidence


def clamp_confidence(value: float) -> float:
    """Clamp ``value`` into 0..1 (scores built from several factors can overshoot by rounding)."""
    return min(1.0, max(0.0, value))


def _fact_value(value: object) -> str:
    """Render a fact value as text; bools lower-case, floats rounded so facts stay readable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def make_evidence(
    evidence_class: EvidenceClass,
    rule: str,
    confidence: float,
    facts: Mapping[str, object] | None = None,
    **more_facts: object,
) -> Evidence:
    """Build an :class:`Evidence` with facts converted to ``str -> str`` and confidence clamped to 0..1.

    ``facts`` and keyword facts are merged (keywords win); ``None`` values are dropped.
    """
    merged: dict[str, str] = {}
    for source in (facts or {}, more_facts):
        for key, value in source.items():
            if value is not None:
                merged[str(key)] = _fact_value(value)
    return Evidence(
        evidence_class=evidence_class,
        rule=rule,
        confidence=round(clamp_confidence(confidence), 6),
        facts=MappingProxyType(merged),
    )
