"""Toxic change: map a CoinJoin's non-equal (change) outputs back to the inputs that funded them.

Methodology §3.2: change outputs of equal-output CoinJoins (Wasabi 1, JoinMarket, generic) are not mixed; each
participant's inputs pay exactly one equal output plus their change plus fees, so a bounded subset-sum over the
inputs can tie a change output to specific inputs (BlockSci ``isCoinjoinExtra`` / ``isPossibleCoinjoin`` bucket
solver, citp/BlockSci ``src/heuristics/tx_identification.cpp``). A link is reported only when exactly one input
subset fits the change output within the fee allowance; Whirlpool (no change) and Wasabi 2 (many denominations per
participant) are not handled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from heuristics.base import Finding, make_evidence
from heuristics.mixers.coinjoin import CoinJoinKind, CoinJoinResult
from tracer.model import ChainTx, EvidenceClass

FEE_ALLOWANCE_SAT = 100_000
"""|inputs - (equal value + change)| may differ by this much (miner, coordinator and maker fees, 0.001 BTC)."""
MAX_SUBSET = 3
"""Largest input subset tried per participant (bounds the search: C(n, 3) subsets)."""
MAX_INPUTS = 80
"""Rounds with more inputs are skipped: the search grows as n**3 and solutions stop being unique anyway."""
TOXIC_CHANGE_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class ToxicChange(Finding):
    """A change output of a CoinJoin and the unique input subset that funded it (same owner)."""

    output_index: int = field(kw_only=True)
    input_indexes: tuple[int, ...] = field(kw_only=True)  # positions in ``tx.inputs``


def map_toxic_change(tx: ChainTx, cj: CoinJoinResult) -> list[ToxicChange]:
    """Change outputs of ``tx`` that exactly one subset of <= :data:`MAX_SUBSET` inputs can have funded."""
    if cj.kind in {CoinJoinKind.WHIRLPOOL, CoinJoinKind.WASABI2} or cj.denomination is None:
        return []
    if len(tx.inputs) > MAX_INPUTS:
        return []
    equal = set(cj.equal_outputs)
    amounts = [i.amount for i in tx.inputs]
    found: list[ToxicChange] = []
    for out in tx.outputs:
        if out.index in equal or out.amount <= 0:
            continue
        target = cj.denomination + out.amount
        fits: list[tuple[int, ...]] = []
        for size in range(1, MAX_SUBSET + 1):
            for subset in combinations(range(len(amounts)), size):
                if abs(sum(amounts[k] for k in subset) - target) <= FEE_ALLOWANCE_SAT:
                    fits.append(subset)
                    if len(fits) > 1:
                        break
            if len(fits) > 1:
                break
        if len(fits) != 1:
            continue
        (subset,) = fits
        evidence = make_evidence(
            EvidenceClass.E4, "mixers.coinjoin.toxic_change", TOXIC_CHANGE_CONFIDENCE,
            tx=tx.tx_hash, output_index=out.index, change=out.amount, denomination=cj.denomination,
            inputs=",".join(f"{tx.inputs[k].prev_tx_hash}:{tx.inputs[k].prev_index}" for k in subset),
        )
        found.append(ToxicChange(evidence, output_index=out.index, input_indexes=subset))
    return found
