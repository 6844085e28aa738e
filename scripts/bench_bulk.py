"""Benchmark the bulk jobs: whole-chain clustering in process vs Spark local[2], and a trace from files vs APIs.

1. Generates bitcoin-etl-shaped inputs (flat ``transactions``/``inputs``/``outputs`` Parquet, BigQuery column names)
   of N inputs -- 1 to 3 inputs and 2 outputs per transaction, input addresses drawn from a pool of N/2 so that
   co-spends chain into clusters -- and runs ``tracer bulk cluster`` with each engine in a fresh process, printing
   wall time, peak memory (the largest resident size of the job's whole process tree -- Python driver, Spark's JVM
   and its Python workers -- sampled every 0.5 s, or the process's own max RSS if larger) and the
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
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, text=True, env=env)
        sampled = 0
        while proc.poll() is None:  # Spark's JVM is never waited for, so rusage misses it: sample the tree
            sampled = max(sampled, _tree_rss_kib(proc.pid))
            time.sleep(0.5)
        seconds = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        stdout, stderr = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed: {stderr[-2000:]}")
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, sampled) / 1024
    return seconds, peak, json.loads(stdout[stdout.index("{"):])


def _tree_rss_kib(root: int) -> int:
    """Resident memory (KiB) of ``root`` and all its descendants now: the Python driver, the JVM, its workers."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # the process ended while we read it
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields.get("PPid", "0").strip())
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


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


def bench_trace(seed: int = 7, variant: str = "all") -> None:
    """The same family world traced through its loopback APIs and through its ETL export: requests, time, result."""
    from tracer.cli.worlds import trace_served_world
    from tracer.config import Settings
    from tracer.sandbox.etl_export import export_world
    from tracer.sandbox.launch import start_sandbox

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-trace-") as tmp:
        sandbox = start_sandbox(seed, "demo", out_dir=Path(tmp) / "sb", variant=variant)
        try:
            export_world(sandbox.world, Path(tmp) / "etl", fmt="parquet")
            for mode in ("api", "files"):
                env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{tmp}/{mode}.db",
                       **{f"TRACER_{n}_RATE": "1000" for n in ("ETHERSCAN", "ESPLORA", "TRONGRID", "MIDGARD")}}
                if mode == "files":
                    env.update({f"TRACER_SOURCE_{c.upper()}": f"etl:{tmp}/etl/{c}" for c in ("ethereum", "bitcoin", "tron")})
                settings = Settings.load(env, config_path=Path(tmp) / "none.toml")
                start = time.perf_counter()
                run = trace_served_world(sandbox, settings, case="bench")
                endpoints = sorted((e["chain"], e["address"], e["asset"], e["amount"]) for e in run.doc["endpoints"])
                results[mode] = (time.perf_counter() - start, run.score.requests, run.score.recall_by_value, endpoints)
        finally:
            sandbox.stop()
    print(f"trace of family world seed {seed} variant {variant} (Midgard stays an API in both modes)")
    for mode, (seconds, requests, recall, endpoints) in results.items():
        print(f"trace via {mode:>5}: {seconds:7.1f} s, requests {requests:>5}, recall by value {recall:.6f}, "
              f"endpoints {len(endpoints)}")
    print(f"time ratio files/api: {results['files'][0] / results['api'][0]:.2f}; "
          f"same endpoints: {results['files'][3] == results['api'][3]}", flush=True)


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
