"""Clustering during a trace: common-input ownership of the traced Bitcoin spends (docs/methodology.md §2.1).

Every non-CoinJoin transaction that spends a traced output proves (E3) that its input addresses share one holder;
the expansion records that as a ``cluster`` link naming the transaction. A change output on which at least two
change signals agree (address type, round payment, optimal change, reuse) joins too, as weaker evidence (E4). The tracker merges them with a guard
against superclusters (a cap on size, and no merge of two clusters labelled as different entities) and hands the
mapping to the label index, so a label on any member applies to the cluster. Rebuilt from the stored links when
a case resumes, so it survives kill -9 like everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from heuristics.clustering.change import detect_change
from heuristics.clustering.cioh import MAX_CLUSTER_SIZE, common_input_owners, merge_refusal
from heuristics.clustering.union_find import Guard, MergeStep, RefusedMerge, UnionFind
from tracer.engine.classify import service_name
from tracer.model import Address, Chain, ChainTx, LabelLookup, Link, LinkKind


def cospend_links(node: Address, tx: ChainTx) -> list[Link]:
    """Links tying the node to the other input addresses of a (non-CoinJoin) spend, and to its change address
    when at least two change signals agree (heuristics.clustering.change; weaker, E4)."""
    cospend = common_input_owners(node.value, tx)
    links = [] if cospend is None else [
        Link(LinkKind.CLUSTER, "cioh", node.chain, tx.tx_hash, node.chain, None, other, cospend.evidence,
             from_address=node.value)
        for other in cospend.others]
    change = detect_change(tx)
    if change is not None and change.address and change.address != node.value:
        evidence = replace(change.evidence, facts={**change.evidence.facts, "with": node.value})
        links.append(Link(LinkKind.CLUSTER, "change", node.chain, tx.tx_hash, node.chain, None, change.address,
                          evidence, from_address=node.value))
    return links


class ClusterTracker:
    """Union-find over co-spend links with a supercluster guard; feeds cluster ids to the label index."""

    def __init__(self, labels: LabelLookup, max_size: int = MAX_CLUSTER_SIZE) -> None:
        self.labels = labels
        self.max_size = max_size
        self.uf = UnionFind()
        self.refused: list[RefusedMerge] = []
        self.chain_of: dict[str, Chain] = {}

    def add(self, links: Iterable[Link]) -> bool:
        """Merge the co-spend links; True when a cluster changed (the label index is then refreshed)."""
        changed = False
        for link in links:
            if link.kind is not LinkKind.CLUSTER or link.to_address is None:
                continue
            step = MergeStep(link.evidence.facts.get("with", ""), link.to_address, link.service, link.from_tx,
                             link.evidence.confidence)
            if not step.a or self.uf.find(step.a) == self.uf.find(step.b):
                continue
            self.chain_of[step.a] = self.chain_of[step.b] = link.from_chain
            refusal = self.uf.union(step, self._guard(link.from_chain))
            if refusal is not None:
                self.refused.append(refusal)
            else:
                changed = True
        if changed:
            self._publish()
        return changed

    def cluster_of(self, address: str) -> str | None:
        """Stable cluster id (smallest member) when the address is in a cluster of two or more."""
        if address not in self.uf or self.uf.size(address) < 2:
            return None
        return self.uf.smallest(address)

    def _guard(self, chain: Chain) -> Guard:
        def names(root: str) -> set[str]:
            return {name for m in self.uf.members(root) if (name := service_name(self.labels, chain, m)) is not None}

        def guard(ra: str, rb: str) -> str | None:
            return merge_refusal(self.uf.size(ra), self.uf.size(rb), names(ra), names(rb), self.max_size)

        return guard

    def _publish(self) -> None:
        set_clusters = getattr(self.labels, "set_clusters", None)
        if set_clusters is None:
            return
        mapping = {f"{self.chain_of[m].value}:{m}": self.uf.smallest(root) for root in self.uf.roots()
                   if self.uf.size(root) > 1 for m in self.uf.members(root) if m in self.chain_of}
        set_clusters(mapping)
