"""Per-transaction clustering evidence, shared by the in-process and the Spark engines.

Each transaction is rebuilt as a :class:`ChainTx` and judged by the trace's own detectors: CoinJoins
(``heuristics.mixers.coinjoin.is_coinjoin``, every implementation plus the generic rule) merge nothing;
otherwise every input address is tied to the smallest one (common-input ownership, E3), and a change output on
which at least two signals agree (``heuristics.clustering.change.detect_change``) is tied to it too (E4).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from heuristics.clustering.change import detect_change
from heuristics.clustering.cioh import CIOH_CONFIDENCE
from heuristics.mixers.coinjoin import is_coinjoin
from tracer.model import Chain, ChainTx, UtxoInput, UtxoOutput

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MergeEdge:
    """Evidence that ``a`` and ``b`` have one owner, because of ``tx_hash`` (``a`` < ``b``)."""

    a: str
    b: str
    heuristic: str  # "cioh" | "change"
    tx_hash: str
    confidence: float


def _address(text: str | None) -> str | None:
    """One address per script: bitcoin-etl lists several for bare multisig, which has no single owner."""
    if not text:
        return None
    parts = [p for p in text.split(",") if p]
    return parts[0] if len(parts) == 1 else None


def build_tx(tx_hash: str, block: int, inputs: Sequence[tuple[int, str | None, int]],
             outputs: Sequence[tuple[int, str | None, int]]) -> ChainTx:
    """A transaction from (index, addresses, value) rows of its inputs and outputs."""
    ins = tuple(UtxoInput("", i, _address(a), int(v or 0)) for i, a, v in sorted(inputs, key=lambda r: r[0]))
    outs = tuple(UtxoOutput(i, _address(a), int(v or 0), "") for i, a, v in sorted(outputs, key=lambda r: r[0]))
    return ChainTx(Chain.BITCOIN, tx_hash, int(block), EPOCH, None, None, 0, inputs=ins, outputs=outs)


def tx_evidence(tx: ChainTx) -> tuple[list[MergeEdge], bool]:
    """The merges ``tx`` proves, and whether it was skipped as a CoinJoin."""
    owners = sorted({i.address for i in tx.inputs if i.address})
    if not owners or len(tx.outputs) < 2 and len(owners) < 2:
        return [], False  # nothing to merge: coinbase, or one owner paying one output
    if is_coinjoin(tx):
        return [], True
    edges = [MergeEdge(owners[0], b, "cioh", tx.tx_hash, CIOH_CONFIDENCE) for b in owners[1:]]
    if len(tx.outputs) >= 2:
        change = detect_change(tx, is_coinjoin=_not_coinjoin)  # >= 2 agreeing signals, none dissenting
        if change is not None and change.address and change.address not in owners:
            a, b = sorted((owners[0], change.address))
            edges.append(MergeEdge(a, b, "change", tx.tx_hash, change.confidence))
    return edges, False


def _not_coinjoin(tx: ChainTx) -> bool:
    return False  # already ruled out by the caller


def addresses_of(tx: ChainTx) -> Iterable[str]:
    """Every address the transaction names (inputs and outputs)."""
    for i in tx.inputs:
        if i.address:
            yield i.address
    for o in tx.outputs:
        if o.address:
            yield o.address
