"""Throughput of the case store: expansions committed through the trace repository, reads, archive writes.

    .venv/bin/python scripts/bench_store.py [--n 20000] [--url postgresql+psycopg://...]

Without ``--url`` it runs on a temporary SQLite file. Prints one line per operation (rows/s).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.archive import SqlResponseArchive  # noqa: E402
from db.records import Contribution, Expansion  # noqa: E402
from db.store import Store  # noqa: E402
from tracer.model import (  # noqa: E402
    Address,
    ArchivedResponse,
    CaseParameters,
    Chain,
    Evidence,
    EvidenceClass,
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
        repo = store.trace_repository()
        ev = Evidence(EvidenceClass.E1, "transfer", 1.0)
        by_sender: dict[str, list[Contribution]] = defaultdict(list)
        for t in batch:
            by_sender[t.from_address or ""].append(Contribution(t, "ETH", t.amount, t.amount,
                                                                f"ethereum:{t.from_address}", 1, ev))
        expansions = [Expansion(Address(Chain.ETHEREUM, sender), cs) for sender, cs in by_sender.items()]
        touched = [[(c.receiver, 1, 0.5) for c in e.contributions if c.receiver] for e in expansions]
        timed(f"commit_expansion ({len(expansions)} nodes)", args.n,
              lambda: _each(lambda i: repo.commit_expansion(case_id, expansions[i], 0, touched[i]),
                            range(len(expansions))))
        timed("commit_expansion again (replaces)", args.n,
              lambda: _each(lambda i: repo.commit_expansion(case_id, expansions[i], 0, touched[i]),
                            range(len(expansions))))
        timed("all_contributions() read back", args.n, lambda: repo.all_contributions(case_id))
        timed("pending_nodes()", args.n, lambda: repo.pending_nodes(case_id))
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


if __name__ == "__main__":
    sys.exit(main())
