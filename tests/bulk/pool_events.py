"""A sandbox world's pool activity in the tornado-cli event layout (what `tracer bulk mixers --input` reads).

Events are read off the world's transactions the way a pool contract emits them: a deposit is a call carrying
exactly the denomination; a withdrawal pays the recipient (largest internal leg) and the relayer its fee.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from heuristics.mixers.pools import pool_of
from tracer.model import Chain
from tracer.sandbox.world import World


def write_pool_events(world: World, folder: Path, phase: int = 1) -> dict[str, int]:
    """Write ``deposits_eth_<n>.json`` / ``withdrawals_eth_<n>.json`` for the blocks visible in ``phase``."""
    tip = world.tip("ethereum", phase)
    files: dict[str, list[dict[str, object]]] = defaultdict(list)
    for tx in world.evm_txs:
        pool = pool_of(Chain.ETHEREUM, tx.to)
        if pool is None or tx.is_error or tx.block > tip:
            continue
        whole = pool.name.split()[0]
        common = {"blockNumber": tx.block, "transactionHash": tx.hash, "timestamp": world.time_of("ethereum", tx.block)}
        legs = sorted((c for c in tx.internal if c.from_ == pool.address), key=lambda c: -c.value)
        if tx.value == pool.denomination:
            files[f"deposits_eth_{whole}.json"].append(common)
        elif legs:
            fee = legs[1].value if len(legs) > 1 else 0
            files[f"withdrawals_eth_{whole}.json"].append({**common, "to": legs[0].to, "fee": str(fee)})
    folder.mkdir(parents=True, exist_ok=True)
    for name, events in files.items():
        (folder / name).write_text(json.dumps(events), encoding="utf-8")
    return {name: len(events) for name, events in files.items()}
