"""Benchmark the bulk jobs: whole-chain clustering in process vs Spark local[2], and a trace from files vs APIs.

1. Generates bitcoin-etl-shaped inputs (flat ``transactions``/``inputs``/``outputs`` Parquet, BigQuery column names)
   of N inputs -- 1 to 3 inputs and 2 outputs per transaction, input addresses drawn from a pool of N/2 so that
   co-spends chain into clusters -- and runs ``tracer bulk cluster`` with each engine in a fresh process, printing
   wall time, peak memory (max RSS of the largest process: the Python process, or Spark's driver JVM) and the
   growth exponent k of time ~ size^k between consecutive sizes. Both engines must print the same digest.
2. Traces the sandbox world once through the loopback APIs and once through its ethereum-etl/bitcoin-etl/tronetl
   export: chain requests (N vs 0) and the time ratio.

Usage: .venv/bin/python scripts/bench_bulk.py [--sizes 1000000,3000000,10000000] [--engines local,spark]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATE = """
CREATE TABLE tx AS SELECT range AS t, 1 + CAST(hash(range) % 3 AS BIGINT) AS k FROM range({txs});
COPY (SELECT lpad(to_hex(t), 64, '0') AS hash, t // 2000 AS block_number, 1700000000 + t // 2000 * 600
      AS block_timestamp, false AS is_coinbase, 1000 AS fee FROM tx) TO '{root}/transactions/part-0.parquet';
COPY (SELECT lpad(to_hex(t), 64, '0') AS transaction_hash, t // 2000 AS block_number, i AS "index",
      'bc1q' || lpad(CAST(hash(t * 7 + i) % {pool} AS VARCHAR), 38, '0') AS addresses,
      10000 + CAST(hash(t * 13 + i) % 100000000 AS BIGINT) AS value, '' AS spent_transaction_hash,
      0 AS spent_output_index, 'witness_v0_keyhash' AS type
      FROM (SELECT t, unnest(range(k)) AS i FROM tx)) TO '{root}/inputs/part-0.parquet';
COPY (SELECT lpad(to_hex(t), 64, '0') AS transaction_hash, t // 2000 AS block_number, i AS "index",
      'bc1q' || lpad(CAST({pool} + hash(t * 11 + i) % {pool} AS VARCHAR), 38, '0') AS addresses,
      CASE WHEN i = 0 THEN 100000 * (1 + CAST(hash(t) % 500 AS BIGINT))
           ELSE 5000 + CAST(hash(t * 17) % 90000000 AS BIGINT) END AS value, '' AS script_hex,
      'witness_v0_keyhash' AS type
      FROM (SELECT t, unnest(range(2)) AS i FROM tx)) TO '{root}/outputs/part-0.parquet';
