"""Union-find over evidence edges with per-merge provenance, cannot-link constraints and refusals.

docs/methodology.md §2: every merge carries its evidence (heuristic, tx, confidence) and must be reversible, so
the structure keeps the list of accepted merge steps (a spanning forest of evidence edges) from which clusters can
be rebuilt without any edge (:meth:`UnionFind.from_steps`), and explains a cluster or a path between two members.
Cannot-link pairs (e.g. two different labelled VASPs) are never joined; a refused merge is returned, not raised.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MergeStep:
    """One accepted (or attempted) evidence edge: ``a`` and ``b`` are one holder because of ``tx_hash``."""

    a: str
    b: str
    heuristic: str  # e.g. "cioh", "change"
    tx_hash: str | None
    confidence: float


@dataclass(frozen=True, slots=True)
class RefusedMerge:
    """A merge the guard refused, kept for review (quarantine)."""

    step: MergeStep
    reason: str  # "cannot_link" | "max_cluster_size" | "entity_conflict" | "growth"


def merge_path(adjacency: Mapping[str, Sequence[MergeStep]], start: str, goal: str) -> list[MergeStep]:
    """The shortest chain of merges joining ``start`` to ``goal`` (breadth-first over the merges touching each
    address), in order from ``start``; empty when they are not joined (or are the same address)."""
    back: dict[str, tuple[str, MergeStep] | None] = {start: None}
    queue = deque([start])
    while queue and goal not in back:
        node = queue.popleft()
        for step in adjacency.get(node, ()):
            nxt = step.b if step.a == node else step.a
            if nxt not in back:
                back[nxt] = (node, step)
                queue.append(nxt)
    steps: list[MergeStep] = []
    node = goal
    while (prev := back.get(node)) is not None:
        node, step = prev
        steps.append(step)
    return steps[::-1]


Guard = Callable[[str, str], str | None]
"""Called with the two roots before a merge; returns a refusal reason or None to allow."""


class UnionFind:
    """Disjoint sets of addresses with merge provenance (path compression + union by size)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._smallest: dict[str, str] = {}  # root -> smallest member (stable cluster id)
        self._cannot: dict[str, set[str]] = defaultdict(set)
        self._steps: list[MergeStep] = []
        self._adjacent: dict[str, list[MergeStep]] = defaultdict(list)  # address -> the accepted merges touching it

    def add(self, x: str) -> None:
        """Make ``x`` known as a singleton (no-op if present)."""
        if x not in self._parent:
            self._parent[x] = x
            self._members[x] = {x}
            self._smallest[x] = x

    def __contains__(self, x: object) -> bool:
        return x in self._parent

    def find(self, x: str) -> str:
        """Root of ``x``'s set (adds ``x`` if unknown)."""
        self.add(x)
        root = x
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[x] != root:  # path compression
            self._parent[x], x = root, self._parent[x]
        return root

    def size(self, x: str) -> int:
        """Number of members in ``x``'s set."""
        return len(self._members[self.find(x)])

    def members(self, x: str) -> frozenset[str]:
        """All members of ``x``'s set."""
        return frozenset(self._members[self.find(x)])

    def smallest(self, x: str) -> str:
        """Smallest member of ``x``'s set: a deterministic cluster id (O(1))."""
        return self._smallest[self.find(x)]

    def roots(self) -> list[str]:
        """Every current root (one per cluster)."""
        return list(self._members)

    def cannot_link(self, a: str, b: str) -> None:
        """Forbid ``a`` and ``b`` from ever ending in one set (already-joined sets are not split)."""
        self.add(a)
        self.add(b)
        self._cannot[a].add(b)
        self._cannot[b].add(a)

    def _violates_cannot_link(self, ra: str, rb: str) -> bool:
        small, big = (ra, rb) if len(self._members[ra]) <= len(self._members[rb]) else (rb, ra)
        return any(self.find(p) == big for m in self._members[small] for p in self._cannot.get(m, ()))

    def union(self, step: MergeStep, guard: Guard | None = None) -> RefusedMerge | None:
        """Join the sets of ``step.a`` and ``step.b``; returns the refusal if a constraint or ``guard`` says no."""
        ra, rb = self.find(step.a), self.find(step.b)
        if ra == rb:
            return None
        if self._violates_cannot_link(ra, rb):
            return RefusedMerge(step, "cannot_link")
        if guard is not None and (reason := guard(ra, rb)) is not None:
            return RefusedMerge(step, reason)
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra] |= self._members.pop(rb)
        self._smallest[ra] = min(self._smallest[ra], self._smallest.pop(rb))
        self._adjacent[step.a].append(step)
        self._adjacent[step.b].append(step)
        self._steps.append(step)
        return None

    @property
    def steps(self) -> tuple[MergeStep, ...]:
        """Accepted merges in order (a spanning forest of the evidence graph)."""
        return tuple(self._steps)

    def explain(self, x: str) -> list[MergeStep]:
        """The accepted merges that built ``x``'s cluster, in the order they happened."""
        members = self.members(x)
        return [s for s in self._steps if s.a in members]

    def path(self, a: str, b: str) -> list[MergeStep] | None:
        """The chain of merges connecting ``a`` to ``b`` (None if they are not in one set)."""
        if a not in self or b not in self or self.find(a) != self.find(b):
            return None
        return merge_path(self._adjacent, a, b)

    @classmethod
    def from_steps(cls, steps: Iterable[MergeStep]) -> UnionFind:
        """Rebuild from an edge list (drop an edge from the list to undo its merge)."""
        uf = cls()
        for s in steps:
            uf.union(s)
        return uf
