"""Peel chains on UTXO chains (docs/methodology.md §5.1).

A peel chain starts with a large amount; each step peels a small amount to one address and sends the rest
to a one-time change address that makes the next step (DOJ 2020 forfeiture complaint, Tian Yinyin / Li
Jiadong). Detector after BlockSci ``looksLikePeelingChain`` (1 input, 2 outputs) / ``isPeelingChain``
(neighbour looks like one too) and Kappos et al., "How to Peel a Million" (USENIX Security 2022):

* step: at most PEEL_MAX_INPUTS inputs; exactly two non-OP_RETURN outputs; continuation c = larger output,
  peel p = smaller; p ≥ PEEL_MIN_SAT (above the 546/330-sat dust that inscription/token transfers peel,
  forensicworks/hopline note); p / c ≤ PEEL_MAX_RATIO; c goes to an address that is neither an input
  address nor the peel address (a fresh change address; full freshness needs history the caller may check
  with ``is_fresh``).
* chain: the engine marks each step on its outputs; ``tracer.findings.peel_chains`` links steps where step
  i+1 spends the continuation of step i and reports runs of at least PEEL_MIN_LENGTH steps (the one place
  chains are assembled: from the stored trace, so a resumed case reports the same chains).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tracer.model import ChainTx, UtxoOutput

PEEL_MAX_INPUTS = 2
PEEL_MIN_SAT = 1_000
PEEL_MAX_RATIO = 0.25  # peel / continuation
PEEL_MIN_LENGTH = 3


@dataclass(frozen=True, slots=True)
class PeelStep:
    """One peel transaction: which outpoint it spent, the small peel and the large continuation."""

    tx_hash: str
    timestamp: datetime
    spent: tuple[str, int]  # outpoint (tx hash, vout) of the continuation being followed
    input_value: int
    input_addresses: tuple[str, ...]
    peel_address: str
    peel_amount: int
    peel_index: int
    change_address: str
    change_amount: int
    change_index: int
    fee: int


def is_peel_step(
    tx: ChainTx, incoming_output: tuple[str, int], *, is_fresh: Callable[[str], bool] | None = None
) -> PeelStep | None:
    """Return the peel step ``tx`` makes when spending ``incoming_output`` (``(tx hash, vout)``), or None."""
    spent = [i for i in tx.inputs if (i.prev_tx_hash, i.prev_index) == incoming_output]
    if not spent or not 1 <= len(tx.inputs) <= PEEL_MAX_INPUTS or not tx.success:
        return None
    outputs = [o for o in tx.outputs if o.op_return is None and o.address is not None and o.amount > 0]
    if len(outputs) != 2 or len(tx.outputs) - len(outputs) > 1:
        return None
    peel, change = sorted(outputs, key=lambda o: (o.amount, -o.index))
    if peel.address is None or change.address is None:  # filtered above; this narrows the type
        return None
    input_addresses = tuple(sorted({i.address for i in tx.inputs if i.address}))
    if not _shape_ok(peel, change, input_addresses) or (is_fresh is not None and not is_fresh(change.address)):
        return None
    return PeelStep(
        tx_hash=tx.tx_hash, timestamp=tx.timestamp, spent=incoming_output,
        input_value=sum(i.amount for i in tx.inputs), input_addresses=input_addresses,
        peel_address=peel.address, peel_amount=peel.amount, peel_index=peel.index,
        change_address=change.address, change_amount=change.amount, change_index=change.index, fee=tx.fee,
    )


def _shape_ok(peel: UtxoOutput, change: UtxoOutput, input_addresses: tuple[str, ...]) -> bool:
    return (
        peel.amount >= PEEL_MIN_SAT
        and peel.amount <= PEEL_MAX_RATIO * change.amount
        and change.address not in input_addresses
        and change.address != peel.address
    )
