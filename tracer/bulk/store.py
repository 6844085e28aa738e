"""Loading a ``tracer bulk cluster`` result into the case store, and reading it back per address.

Only clusters of two or more addresses are imported (a singleton says nothing); a re-import of a chain replaces its
clusters. The store keeps every merge (a, b, heuristic, tx) so a label inherited through a cluster can name the
transactions that joined the two addresses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, delete, func, insert, select

from db.models import BulkClusterMergeRow, BulkClusterRow
from heuristics.clustering.union_find import MergeStep, merge_path
from tracer.model import Chain

BATCH = 10_000


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import loaded."""

    addresses: int
    clusters: int
    merges: int


def import_clusters(engine: Engine, result_dir: Path, chain: Chain = Chain.BITCOIN) -> ImportCounts:
    """Replace ``chain``'s imported clusters with the multi-address clusters of a ``tracer bulk cluster`` output."""
    import duckdb

    con = duckdb.connect()
    members = con.execute(
        f"SELECT address, cluster FROM read_parquet('{result_dir}/clusters/*.parquet') WHERE cluster IN "
        f"(SELECT cluster FROM read_parquet('{result_dir}/clusters/*.parquet') GROUP BY cluster HAVING count(*) > 1)"
        f" ORDER BY cluster, address").fetchall()
    merges = con.execute(f"SELECT cluster, a, b, heuristic, tx_hash, confidence FROM "
                         f"read_parquet('{result_dir}/merges/*.parquet') ORDER BY cluster, tx_hash, a, b").fetchall()
    con.close()
    with engine.begin() as conn:
        conn.execute(delete(BulkClusterRow).where(BulkClusterRow.chain == chain.value))
        conn.execute(delete(BulkClusterMergeRow).where(BulkClusterMergeRow.chain == chain.value))
        for i in range(0, len(members), BATCH):
            conn.execute(insert(BulkClusterRow), [{"chain": chain.value, "address": a, "cluster": c}
                                                  for a, c in members[i:i + BATCH]])
        for i in range(0, len(merges), BATCH):
            conn.execute(insert(BulkClusterMergeRow), [
                {"chain": chain.value, "cluster": c, "a": a, "b": b, "heuristic": h, "tx_hash": t, "confidence": k}
                for c, a, b, h, t, k in merges[i:i + BATCH]])
    return ImportCounts(len(members), len({c for _, c in members}), len(merges))


class BulkClusterTable:
    """Read side of the imported clusters (cached per cluster; the table does not change during a trace)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            self.size = int(conn.execute(select(func.count()).select_from(BulkClusterRow)).scalar_one())
        self.cluster_of = lru_cache(maxsize=100_000)(self._cluster_of)
        self.members = lru_cache(maxsize=1_000)(self._members)
        self._adjacency = lru_cache(maxsize=1_000)(self._adjacency_of)

    def _cluster_of(self, chain: Chain, address: str) -> str | None:
        if not self.size:
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(BulkClusterRow.cluster).where(
                BulkClusterRow.chain == chain.value, BulkClusterRow.address == address)).scalar_one_or_none()

    def _members(self, chain: Chain, cluster: str) -> tuple[str, ...]:
        with self.engine.connect() as conn:
            return tuple(conn.execute(select(BulkClusterRow.address).where(
                BulkClusterRow.chain == chain.value, BulkClusterRow.cluster == cluster)).scalars())

    def _adjacency_of(self, chain: Chain, cluster: str) -> dict[str, list[MergeStep]]:
        adjacency: dict[str, list[MergeStep]] = defaultdict(list)
        with self.engine.connect() as conn:
            m = BulkClusterMergeRow
            for a, b, heuristic, tx_hash, confidence in conn.execute(
                    select(m.a, m.b, m.heuristic, m.tx_hash, m.confidence).where(
                        m.chain == chain.value, m.cluster == cluster)):
                step = MergeStep(a, b, heuristic, tx_hash, confidence)
                adjacency[a].append(step)
                adjacency[b].append(step)
        return adjacency

    def path(self, chain: Chain, cluster: str, start: str, goal: str) -> list[MergeStep]:
        """The shortest chain of merges joining ``start`` to ``goal`` inside ``cluster`` (BFS over the merges)."""
        return merge_path(self._adjacency(chain, cluster), start, goal)
