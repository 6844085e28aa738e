"""Common-input-ownership clustering (CIOH) and the guard against cluster collapse.

Meiklejohn et al., "A Fistful of Bitcoins" (IMC 2013), heuristic 1: all inputs of a transaction are controlled by
one entity -- applied only to transactions that are not CoinJoins (methodology §2.1, §2.3 in docs/methodology.md).
The engine applies it to every traced spend (``tracer.engine.clusters``) and merges the findings into a
union-find; :func:`merge_refusal` is the one guard it asks before each merge (methodology §2.2, Möser & Narayanan
FC 2022 on cluster collapse): refuse a merge that would exceed the size cap, join clusters carrying different known
entities (e.g. two exchanges), or -- when both sides are already sizeable -- grow a cluster more than
:data:`MAX_GROWTH_FACTOR`-fold in one step. A refused merge is recorded for review.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from heuristics.base import Finding, make_evidence
from tracer.model import ChainTx, EvidenceClass

RULE = "clustering.cioh"
CIOH_CONFIDENCE = 0.95
"""CIOH outside CoinJoins is near-deterministic (E3); PayJoin and shared custody are the residual errors."""
MAX_CLUSTER_SIZE = 1_000
"""A launderer's wallet cluster beyond this is more likely a service or a false merge."""
MAX_GROWTH_FACTOR = 10
"""Methodology §2.2: a merge growing a cluster more than 10x in one step is quarantined ..."""
GROWTH_GUARD_MIN_SIZE = 10
"""... when both clusters already have at least this many addresses (singletons joining is ordinary CIOH)."""


@dataclass(frozen=True, slots=True)
class CoSpendResult(Finding):
    """``address`` spent together with ``others`` in ``tx_hash``: one holder controls them all."""

    address: str
    tx_hash: str
    others: tuple[str, ...]


def common_input_owners(address: str, tx: ChainTx) -> CoSpendResult | None:
    """The other input addresses of ``tx`` (a spend by ``address`` that the caller knows is no CoinJoin), or None
    when ``address`` spent alone. The evidence's ``with`` fact names ``address``."""
    others = tuple(sorted({i.address for i in tx.inputs if i.address and i.address != address}))
    if not others:
        return None
    evidence = make_evidence(EvidenceClass.E3, RULE, CIOH_CONFIDENCE, {"with": address})
    return CoSpendResult(evidence, address, tx.tx_hash, others)


def merge_refusal(size_a: int, size_b: int, entities_a: Collection[str], entities_b: Collection[str],
                  max_size: int = MAX_CLUSTER_SIZE) -> str | None:
    """Why two clusters (their sizes and known entities) must not merge, or None when they may."""
    if size_a + size_b > max_size:
        return "max_cluster_size"
    if len(set(entities_a) | set(entities_b)) > 1:
        return "entity_conflict"
    smaller = min(size_a, size_b)
    if smaller >= GROWTH_GUARD_MIN_SIZE and size_a + size_b > MAX_GROWTH_FACTOR * smaller:
        return "growth"
    return None
