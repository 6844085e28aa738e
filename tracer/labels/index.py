"""LabelIndex: constant-time, cluster-aware label lookup for the engine (implements ``LabelLookup``).

Labels are kept in a dict keyed by (chain, canonical address). Base58 addresses whose case was lost upstream
(OFAC entity keys are lower-cased) are also keyed by their lower-cased form, and a lookup tries both keys.
With :meth:`LabelIndex.set_clusters`, a label on any member of a cluster applies to every member, with its
confidence scaled by ``cluster_factor`` (and capped) and its source marked ``via cluster``.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol

from tracer.labels.parsers.base import is_case_folded
from tracer.labels.registry import order_with_registry
from tracer.model import Category, Chain, Label

Key = tuple[Chain, str]


class _LabelSource(Protocol):
    def active_labels(self) -> list[Label]: ...


class LabelIndex:
    """In-memory label index; build once per trace (or per monitor cycle)."""

    def __init__(self, labels: Iterable[Label] = (), *, cluster_factor: float = 0.9, cluster_cap: float = 0.9) -> None:
        self.cluster_factor = cluster_factor
        self.cluster_cap = cluster_cap
        self._by_key: dict[Key, list[Label]] = defaultdict(list)
        self._folded: dict[Key, list[Label]] = defaultdict(list)
        self._cluster_of: dict[Key, str] = {}
        self._members: dict[str, list[Key]] = {}
        self._cluster_cache: dict[str, list[tuple[Key, Label]]] = {}
        self.add_all(labels)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values()) + sum(len(v) for v in self._folded.values())

    def add_all(self, labels: Iterable[Label]) -> None:
        """Add labels; each address's list is kept best first so lookups need no sort."""
        touched: set[Key] = set()
        for label in labels:
            key = (label.chain, label.address)
            target = self._folded if is_case_folded(label.chain, label.address) else self._by_key
            target[key].append(label)
            touched.add(key)
        for key in touched:
            for table in (self._by_key, self._folded):
                if key in table:
                    table[key] = order_with_registry(table[key])
        self._cluster_cache.clear()

    def addresses_in(self, category: Category) -> list[Label]:
        """Every label of ``category`` (best label per address), e.g. all instant-exchange wallets, sorted."""
        found: dict[Key, Label] = {}
        for table in (self._by_key, self._folded):
            for key, labels in table.items():
                for label in labels:
                    if label.category is category and key not in found:
                        found[key] = label
        return [found[k] for k in sorted(found, key=lambda k: (k[0].value, k[1]))]

    def own_labels(self, chain: Chain, address: str) -> list[Label]:
        """Labels stored for exactly this address (and its case-folded twin), best first."""
        found = self._by_key.get((chain, address))
        if self._folded and chain in _BASE58_CHAINS:
            folded = self._folded.get((chain, address.lower()))
            if folded:
                return order_with_registry([*(found or ()), *folded])
        return list(found) if found else []

    def set_clusters(self, mapping: Mapping[str, str], chain: Chain | None = None) -> None:
        """Declare clusters: address -> cluster id (one chain, or addresses given as ``chain:address``)."""
        self._cluster_of.clear()
        self._members.clear()
        self._cluster_cache.clear()
        for address, cluster in mapping.items():
            key = _key(address, chain)
            self._cluster_of[key] = cluster
            self._members.setdefault(cluster, []).append(key)

    def labels_of(self, chain: Chain, address: str) -> list[Label]:
        """Every label that applies: the address's own, then its cluster's ("via cluster"), best first."""
        own = self.own_labels(chain, address)
        cluster = self._cluster_of.get((chain, address)) if self._cluster_of else None
        if cluster is not None:
            own = order_with_registry(own + self._cluster_labels(cluster, (chain, address)))
        return own

    def _cluster_labels(self, cluster: str, exclude: Key) -> list[Label]:
        cached = self._cluster_cache.get(cluster)
        if cached is None:
            cached = [
                (member, dataclasses.replace(
                    label,
                    confidence=min(label.confidence * self.cluster_factor, self.cluster_cap),
                    source=f"{label.source} (via cluster {cluster}: {member[1]})",
                ))
                for member in self._members.get(cluster, ())
                for label in self.own_labels(*member)
            ]
            self._cluster_cache[cluster] = cached
        # A member's own labels are already present; drop their "via cluster" copies.
        return [label for member, label in cached if member != exclude]


_BASE58_CHAINS = frozenset({Chain.BITCOIN, Chain.TRON})


def _key(address: str, chain: Chain | None) -> Key:
    if chain is not None:
        return (chain, address)
    prefix, sep, rest = address.partition(":")
    if not sep:
        raise ValueError(f"address {address!r} needs a chain (pass chain= or use chain:address)")
    return (Chain(prefix), rest)


def load_index(store: _LabelSource, **kwargs: float) -> LabelIndex:
    """A LabelIndex over every label of the store's active sets (``db.labels.LabelStore``)."""
    return LabelIndex(store.active_labels(), **kwargs)
