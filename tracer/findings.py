"""Findings assembled from a stored trace: peel chains reported as one finding each, with their peels listed.

The engine marks every peel step of a tainted coin on its outputs (tracer.engine.utxo, heuristics.peel); here the
steps are linked -- a step continues the chain when it spends the previous step's change output -- and chains of
at least ``PEEL_MIN_LENGTH`` steps are reported (docs/methodology.md §5.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db.records import Contribution
from heuristics.peel import PEEL_MIN_LENGTH
from tracer.units import units


def peel_chains(contributions: Sequence[Contribution]) -> list[dict[str, Any]]:
    """Peel chains among the case's edges, longest first."""
    steps: dict[str, Contribution] = {}  # tx hash -> its change edge
    for c in contributions:
        if c.evidence.facts.get("peel_step") == "change":
            steps.setdefault(c.transfer.tx_hash, c)
    spent_by = {c.evidence.facts["spent"]: tx for tx, c in steps.items()}
    continued = {f"{tx}:{c.transfer.index}" for tx, c in steps.items()}
    starts = [tx for tx, c in steps.items() if c.evidence.facts["spent"] not in continued]
    chains = []
    for start in sorted(starts):
        chain: list[Contribution] = []
        tx: str | None = start
        while tx is not None and len(chain) < 10_000:
            chain.append(steps[tx])
            tx = spent_by.get(f"{tx}:{steps[tx].transfer.index}")
        if len(chain) < PEEL_MIN_LENGTH:
            continue
        asset = chain[0].transfer.asset
        chains.append({
            "chain": chain[0].transfer.chain.value, "start_tx": chain[0].transfer.tx_hash, "steps": len(chain),
            "first_hop": chain[0].hop - 1, "end_address": chain[-1].transfer.to_address,
            "end_amount": units(chain[-1].transfer.amount, asset.decimals), "asset": asset.key,
            "peeled": units(sum(int(c.evidence.facts["peel_amount"]) for c in chain), asset.decimals),
            "peels": [{"step": i, "hop": c.hop, "tx_hash": c.transfer.tx_hash,
                       "address": c.evidence.facts["peel_address"],
                       "amount": units(int(c.evidence.facts["peel_amount"]), asset.decimals)}
                      for i, c in enumerate(chain)],
        })
    return sorted(chains, key=lambda f: (-f["steps"], f["start_tx"]))
