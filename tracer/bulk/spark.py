"""The distributed clustering engine on Apache Spark (PySpark DataFrames; optional extra ``[spark]``).

Same evidence as the in-process engine (:func:`tracer.bulk.evidence.tx_evidence`, i.e. the trace's CoinJoin and
change detectors, run in the Python workers over each transaction's collected inputs and outputs), then connected
components by alternating **large-star / small-star** (Kiveris, Lattanzi, Mirrokni, Rastogi, Vassilvitskii,
"Connected Components in MapReduce and Beyond", SoCC 2014) -- the algorithm GraphFrames' ``connectedComponents``
runs -- written in DataFrame operations, because the GraphFrames JVM package comes from Maven. Convergence: an
iteration that changes no edge; then every component is a star around its smallest address, the cluster id.
Lineage is cut every iteration with ``localCheckpoint`` so long peel chains do not grow the plan.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracer.bulk.evidence import build_tx, tx_evidence
from tracer.bulk.result import DEFAULT_MAX_CLUSTER_SIZE, AssignmentDigest, ClusterSummary, write_summary

MAX_ITERATIONS = 100


def spark_session(master: str = "local[2]", app: str = "tracer-bulk", partitions: int = 8) -> Any:
    """A SparkSession; workers run this interpreter (``PYSPARK_PYTHON``) so they import the same heuristics."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.sql.shuffle.partitions", str(partitions)).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.memory", os.environ.get("TRACER_SPARK_DRIVER_MEMORY", "2g")))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def read_table(spark: Any, root: Path, name: str) -> Any | None:
    for ext, reader in (("parquet", "parquet"), ("csv", "csv"), ("json", "json"), ("jsonl", "json")):
        folder, single = root / name, root / f"{name}.{ext}"
        paths = [str(p) for p in folder.rglob(f"*.{ext}")] if folder.is_dir() else []
        if single.is_file():
            paths = [str(single)]
        if paths:
            r = spark.read.option("header", "true") if reader == "csv" else spark.read
            return r.format(reader).load(paths)
    return None


