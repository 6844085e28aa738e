"""The in-process clustering engine: DuckDB streams the transactions, a union-find joins the addresses.

For inputs that fit one machine (tens of millions of inputs); :mod:`tracer.bulk.spark` gives the same assignment
on a cluster. Output tables (Parquet): ``clusters/`` (address, cluster), ``merges/`` (cluster, a, b, heuristic,
tx_hash, confidence), ``refused/`` (cluster, size) and ``summary.json``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from chains.etl.bitcoin import TABLES, flat_views
from chains.etl.tables import EtlTables
from tracer.bulk.evidence import MergeEdge, addresses_of, build_tx, tx_evidence
from tracer.bulk.result import DEFAULT_MAX_CLUSTER_SIZE, AssignmentDigest, ClusterSummary, write_summary
from tracer.model import ChainTx

GROUPED = """
SELECT t.hash, CAST(t.block_number AS BIGINT), i.ins, o.outs FROM transactions t
LEFT JOIN (SELECT transaction_hash, list((CAST("index" AS BIGINT), addresses, CAST(value AS BIGINT))) AS ins
           FROM inputs_text GROUP BY transaction_hash) i ON i.transaction_hash = t.hash
LEFT JOIN (SELECT transaction_hash, list((CAST("index" AS BIGINT), addresses, CAST(value AS BIGINT))) AS outs
           FROM outputs_text GROUP BY transaction_hash) o ON o.transaction_hash = t.hash
"""


def read_transactions(tables: EtlTables) -> Iterator[ChainTx]:
    """Every transaction of a bitcoin-etl export with its inputs and outputs."""
    flat_views(tables)
    for tx_hash, block, ins, outs in tables.stream(GROUPED):
        yield build_tx(str(tx_hash), int(block or 0), [tuple(r) for r in ins or ()], [tuple(r) for r in outs or ()])


class _UnionFind:
    """Compact union-find keyed by address (ids in a list; the root keeps the smallest address)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.parent: list[int] = []
        self.names: list[str] = []

    def add(self, a: str) -> int:
        i = self.ids.get(a)
        if i is None:
            i = self.ids[a] = len(self.parent)
            self.parent.append(i)
            self.names.append(a)
        return i

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(self.add(a)), self.find(self.add(b))
        if ra != rb:  # the root is always the smaller address, so the root names the cluster
            if self.names[rb] < self.names[ra]:
                ra, rb = rb, ra
            self.parent[rb] = ra


def cluster_local(input_dir: Path, out: Path, *, max_cluster_size: int = DEFAULT_MAX_CLUSTER_SIZE) -> ClusterSummary:
    """Cluster a bitcoin-etl export in process and write the tables under ``out``."""
    tables = EtlTables(input_dir, TABLES)
    uf = _UnionFind()
    edges: list[MergeEdge] = []
    skipped = 0
    for tx in read_transactions(tables):
        for a in addresses_of(tx):
            uf.add(a)
        found, coinjoin = tx_evidence(tx)
        skipped += coinjoin
        for e in found:
            uf.union(e.a, e.b)
        edges.extend(found)
    sizes: dict[int, int] = {}
    roots = [uf.find(i) for i in range(len(uf.parent))]
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    refused = {r for r, n in sizes.items() if n > max_cluster_size}
    cluster = [uf.names[i] if r in refused else uf.names[r] for i, r in enumerate(roots)]
    digest = AssignmentDigest()
    for i in sorted(range(len(cluster)), key=uf.names.__getitem__):
        digest.add(uf.names[i], cluster[i])
    kept = [e for e in edges if roots[uf.ids[e.a]] not in refused]
    summary = ClusterSummary(len(cluster), len(set(cluster)),
                             sum(1 for r, n in sizes.items() if n > 1 and r not in refused), len(kept), skipped,
                             len(refused), digest.hexdigest())
    _write(out, uf.names, cluster, kept, {uf.names[r]: sizes[r] for r in refused})
    write_summary(out, summary)
    tables.close()
    return summary


def _write(out: Path, names: list[str], cluster: list[str], edges: list[MergeEdge],
           refused: dict[str, int]) -> None:
    import duckdb
    import pandas as pd

    frames = {
        "clusters": pd.DataFrame({"address": names, "cluster": cluster}),
        "edges": pd.DataFrame({"a": [e.a for e in edges], "b": [e.b for e in edges],
                               "heuristic": [e.heuristic for e in edges], "tx_hash": [e.tx_hash for e in edges],
                               "confidence": [e.confidence for e in edges]}),
        "refused": pd.DataFrame({"cluster": list(refused), "size": list(refused.values())}),
    }
    queries = {"clusters": "SELECT * FROM f_clusters",
               "merges": "SELECT c.cluster, m.* FROM f_edges m JOIN f_clusters c ON c.address = m.a",
               "refused": "SELECT * FROM f_refused"}
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            con.register(f"f_{name}", frame)
        for name, sql in queries.items():
            folder = out / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(f"COPY ({sql}) TO '{folder / 'part-0.parquet'}' (FORMAT parquet)")
    finally:
        con.close()
