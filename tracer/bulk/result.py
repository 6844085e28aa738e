"""What a clustering run produces, identically for both engines: the assignment, its digest and the guard.

The assignment maps every address seen (input or output) to its cluster id, the smallest address of its connected
component under the merge edges; singletons map to themselves. Supercluster guard (methodology §2.2): a component
of more than ``max_cluster_size`` addresses is not trusted -- one false merge (a PayJoin, shared custody, an
undetected CoinJoin) collapses unrelated owners -- so it is dissolved into singletons and listed as refused with
its size, for review. The digest is the sha256 of ``address<TAB>cluster<LF>`` lines sorted by address.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_MAX_CLUSTER_SIZE = 100_000
"""A wallet cluster beyond this is more likely a collapse than an owner (methodology §2.2); review it."""


@dataclass(frozen=True, slots=True)
class ClusterSummary:
    """The ``--json`` summary of a clustering run."""

    addresses: int
    clusters: int  # distinct cluster ids, singletons included
    multi_clusters: int  # clusters of two or more addresses
    merges: int  # merge edges kept (each names its transaction and heuristic)
    coinjoins_skipped: int
    refused_clusters: int  # components dissolved by the guard
    digest: str

    def to_json(self) -> str:
        """Stable JSON (sorted keys)."""
        return json.dumps(asdict(self), sort_keys=True)


class AssignmentDigest:
    """sha256 over ``address\\tcluster\\n`` lines fed in address order."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self.count = 0
        self._last: str | None = None

    def add(self, address: str, cluster: str) -> None:
        """Feed the next pair; addresses must ascend."""
        if self._last is not None and address <= self._last:
            raise ValueError("assignment must be fed in ascending address order without repeats")
        self._last = address
        self.count += 1
        self._h.update(f"{address}\t{cluster}\n".encode())

    def hexdigest(self) -> str:
        """The digest so far."""
        return self._h.hexdigest()


def digest_of(pairs: Iterable[tuple[str, str]]) -> str:
    """Digest of an assignment given in any order."""
    d = AssignmentDigest()
    for address, cluster in sorted(pairs):
        d.add(address, cluster)
    return d.hexdigest()


def write_summary(out: Path, summary: ClusterSummary) -> None:
    """``summary.json`` next to the tables."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(summary.to_json() + "\n", encoding="utf-8")
