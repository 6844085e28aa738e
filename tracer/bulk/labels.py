"""A label index that also applies labels through imported whole-chain clusters (``tracer clusters import``).

A label on any member of an imported cluster applies to every member, scaled like the trace's own clusters
(``cluster_factor``) and by the weakest merge on the path, with the source naming the cluster, the labelled member
and the merges (heuristic and transaction) that join them -- the merge evidence travels into the export with the
label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from tracer.bulk.store import BulkClusterTable
from tracer.labels.index import LabelIndex
from tracer.model import Chain, Label

MAX_LISTED_MERGES = 8


class BulkClusterIndex(LabelIndex):
    """:class:`LabelIndex` plus labels inherited through imported clusters."""

    def __init__(self, labels: Iterable[Label], clusters: BulkClusterTable, **kwargs: float) -> None:
        super().__init__(labels, **kwargs)
        self.bulk = clusters
        self._inherited: dict[tuple[Chain, str], list[Label]] = {}

    def labels_of(self, chain: Chain, address: str) -> list[Label]:
        """The address's own and trace-cluster labels, then those inherited through its imported cluster."""
        found = super().labels_of(chain, address)
        if not self.bulk.size:
            return found
        key = (chain, address)
        if key not in self._inherited:
            self._inherited[key] = self._through_bulk(chain, address)
        extra = self._inherited[key]
        return sorted(found + extra, key=lambda lab: -lab.confidence) if extra else found

    def _through_bulk(self, chain: Chain, address: str) -> list[Label]:
        cluster = self.bulk.cluster_of(chain, address)
        if cluster is None:
            return []
        out: list[Label] = []
        for member in self.bulk.members(chain, cluster):
            if member == address:
                continue
            for label in self.own_labels(chain, member):
                steps = self.bulk.path(chain, cluster, address, member)
                weakest = min((s.confidence for s in steps), default=1.0)
                listed = "; ".join(f"{s.heuristic} tx {s.tx_hash}" for s in steps[:MAX_LISTED_MERGES])
                more = f"; +{len(steps) - MAX_LISTED_MERGES} more" if len(steps) > MAX_LISTED_MERGES else ""
                out.append(dataclasses.replace(
                    label, address=address,
                    confidence=min(label.confidence * self.cluster_factor * weakest, self.cluster_cap),
                    source=f"{label.source} (via bulk cluster {cluster}: {member}; merges: {listed}{more})"))
        return out
