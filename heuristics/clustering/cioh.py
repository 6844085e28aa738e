"""Common-input-ownership clustering (CIOH) with a CoinJoin filter and a supercluster guard.

Meiklejohn et al., "A Fistful of Bitcoins" (IMC 2013), heuristic 1: all inputs of a transaction are controlled by
one entity -- applied only to transactions that are not CoinJoins (docs/methodology.md §2.1, §2.3). The
cluster-collapse guard (methodology §2.2, Möser & Narayanan FC 2022 on cluster collapse) refuses a transaction's
merge when it would exceed ``max_cluster_size``, join clusters carrying different known entities (e.g. two
exchanges), or -- when both sides are already sizeable -- grow a cluster more than :data:`MAX_GROWTH_FACTOR`-fold
in one step. A refused transaction merges nothing and is recorded for review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from heuristics.base import make_evidence
from heuristics.clustering.union_find import MergeStep, RefusedMerge, UnionFind
from tracer.model import ChainTx, Evidence, EvidenceClass

CIOH_CONFIDENCE = 0.95
"""CIOH outside CoinJoins is near-deterministic (E3); PayJoin and shared custody are the residual errors."""
MAX_GROWTH_FACTOR = 10
"""Methodology §2.2: a merge growing a cluster more than 10x in one step is quarantined ..."""
GROWTH_GUARD_MIN_SIZE = 10
"""... when both clusters already have at least this many addresses (singletons joining is ordinary CIOH)."""
DEFAULT_MAX_CLUSTER_SIZE = 10_000


@dataclass(slots=True)
class Clustering:
    """The result of a clustering run: clusters with provenance, refused merges and skipped CoinJoins."""

    uf: UnionFind
    refused: list[RefusedMerge] = field(default_factory=list)
    skipped_coinjoins: list[str] = field(default_factory=list)

    def cluster_of(self, address: str) -> str | None:
        """Cluster id of ``address`` in this result (its smallest member: deterministic, but it changes when a later
        run grows the cluster), or None if the address was never seen."""
        if address not in self.uf:
            return None
        return self.uf.smallest(address)

    def members(self, cluster_id: str) -> frozenset[str]:
        """All addresses of the cluster ``cluster_id`` (empty if unknown)."""
        return self.uf.members(cluster_id) if cluster_id in self.uf else frozenset()

    def explain(self, address: str) -> list[MergeStep]:
        """The merges (tx, heuristic, confidence) that put ``address``'s cluster together, in order."""
        return self.uf.explain(address) if address in self.uf else []

    def evidence(self, a: str, b: str) -> Evidence | None:
        """E3 evidence that ``a`` and ``b`` share an owner, listing the chain of transactions; None if not."""
        path = self.uf.path(a, b) if a in self.uf and b in self.uf else None
        if path is None:
            return None
        conf = min((s.confidence for s in path), default=1.0)
        return make_evidence(EvidenceClass.E3, "clustering.cioh", conf,
                             txs=",".join(s.tx_hash or "" for s in path), hops=len(path))


def _input_addresses(tx: ChainTx) -> list[str]:
    seen: dict[str, None] = {}
    for i in tx.inputs:
        if i.address:
            seen.setdefault(i.address, None)
    return list(seen)


def cluster_cioh(
    txs: Iterable[ChainTx],
    *,
    is_coinjoin: Callable[[ChainTx], bool],
    max_cluster_size: int = DEFAULT_MAX_CLUSTER_SIZE,
    entity_of: Callable[[str], str | None] | None = None,
    cannot_link: Iterable[tuple[str, str]] = (),
) -> Clustering:
    """Cluster input addresses of ``txs`` by CIOH, skipping CoinJoins and refusing collapsing merges.

    ``entity_of`` names the known entity of an address (label store), used to refuse entity conflicts;
    ``cannot_link`` pairs are never joined.
    """
    uf = UnionFind()
    for a, b in cannot_link:
        uf.cannot_link(a, b)
    result = Clustering(uf)
    entities: dict[str, set[str]] = {}  # root -> known entities of the cluster

    def known(root: str) -> set[str]:
        if root not in entities:
            found = {e for m in uf.members(root) if entity_of and (e := entity_of(m))}
            entities[root] = found
        return entities[root]

    for tx in txs:
        addrs = _input_addresses(tx)
        if len(addrs) < 2:
            for a in addrs:
                uf.add(a)
            continue
        if is_coinjoin(tx):
            result.skipped_coinjoins.append(tx.tx_hash)
            continue
        roots = {uf.find(a) for a in addrs}
        step0 = MergeStep(addrs[0], addrs[1], "cioh", tx.tx_hash, CIOH_CONFIDENCE)
        reason = _guard(uf, roots, max_cluster_size, [known(r) for r in roots])
        if reason is not None:
            result.refused.append(RefusedMerge(step0, reason))
            continue
        merged_entities = set().union(*(known(r) for r in roots))
        for b in addrs[1:]:
            refused = uf.union(MergeStep(addrs[0], b, "cioh", tx.tx_hash, CIOH_CONFIDENCE))
            if refused is not None:  # only cannot-link can refuse here; keep what was merged, record it
                result.refused.append(refused)
        for r in roots:
            entities.pop(r, None)
        entities[uf.find(addrs[0])] = merged_entities
    return result


def _guard(uf: UnionFind, roots: set[str], cap: int, known: list[set[str]]) -> str | None:
    sizes = sorted(uf.size(r) for r in roots)
    if len(sizes) < 2:
        return None
    if sum(sizes) > cap:
        return "max_cluster_size"
    if len(set().union(*known)) > 1:
        return "entity_conflict"
    sizeable = [s for s in sizes if s >= GROWTH_GUARD_MIN_SIZE]
    if len(sizeable) >= 2 and sum(sizes) > MAX_GROWTH_FACTOR * sizeable[0]:
        return "growth"
    return None
