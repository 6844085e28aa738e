"""Benchmark: one monitoring cycle over many watched wallets on three chains, against the sandbox server.

Prints requests per cycle next to the floor the APIs allow and the cycle time. The floor of a steady cycle:

* Ethereum: balancemulti (20 addresses per call), plus what catching token pulls that cost the owner no gas
  (transferFrom through an old approval) fundamentally costs: one chain-wide getLogs scan of Transfer logs over the
  block window, ceil((Transfer logs in the window + 1) / 1000) pages -- at least one, whatever the number of
  watched wallets. The per-wallet alternatives cost one request per wallet per window (getLogs with topic1 = the
  owner, Etherscan takes one value per topic) or per wallet x token (tokenbalance): +20,000 at 40,000 wallets;
* Bitcoin (Esplora) and TRON (TronGrid /v1/accounts/{a}: TRX and TRC-20 balances) have no batch endpoint: one
  request per address;
* one tip request per chain.

The first cycle sets every cursor; the second is the steady state (nothing moved), the third runs after the
world's phase switch (the dormant wallets move; its history reads are above any floor).

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
from tracer.sandbox.codec import TRANSFER_TOPIC
from tracer.sandbox.server.etherscan_rows import all_logs
from tracer.sandbox.world import World

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
        rows: list[dict[str, object]] = [{"case_id": case.id, "chain": c.value, "address": a, "added_at": now_utc(), "origin": "case",
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
        tip = sandbox.world.tip("ethereum", 1)
        scan = transfer_logs(sandbox.world, tip - settings.confirmations + 1, tip) // 1000 + 1  # steady window
        floor = (math.ceil(per_chain[Chain.ETHEREUM] / 20) + scan + per_chain[Chain.BITCOIN] + per_chain[Chain.TRON]
                 + len(per_chain))
        print(f"watched wallets: {sum(per_chain.values()):,} "
              f"({', '.join(f'{c.value} {n:,}' for c, n in per_chain.items())})")
        print(f"API floor per steady cycle: {floor:,} requests "
              f"(ethereum {math.ceil(per_chain[Chain.ETHEREUM] / 20):,} balancemulti + {scan} Transfer-log page(s) "
              f"+ bitcoin {per_chain[Chain.BITCOIN]:,} + tron {per_chain[Chain.TRON]:,} accounts + 3 tips)")
        print(f"{'cycle':28} {'requests':>9} {'vs floor':>9} {'seconds':>8} {'checked':>8} {'moved':>6} {'alerts':>6}")
        for name in ("1 first (cursors set)", "2 steady state", "3 after phase switch"):
            if name.startswith("3"):
                sandbox.server.set_phase(2)
            start = time.monotonic()
            report = monitor.run_once()
            took = time.monotonic() - start
            print(f"{name:28} {report.requests:>9,} {report.requests / floor:>8.2f}x {took:>8.1f} "
                  f"{report.checked:>8,} {len(report.moved):>6} {len(report.new_alerts):>6}")


def transfer_logs(world: World, first: int, last: int) -> int:
    """ERC-20/721 Transfer logs the world holds in blocks ``first..last`` (what the chain-wide scan must page)."""
    return sum(1 for tx in world.evm_txs if first <= tx.block <= last for lg in all_logs(tx)
               if lg.topics and lg.topics[0] == TRANSFER_TOPIC)


if __name__ == "__main__":
    main()