"""


def generate(root: Path, inputs: int) -> None:
    """A bitcoin-etl-shaped export with about ``inputs`` inputs (mean 2 per tx)."""
    import duckdb

    for table in ("transactions", "inputs", "outputs"):
        (root / table).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(GENERATE.format(txs=inputs // 2, pool=inputs // 2, root=root))
    con.close()


def run_engine(engine: str, src: Path, out: Path) -> tuple[float, float, dict[str, object]]:
    """(seconds, peak RSS MiB, summary) of one ``tracer bulk cluster`` run in a fresh process."""
    cmd = [sys.executable, "-m", "tracer", "bulk", "cluster", "--input", str(src), "--out", str(out),
           "--engine", engine, "--master", "local[2]", "--json", "--max-cluster-size", "100000000"]
    env = {**os.environ, "TRACER_SPARK_DRIVER_MEMORY": os.environ.get("TRACER_SPARK_DRIVER_MEMORY", "6g")}
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{engine} failed: {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, json.loads(done.stdout[done.stdout.index("{"):])


def bench_clustering(sizes: list[int], engines: list[str]) -> None:
    print(f"machine: nproc={os.cpu_count()}, RAM={_ram_gib():.1f} GiB")
    print(f"{'inputs':>10} {'engine':>6} {'seconds':>9} {'peak MiB':>9} {'k':>5}  addresses  clusters  digest")
    last: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        for size in sizes:
            src = Path(tmp) / f"in-{size}"
            generate(src, size)
            digests = set()
            for engine in engines:
                # RUSAGE_CHILDREN keeps the maximum over all children: measure each engine in its own helper
                probe = subprocess.run([sys.executable, __file__, "--one", engine, str(src), str(Path(tmp) / engine)],
                                       capture_output=True, text=True, check=False)
                if probe.returncode != 0:
                    print(f"{size:>10} {engine:>6} failed: {probe.stderr[-500:]}")
                    continue
                seconds, peak, summary = json.loads(probe.stdout)
                k = ""
                if engine in last:
                    s0, t0 = last[engine]
                    k = f"{math.log(seconds / t0) / math.log(size / s0):.2f}"
                last[engine] = (size, seconds)
                digests.add(summary["digest"])
                print(f"{size:>10} {engine:>6} {seconds:>9.1f} {peak:>9.0f} {k:>5}  {summary['addresses']:>9} "
                      f"{summary['clusters']:>9}  {str(summary['digest'])[:12]}", flush=True)
            print(f"{'':>10} engines agree: {len(digests) == 1}", flush=True)


def bench_trace() -> None:
    from db.labels import LabelStore
    from db.store import Store
    from heuristics.mixers.coinjoin import detect_coinjoin
    from tracer.cli.wiring import build
    from tracer.config import Settings
    from tracer.labels.importer import import_file
    from tracer.model import Address, CaseParameters, Chain, Seed
    from tracer.sandbox.etl_export import export_world
    from tracer.sandbox.launch import start_sandbox
    from tracer.tracing import run_case

    with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
        sandbox = start_sandbox(7, "demo", out_dir=Path(tmp) / "sb")
        try:
            export_world(sandbox.world, Path(tmp) / "etl", fmt="parquet")
            results = {}
            for mode in ("api", "files"):
                env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{tmp}/{mode}.db",
                       **{f"TRACER_{n}_RATE": "1000" for n in ("ETHERSCAN", "ESPLORA", "TRONGRID", "MIDGARD")}}
                if mode == "files":
                    env.update({f"TRACER_SOURCE_{c.upper()}": f"etl:{tmp}/etl/{c}" for c in ("ethereum", "bitcoin", "tron")})
                settings = Settings.load(env, config_path=Path(tmp) / "none.toml")
                store = Store.open(settings.database_url)
                import_file(LabelStore(store.engine), sandbox.labels_path, source="sandbox")
                wiring = build(settings, store, (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON))
                start = time.perf_counter()
                run_case(store, wiring.adapters, wiring.labels, "bench", [Seed(Address(Chain.ETHEREUM,
                         sandbox.truth.exploiter))], CaseParameters(), bridge=wiring.bridge, coinjoin=detect_coinjoin,
                         confirmations=settings.confirmations, label_versions=wiring.label_versions,
                         requests=wiring.requests, prices=wiring.prices, wallets=wiring.labels.addresses_in)
                chain_requests = sum(c.stats.requests for c in wiring.clients if c.name != "midgard")
                midgard = sum(c.stats.requests for c in wiring.clients if c.name == "midgard")
                results[mode] = (time.perf_counter() - start, chain_requests, midgard)
        finally:
            sandbox.stop()
    for mode, (seconds, chain_requests, midgard) in results.items():
        print(f"trace via {mode:>5}: {seconds:7.1f} s, chain requests {chain_requests}, Midgard requests {midgard}")
    print(f"time ratio files/api: {results['files'][0] / results['api'][0]:.2f}")


def _ram_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,3000000,10000000")
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--skip-trace", action="store_true")
    ap.add_argument("--one", nargs=3, metavar=("ENGINE", "SRC", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        engine, src, out = args.one
        print(json.dumps(run_engine(engine, Path(src), Path(out))))
        return
    if not args.skip_trace:
        bench_trace()
    bench_clustering([int(s) for s in args.sizes.split(",")], args.engines.split(","))


if __name__ == "__main__":
    main()
