"""Benchmark: import 100k synthetic labels into a temp SQLite DB, then 1M lookups on the LabelIndex.

Addresses are valid (random 20-byte accounts encoded per chain), so the import path is the real one:
CSV parse + address validation + one-transaction bulk insert. Prints timings and peak RSS.

Usage: .venv/bin/python scripts/bench_labels.py [--labels 100000] [--lookups 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from chains.addresses import btc_p2pkh, evm_from_bytes, tron_from_bytes
from db.labels import LabelStore
from db.session import open_database
from tracer.labels.importer import import_file
from tracer.labels.index import load_index
from tracer.model import Chain

CATEGORIES = ("exchange", "bridge", "mixer", "sanctioned", "hacker", "service", "dex", "otc")


def synthetic_csv(path: Path, count: int, rng: random.Random) -> list[tuple[Chain, str]]:
    """Write ``count`` labels (80% EVM, 10% Bitcoin, 10% TRON); return their (chain, address)."""
    keys: list[tuple[Chain, str]] = []
    lines = ["chain,address,label,category,source,confidence,entity,program"]
    for i in range(count):
        raw = rng.randbytes(20)
        pick = i % 10
        if pick == 8:
            chain, address = Chain.BITCOIN, btc_p2pkh(raw)
        elif pick == 9:
            chain, address = Chain.TRON, tron_from_bytes(raw)
        else:
            chain, address = Chain.ETHEREUM, evm_from_bytes(raw)
        keys.append((chain, address))
        lines.append(f"{chain.value},{address},Service {i % 997} wallet {i},{CATEGORIES[i % len(CATEGORIES)]},"
                     f"bench,0.{1 + i % 9},Service {i % 997},")
    path.write_text("\n".join(lines) + "\n")
    return keys


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description="label import / lookup benchmark")
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench_labels.csv"
        keys = synthetic_csv(csv_path, args.labels, rng)
        engine = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store = LabelStore(engine)

        start = time.perf_counter()
        summary = import_file(store, csv_path, version="bench-1")
        import_s = time.perf_counter() - start
        assert summary.imported == args.labels, summary.as_dict()

        start = time.perf_counter()
        again = import_file(store, csv_path, version="bench-1")
        reimport_s = time.perf_counter() - start
        assert not again.created

        start = time.perf_counter()
        index = load_index(store)
        load_s = time.perf_counter() - start

        # Clusters of 10 over the first 10% of EVM addresses: lookups there go through the cluster path.
        evm = [address for chain, address in keys if chain is Chain.ETHEREUM]
        clustered = evm[: len(evm) // 10]
        index.set_clusters({address: f"c{i // 10}" for i, address in enumerate(clustered)}, chain=Chain.ETHEREUM)

        misses = [(Chain.ETHEREUM, evm_from_bytes(rng.randbytes(20))) for _ in range(1000)]
        probes = [keys[rng.randrange(len(keys))] for _ in range(9000)] + misses
        rng.shuffle(probes)
        hits = 0
        start = time.perf_counter()
        for i in range(args.lookups):
            chain, address = probes[i % len(probes)]
            if index.labels_of(chain, address):
                hits += 1
        lookup_s = time.perf_counter() - start
        engine.dispose()

    print(f"labels imported:        {args.labels:,} in {import_s:.2f} s ({args.labels / import_s:,.0f} labels/s; "
          "parse + validate + 1 transaction)")
    print(f"re-import (idempotent): {reimport_s:.2f} s (parse only, set already present)")
    print(f"index load from DB:     {load_s:.2f} s ({len(index):,} labels)")
    print(f"lookups:                {args.lookups:,} in {lookup_s:.2f} s ({lookup_s / args.lookups * 1e6:.2f} us each; "
          f"{hits:,} hits, 10% misses, ~10% of EVM keys clustered)")
    print(f"peak RSS:               {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
