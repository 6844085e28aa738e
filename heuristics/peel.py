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
* chain: maximal run of steps where step i+1 spends the continuation of step i, each within
  PEEL_MAX_STEP_DELAY; reported when at least PEEL_MIN_LENGTH steps long.

Finding: E3 "peel.chain" -- continuation addresses are one owner; the peels are children to follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from heuristics.base import Finding, make_evidence
from tracer.model import ChainTx, EvidenceClass, UtxoOutput

PEEL_MAX_INPUTS = 2
PEEL_MIN_SAT = 1_000
PEEL_MAX_RATIO = 0.25  # peel / continuation
PEEL_MAX_STEP_DELAY = timedelta(hours=24)
PEEL_MIN_LENGTH = 3
BASE_CONFIDENCE = 0.7
PER_EXTRA_STEP = 0.02  # long chains are less likely to be ordinary change
MAX_CONFIDENCE = 0.9


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


@dataclass(frozen=True, slots=True)
class Peel:
    """A peeled output: where it went, how much, at which step of the chain (0-based)."""

    address: str
    amount: int
    hop: int
    tx_hash: str
    index: int


@dataclass(frozen=True, slots=True)
class PeelChainResult(Finding):
    """A detected peel chain: its steps, the peels to follow and the continuation addresses (one owner)."""

    steps: tuple[PeelStep, ...]
    peels: tuple[Peel, ...]
    continuation_addresses: tuple[str, ...]
    start_value: int
    end_value: int

    @property
    def total_peeled(self) -> int:
        """Σ peel amounts."""
        return sum(p.amount for p in self.peels)


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


def detect_peel_chain(hops: Sequence[PeelStep]) -> PeelChainResult | None:
    """The peel chain formed by ``hops`` from the first step on (longest linked prefix), or None if too short."""
    if not hops:
        return None
    chain = [hops[0]]
    for step in hops[1:]:
        prev = chain[-1]
        linked = step.spent == (prev.tx_hash, prev.change_index)
        timely = timedelta(0) <= step.timestamp - prev.timestamp <= PEEL_MAX_STEP_DELAY
        if not (linked and timely):
            break
        chain.append(step)
    if len(chain) < PEEL_MIN_LENGTH:
        return None
    peels = tuple(Peel(address=s.peel_address, amount=s.peel_amount, hop=i, tx_hash=s.tx_hash, index=s.peel_index)
                  for i, s in enumerate(chain))
    continuation = tuple(s.change_address for s in chain)
    confidence = min(MAX_CONFIDENCE, BASE_CONFIDENCE + PER_EXTRA_STEP * (len(chain) - PEEL_MIN_LENGTH))
    evidence = make_evidence(
        EvidenceClass.E3, "peel.chain", confidence, length=len(chain), first_tx=chain[0].tx_hash,
        last_tx=chain[-1].tx_hash, start_value=chain[0].input_value, end_value=chain[-1].change_amount,
        total_peeled=sum(p.amount for p in peels), max_peel_ratio=max(s.peel_amount / s.change_amount for s in chain),
        truncated_at=len(chain) if len(chain) < len(hops) else None,
    )
    return PeelChainResult(evidence=evidence, steps=tuple(chain), peels=peels, continuation_addresses=continuation,
                           start_value=chain[0].input_value, end_value=chain[-1].change_amount)
