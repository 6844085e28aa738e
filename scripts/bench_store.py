"""Throughput of the case store: bulk transfers, edges, frontier pushes and archive writes.

    .venv/bin/python scripts/bench_store.py [--n 20000] [--url postgresql+psycopg://...]

Without ``--url`` it runs on a temporary SQLite file. Prints one line per operation (rows/s).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.archive import SqlResponseArchive  # noqa: E402
from db.store import FrontierItem, Store  # noqa: E402
from tracer.model import (  # noqa: E402
    ArchivedResponse,
    CaseParameters,
    Chain,
    Evidence,
    EvidenceClass,
    TraceEdge,
    Transfer,
    TransferKind,
)

ETH = Chain.ETHEREUM.native


def transfers(n: int) -> list[Transfer]:
    """``n`` distinct realistic native transfers."""
    t0 = datetime(2025, 2, 21, 14, 13, 35, tzinfo=UTC).timestamp()
    return [
        Transfer(chain=Chain.ETHEREUM, tx_hash="0x" + f"{i:064x}", index=-1, kind=TransferKind.NATIVE, asset=ETH,
                 from_address="0x" + f"{i // 7:040x}", to_address="0x" + f"{i + 1:040x}", amount=10**18 + i,
                 block_number=21_895_238 + i // 50, timestamp=datetime.fromtimestamp(t0 + i, UTC))
        for i in range(n)
    ]


def timed(label: str, rows: int, fn: Callable[[], object]) -> None:
    """Run ``fn`` once and print rows per second."""
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<38} {rows:>7} rows {elapsed:7.2f} s {rows / elapsed:>10,.0f} rows/s")


def main(argv: list[str] | None = None) -> int:
    """Run every measurement on one fresh database."""
    parser = argparse.ArgumentParser(description="case store throughput")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(url)
        print(f"backend {store.dialect}, n={args.n}")
        case_id = store.create_case(f"bench-{time.time_ns()}", CaseParameters(), [])
        batch = transfers(args.n)
        chunks = [batch[i : i + 1000] for i in range(0, len(batch), 1000)]
        timed("add_transfers (batches of 1000)", args.n, lambda: [store.add_transfers(c) for c in chunks])
        timed("add_transfers again (all conflicts)", args.n, lambda: [store.add_transfers(c) for c in chunks])
        ev = Evidence(EvidenceClass.E1, "transfer", 1.0)
        edges = [TraceEdge(t, t.amount, 1, ev, parent=f"ethereum:{t.from_address}", origin="ETH",
                           origin_amount=t.amount) for t in batch]
        timed("add_edges (batches of 1000)", args.n,
              lambda: _each(lambda i: store.add_edges(case_id, edges[i : i + 1000]), range(0, len(edges), 1000)))
        timed("edges() read back", args.n, lambda: store.edges(case_id))
        items = [FrontierItem(Chain.ETHEREUM, t.to_address or "", "ETH", t.amount, 1) for t in batch[:5000]]
        timed("push_frontier (one atomic per 100)", len(items),
              lambda: _each(lambda i: _push(store, case_id, items[i : i + 100]), range(0, len(items), 100)))
        archive = SqlResponseArchive(store)
        bodies = [(f"GET https://api.etherscan.io/v2/api?page={i}", b'{"status":"1","result":[]}' + str(i).encode())
                  for i in range(2000)]
        responses = [ArchivedResponse(k, 200, b, hashlib.sha256(b).hexdigest(), time.time()) for k, b in bodies]
        timed("archive.put (one transaction each)", len(bodies),
              lambda: _each(lambda i: archive.put(responses[i], immutable=True), range(len(responses))))
        timed("archive.get_immutable", len(bodies), lambda: [archive.get_immutable(k) for k, _ in bodies])
        store.close()
    return 0


def _each(fn: Callable[[int], None], indexes: Iterable[int]) -> None:
    for i in indexes:
        fn(i)


def _push(store: Store, case_id: int, items: list[FrontierItem]) -> None:
    with store.atomic():
        store.push_frontier(case_id, items)


if __name__ == "__main__":
    sys.exit(main())
