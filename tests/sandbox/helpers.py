"""Small helpers shared by the sandbox tests."""

from __future__ import annotations

from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import World

Generated = tuple[World, Truth, tuple[LabelRow, ...]]


def label_of(labels: tuple[LabelRow, ...], chain: str, prefix: str) -> str:
    """Address of the first label whose text starts with ``prefix``."""
    return next(r.address for r in labels if r.chain == chain and r.label.startswith(prefix))
