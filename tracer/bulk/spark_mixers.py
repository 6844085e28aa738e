"""Full-history mixer linking on Apache Spark (optional extra ``[spark]``): the same linkers, one pool per task.

Spark reads the tornado-cli event files and joins them with the ethereum-etl ``transactions`` table (the large
input: every transaction of the chain) for senders and gas prices. The joined events of all pools (Tornado Cash's
whole Ethereum history is well under a million rows) are broadcast as the linking context, because the linkers
look across pools (H1 skips recipients busy in any pool, H2 needs a gas price unique among all pool transactions,
H4 matches multi-pool portfolios). Each task then links one pool's deposits with
:func:`tracer.bulk.mixers.link_pool`; every link belongs to its deposit's pool, so the union is exactly the
in-process result (:func:`tracer.bulk.mixers.link_history`), digest for digest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heuristics.mixers.pools import pool_of
from heuristics.mixers.tornado import PoolDeposit, PoolWithdrawal
from tracer.bulk.mixer_table import LINK_COLUMNS
from tracer.bulk.mixers import event_file, link_pool, link_rows, make_event, sender_of, sort_events
from tracer.bulk.spark import read_table, spark_session
from tracer.model import Chain

EventTuple = tuple[str, str, str, str | None, str | None, str | None, str | None, str | None, Any, bool | None]
"""(kind, pool, tx, block, timestamp, to, fee, sender, gas price, joined) as collected from the joined DataFrame."""

COLUMNS = tuple(zip(LINK_COLUMNS, ("string", "string", "string", "long", "long", "string", "string", "long", "long",
                                   "string", "string", "string", "string", "double", "string", "string"), strict=True))
"""The ``mixer_links`` columns with their Spark types."""


@dataclass(frozen=True, slots=True)
class SparkMixerRun:
    """What the Spark job read and the link rows it collected back (for the digest and the store)."""

    pools: int
    deposits: int
    withdrawals: int
    rows: list[dict[str, object]]
    skipped_files: tuple[str, ...]


def _events(spark: Any, folder: Path, chain: Chain, etl: Path | None) -> tuple[Any, list[str]]:
    """One DataFrame of every event (strings, as in the files), with sender and gas price when ``etl`` has them."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    known: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    for path in sorted(folder.glob("*.json")):
        found = event_file(path.name, chain)
        if found is None:
            skipped.append(path.name)
        else:
            known.append((str(path), found[0], found[1].address))
    if not known:
        raise FileNotFoundError(f"no pool event files under {folder}")
    # every field as text: Spark keeps a JSON number's digits for a string column (no double rounding of fees)
    schema = StructType([StructField(n, StringType()) for n in ("blockNumber", "transactionHash", "timestamp", "to",
                                                                  "fee")])
    files = spark.createDataFrame([(p.rsplit("/", 1)[-1], k, a) for p, k, a in known], "file string, kind string, "
                                  "pool string")
    raw = (spark.read.schema(schema).option("multiLine", "true").json([p for p, _k, _a in known])
           .withColumn("file", F.element_at(F.split(F.input_file_name(), "/"), -1)))
    events = raw.join(F.broadcast(files), "file").select(
        "kind", "pool", F.lower("transactionHash").alias("tx"), F.col("blockNumber").alias("block"),
        F.col("timestamp").alias("ts"), "to", "fee")
    txs = read_table(spark, etl, "transactions") if etl is not None else None
    if txs is None:
        return events.select("*", F.lit(None).cast("string").alias("sender"), F.lit(None).cast("string").alias("gas"),
                             F.lit(None).cast("boolean").alias("joined")), skipped
    senders = txs.select(F.lower("hash").alias("tx"), F.col("from_address").alias("sender"),
                         F.col("gas_price").alias("gas"), F.lit(True).alias("joined")).dropDuplicates(["tx"])
    return events.join(senders, "tx", "left").select("kind", "pool", "tx", "block", "ts", "to", "fee",
                                                     F.lower("sender").alias("sender"), "gas", "joined"), skipped


def _history(chain: Chain, events: list[EventTuple]) -> tuple[list[PoolDeposit], list[PoolWithdrawal]]:
    """The linkers' values of the collected events, in the canonical order (runs in every task)."""
    deposits: list[PoolDeposit] = []
    withdrawals: list[PoolWithdrawal] = []
    for kind, pool_address, tx, block, ts, to, fee, sender, gas, joined in events:
        pool = pool_of(chain, pool_address)
        assert pool is not None  # the driver only kept files of known pools
        found = sender_of(sender, gas) if joined else (None, None)  # as the in-process join: matched rows only
        event = make_event(kind, pool, tx, block, ts, to, fee, *found)
        if isinstance(event, PoolDeposit):
            deposits.append(event)
        else:
            withdrawals.append(event)
    return sort_events(deposits, withdrawals)


def _link_task(chain: Chain, context: Any) -> Any:
    """The function each task runs over its pools: link them against the broadcast history."""

    def run(pools: Iterator[str]) -> Iterator[tuple[object, ...]]:
        wanted = list(pools)
        if not wanted:
            return
        deposits, withdrawals = _history(chain, context.value)
        for pool in wanted:
            for row in link_rows(chain, link_pool(pool, deposits, withdrawals)):
                yield tuple(row[name] for name, _t in COLUMNS)

    return run


def mixers_spark(folder: Path, chain: Chain = Chain.ETHEREUM, etl: Path | None = None, *, out: Path | None = None,
                 master: str = "local[2]", spark: Any = None) -> SparkMixerRun:
    """Link every pool's history on Spark; write ``out/mixer_links`` (Parquet, from the workers) when given."""
    spark = spark or spark_session(master, "tracer-bulk-mixers")
    events, skipped = _events(spark, folder, chain, etl)
    collected: list[EventTuple] = [tuple(r) for r in events.collect()]
    context = spark.sparkContext.broadcast(collected)
    try:
        pools = sorted({e[1] for e in collected if e[0] == "deposits"})
        found = spark.sparkContext.parallelize(pools, max(1, len(pools))).mapPartitions(_link_task(chain, context))
        links = spark.createDataFrame(found, ", ".join(f"{n} {t}" for n, t in COLUMNS))
        if out is not None:
            links.write.mode("overwrite").parquet(str(out / "mixer_links"))
            links = spark.read.parquet(str(out / "mixer_links"))
        rows = [r.asDict() for r in links.toLocalIterator()]
    finally:
        context.unpersist()
    n_deposits = sum(1 for e in collected if e[0] == "deposits")
    return SparkMixerRun(len({e[1] for e in collected}), n_deposits, len(collected) - n_deposits, rows,
                         tuple(skipped))
