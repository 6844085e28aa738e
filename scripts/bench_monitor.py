"""Benchmark: one monitoring cycle over many watched wallets on three chains, against the sandbox server.

Prints requests per cycle next to the floor the APIs allow (Etherscan balancemulti: 20 addresses per call; Esplora
and TronGrid have no batch endpoint, so one request per address is their floor) and the cycle time. The first
cycle sets every cursor; the second is the steady state (nothing moved), the third runs after the world's phase
switch (the dormant wallets move).

    .venv/bin/python scripts/bench_monitor.py --wallets 40000
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.e2e.harness

from chains.addresses import btc_p2wpkh, evm_from_bytes, tron_from_bytes
from db.models import WatchRow
from db.records import now_utc
from tests.e2e.harness import running_sandbox, settings_for, trace
from tracer.model import Chain, EndpointStatus
from tracer.monitor.cycle import Monitor

SHARES = {Chain.ETHEREUM: 0.5, Chain.BITCOIN: 0.3, Chain.TRON: 0.2}


def fake_addresses(chain: Chain, n: int) -> list[str]:
    """Valid, deterministic addresses the world has never seen (quiet wallets)."""
    make = {Chain.ETHEREUM: evm_from_bytes, Chain.BITCOIN: btc_p2wpkh, Chain.TRON: tron_from_bytes}[chain]
    return [make(hashlib.sha256(f"{chain.value}:{i}".encode()).digest()[:20]) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wallets", type=int, default=40_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    with running_sandbox(tmp / "sandbox", phase=1) as sandbox:
        settings = settings_for(sandbox, tmp / "case.db")
        store, wiring, _ = trace(sandbox, settings)
        case = store.get_case("e2e")
        assert case is not None
        holders = {(e.chain, e.address) for e in store.trace_repository().endpoints(case.id)
                   if e.status is EndpointStatus.UNSPENT}
        rows = [{"case_id": case.id, "chain": c.value, "address": a, "added_at": now_utc(), "origin": "case",
                 "active": True} for c, a in sorted(holders)]
        per_chain: dict[Chain, int] = {c: sum(1 for h in holders if h[0] is c) for c in SHARES}
        for chain, share in SHARES.items():
            extra = int(args.wallets * share) - per_chain[chain]
            rows += [{"case_id": None, "chain": chain.value, "address": a, "added_at": now_utc(), "origin": "manual",
                      "active": True} for a in fake_addresses(chain, max(0, extra))]
            per_chain[chain] += max(0, extra)
        with store.engine.begin() as conn:
            for i in range(0, len(rows), 5000):
                conn.execute(insert(WatchRow), rows[i:i + 5000])
        monitor = Monitor(store, wiring.services)
        floor = (math.ceil(per_chain[Chain.ETHEREUM] / 20) + per_chain[Chain.BITCOIN] + per_chain[Chain.TRON]
                 + len(per_chain))
        print(f"watched wallets: {sum(per_chain.values()):,} "
              f"({', '.join(f'{c.value} {n:,}' for c, n in per_chain.items())})")
        print(f"API floor per cycle: {floor:,} requests "
              f"(ethereum {math.ceil(per_chain[Chain.ETHEREUM] / 20):,} balancemulti + bitcoin "
              f"{per_chain[Chain.BITCOIN]:,} + tron {per_chain[Chain.TRON]:,} + 3 tips)")
        print(f"{'cycle':28} {'requests':>9} {'vs floor':>9} {'seconds':>8} {'checked':>8} {'moved':>6} {'alerts':>6}")
        for name in ("1 first (cursors set)", "2 steady state", "3 after phase switch"):
            if name.startswith("3"):
                sandbox.server.set_phase(2)
            start = time.monotonic()
            report = monitor.run_once()
            took = time.monotonic() - start
            print(f"{name:28} {report.requests:>9,} {report.requests / floor:>8.2f}x {took:>8.1f} "
                  f"{report.checked:>8,} {len(report.moved):>6} {len(report.new_alerts):>6}")


if __name__ == "__main__":
    main()
