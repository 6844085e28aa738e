"""Requests made by the Etherscan adapter vs the minimum pages needed, and the archive hit rate on a re-run.

    .venv/bin/python scripts/bench_adapters.py [--page-size 1000] [--memory-archive]

Synthetic address histories (sizes around the page cap, a block holding more rows than a page, boundary
blocks cut by a page) are served by ``chains.testing.etherscan`` over a real loopback HTTP server. The
first run asks for every history up to ``final_block`` (immutable windows), the second run repeats it: with
the archive every answer should come from it. Uses ``db.archive.SqlResponseArchive`` on a temporary SQLite
file (or an in-memory archive with ``--memory-archive``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from chains.base import ArchivedResponse, ResponseArchive  # noqa: E402
from chains.etherscan import EtherscanAdapter, EtherscanClient  # noqa: E402
from chains.testing import FixtureServer  # noqa: E402
from chains.testing.etherscan import EtherscanSimulator  # noqa: E402
from tracer.model import Chain  # noqa: E402

TIP = 20_000_000
FINAL = TIP - 64


class MemoryArchive:
    """Dict-backed ResponseArchive (fallback when the db package is unavailable)."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[ArchivedResponse, bool]] = {}

    def put(self, response: ArchivedResponse, *, immutable: bool) -> None:
        """Keep the latest exchange per key."""
        self.rows[response.request_key] = (response, immutable)

    def get_immutable(self, request_key: str) -> ArchivedResponse | None:
        """The stored immutable answer, if any."""
        found = self.rows.get(request_key)
        return found[0] if found and found[1] else None


def history(address: str, n: int, rows_per_block: int, crowded: int = 0) -> list[dict[str, str]]:
    """``n`` txlist rows for ``address``; ``crowded`` extra rows all in one block in the middle."""
    rows: list[dict[str, str]] = []
    block = 10_000_000
    for i in range(n):
        if i % rows_per_block == 0:
            block += 7
        rows.append({"blockNumber": str(block), "timeStamp": str(1_600_000_000 + block), "hash": f"0x{i:060x}"
                     + address[-4:], "from": address, "to": "0x" + "ab" * 20, "value": str(i + 1), "isError": "0"})
    middle = rows[n // 2]["blockNumber"] if rows else "10000001"
    for j in range(crowded):
        rows.append({"blockNumber": middle, "timeStamp": str(1_600_000_000 + int(middle)),
                     "hash": f"0x{j:060x}ffff", "from": "0x" + "cd" * 20, "to": address, "value": "1",
                     "isError": "0"})
    return rows


CASES: list[tuple[str, int, int, int]] = [
    # (label, rows, rows per block, extra rows crowded into one block)
    ("empty", 0, 1, 0),
    ("small (3)", 3, 1, 0),
    ("exactly one page (1000)", 1000, 1, 0),
    ("one page + 1 (1001)", 1001, 1, 0),
    ("2,500 rows, 3 per block", 2500, 3, 0),
    ("10,000 rows, 4 per block", 10_000, 4, 0),
    ("3,000 rows + a 1,500-row block", 3000, 2, 1500),
]


def run(page_size: int, archive: ResponseArchive) -> None:
    """Print the table of requests per history and the archive re-run figures."""
    addresses = [f"0x{i + 1:040x}" for i in range(len(CASES))]
    rows = {a: history(a, n, per_block, crowded) for a, (_, n, per_block, crowded) in zip(addresses, CASES,
                                                                                             strict=True)}
    sim = EtherscanSimulator(histories={"txlist": rows}, tip=TIP)
    with FixtureServer(responder=sim) as server:
        client = EtherscanClient(requests.Session(), server.url + "/v2/api", api_key="BENCHKEY", rate=0,
                                 archive=archive, page_size=page_size)
        adapter = EtherscanAdapter(client, Chain.ETHEREUM)
        print(f"page size {page_size}; 3 list actions per address (txlist + txlistinternal + tokentx, the last "
              f"two empty)")
        print(f"{'history':34} {'rows':>6} {'got':>6} {'requests':>8} {'minimum':>7} {'overhead':>8}")
        total_req = total_min = 0
        started = time.perf_counter()
        for address, (label, n, _, crowded) in zip(addresses, CASES, strict=True):
            before = client.http.stats.requests
            got = list(adapter.transfers_of(address, until_block=FINAL, final_block=FINAL))
            made = client.http.stats.requests - before
            minimum = max(1, math.ceil((n + crowded) / page_size)) + 2  # + one empty call per empty action
            total_req += made
            total_min += minimum
            print(f"{label:34} {n + crowded:>6} {len(got):>6} {made:>8} {minimum:>7} {made / minimum - 1:>8.0%}")
        first_elapsed = time.perf_counter() - started
        print(f"{'total':34} {'':>6} {'':>6} {total_req:>8} {total_min:>7} {total_req / total_min - 1:>8.0%}"
              f"   ({first_elapsed:.2f} s over loopback)")
        served_first = sim.calls
        hits_before = client.http.stats.archive_hits
        started = time.perf_counter()
        for address in addresses:
            list(adapter.transfers_of(address, until_block=FINAL, final_block=FINAL))
        rerun_requests = sim.calls - served_first
        hits = client.http.stats.archive_hits - hits_before
        print(f"re-run: {hits} answers from the archive, {rerun_requests} requests to the server, hit rate "
              f"{hits / max(1, hits + rerun_requests):.0%} ({time.perf_counter() - started:.2f} s)")
        before_open = sim.calls
        for address in addresses[:3]:
            list(adapter.transfers_of(address))  # open-ended: never immutable, always asks
        print(f"open-ended re-query of 3 addresses (not immutable): {sim.calls - before_open} requests")


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--memory-archive", action="store_true")
    args = parser.parse_args(argv)
    if args.memory_archive:
        run(args.page_size, MemoryArchive())
        return
    try:
        from db.archive import SqlResponseArchive
        from db.store import Store
    except ImportError as exc:
        print(f"db archive unavailable ({exc}); using the in-memory archive")
        run(args.page_size, MemoryArchive())
        return
    with tempfile.TemporaryDirectory() as tmp:
        store: Any = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        print("archive: db.archive.SqlResponseArchive on a temporary SQLite file")
        run(args.page_size, SqlResponseArchive(store))


if __name__ == "__main__":
    main()