def _sides(spark: Any, root: Path) -> tuple[Any, Any, Any]:
    """transactions(hash, block_number), inputs and outputs (transaction_hash, index, addresses text, value)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType

    txs = read_table(spark, root, "transactions")
    if txs is None:
        raise FileNotFoundError(f"no transactions table under {root}")
    out = []
    for side in ("inputs", "outputs"):
        df = read_table(spark, root, side)
        if df is None:
            df = txs.select(F.col("hash").alias("transaction_hash"), F.explode(side).alias("x")).select(
                "transaction_hash", "x.index", "x.addresses", "x.value")
        if isinstance(df.schema["addresses"].dataType, ArrayType):
            df = df.withColumn("addresses", F.concat_ws(",", "addresses"))
        out.append(df.select("transaction_hash", F.col("index").cast("long").alias("index"),
                             F.coalesce(F.col("addresses"), F.lit("")).alias("addresses"),
                             F.col("value").cast("long").alias("value")))
    return txs.select("hash", F.col("block_number").cast("long").alias("block_number")), out[0], out[1]


def _evidence_rows(rows: Iterator[Any]) -> Iterator[tuple[str, str, str, str, float]]:
    """Worker side: one grouped transaction -> its merge edges (and a marker row per skipped CoinJoin)."""
    for r in rows:
        ins = [(i["index"], i["addresses"], i["value"]) for i in r["ins"] or ()]
        outs = [(o["index"], o["addresses"], o["value"]) for o in r["outs"] or ()]
        edges, coinjoin = tx_evidence(build_tx(r["hash"], r["block_number"] or 0, ins, outs))
        if coinjoin:
            yield ("", "", "coinjoin", r["hash"], 0.0)
        for e in edges:
            yield (e.a, e.b, e.heuristic, e.tx_hash, e.confidence)


def _large_star(edges: Any) -> Any:
    from pyspark.sql import functions as F

    both = edges.union(edges.select(F.col("v").alias("u"), F.col("u").alias("v"))).distinct()
    mins = both.groupBy("u").agg(F.least(F.min("v"), F.first("u")).alias("m"))
    return (both.join(mins, "u").where(F.col("v") > F.col("u"))
            .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())


def _small_star(edges: Any) -> Any:
    from pyspark.sql import functions as F

    oriented = edges.select(F.greatest("u", "v").alias("hi"), F.least("u", "v").alias("lo"))
    mins = oriented.groupBy("hi").agg(F.min("lo").alias("m"))
    linked = oriented.join(mins, "hi").select(F.col("lo").alias("u"), F.col("m").alias("v"))
    return linked.union(mins.select(F.col("hi").alias("u"), F.col("m").alias("v"))).where(
        F.col("u") != F.col("v")).distinct()


def connected_components(edges: Any) -> Any:
    """(address, cluster) for every address on an edge, cluster = smallest address of its component.

    Edges are kept as (u, v) with u > v after each step, so "no change" is an equality of edge sets.
    """
    from pyspark.sql import functions as F

    current = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).where(
        F.col("u") != F.col("v")).distinct().localCheckpoint()
    for _ in range(MAX_ITERATIONS):
        nxt = _small_star(_large_star(current)).localCheckpoint()
        if nxt.exceptAll(current).union(current.exceptAll(nxt)).isEmpty():
            current = nxt
            break
        current = nxt
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ITERATIONS} iterations")
    roots = current.select(F.col("v").alias("address"), F.col("v").alias("cluster")).distinct()
    return current.select(F.col("u").alias("address"), F.col("v").alias("cluster")).union(roots).distinct()


def cluster_spark(input_dir: Path, out: Path, *, master: str = "local[2]",
                  max_cluster_size: int = DEFAULT_MAX_CLUSTER_SIZE, spark: Any = None) -> ClusterSummary:
    """Cluster a bitcoin-etl export on Spark and write the same tables as the in-process engine."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    spark = spark or spark_session(master)
    txs, ins, outs = _sides(spark, input_dir)
    item = F.struct("index", "addresses", "value")
    grouped = (txs.join(ins.groupBy("transaction_hash").agg(F.collect_list(item).alias("ins")),
                        txs.hash == F.col("transaction_hash"), "left").drop("transaction_hash")
               .join(outs.groupBy("transaction_hash").agg(F.collect_list(item).alias("outs")),
                     txs.hash == F.col("transaction_hash"), "left").drop("transaction_hash"))
    schema = StructType([StructField(n, StringType()) for n in ("a", "b", "heuristic", "tx_hash")]
                        + [StructField("confidence", DoubleType())])
    found = spark.createDataFrame(grouped.rdd.mapPartitions(_evidence_rows), schema).localCheckpoint()
    skipped = found.where(F.col("heuristic") == "coinjoin").count()
    edges = found.where(F.col("heuristic") != "coinjoin")
    single = F.col("addresses").rlike("^[^,]+$")
    nodes = ins.where(single).select(F.col("addresses").alias("address")).union(
        outs.where(single).select(F.col("addresses").alias("address"))).distinct()
    components = connected_components(edges)
    assigned = nodes.join(components, "address", "left").select(
        "address", F.coalesce("cluster", "address").alias("cluster")).localCheckpoint()
    sizes = assigned.groupBy("cluster").agg(F.count("*").alias("size"))
    refused = sizes.where(F.col("size") > max_cluster_size)
    final = (assigned.join(refused.select("cluster", F.lit(True).alias("dissolved")), "cluster", "left")
             .select("address", F.when(F.col("dissolved"), F.col("address")).otherwise(F.col("cluster"))
                     .alias("cluster"))).localCheckpoint()
    merges = (edges.join(assigned.select(F.col("address").alias("a"), "cluster"), "a")
              .join(refused.select("cluster"), "cluster", "left_anti")
              .select("cluster", "a", "b", "heuristic", "tx_hash", "confidence"))
    final.write.mode("overwrite").parquet(str(out / "clusters"))
    merges.write.mode("overwrite").parquet(str(out / "merges"))
    refused.write.mode("overwrite").parquet(str(out / "refused"))
    digest = AssignmentDigest()
    for row in final.orderBy("address").toLocalIterator():
        digest.add(row["address"], row["cluster"])
    kept = spark.read.parquet(str(out / "merges")).count()
    n_refused = spark.read.parquet(str(out / "refused")).count()
    multi = final.groupBy("cluster").count().where(F.col("count") > 1).count()
    summary = ClusterSummary(digest.count, final.select("cluster").distinct().count(), multi, kept, skipped,
                             n_refused, digest.hexdigest())
    write_summary(out, summary)
    return summary
