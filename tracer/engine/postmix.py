"""Following value after a CoinJoin as an INFERRED layer (docs/methodology.md §3.2, heuristics.mixers.postmix).

The proven trace ends ``mixed`` at the round. When later transactions co-spend two or more of the round's outputs
(the launderer consolidating its post-mix coins), CIOH re-links them: those spends continue the trace with origin
``inferred:<asset>`` and the link's confidence (E4, E5 for Wasabi 2 only). Other participants consolidate too, so a
re-linked spend is credited to each traced input of the round by its share of the round's inputs (a haircut over
the round), so the inferred value never exceeds what the spend holds.
"""

from __future__ import annotations

import logging
from collections import Counter

from chains.base import UtxoAdapter
from db.records import Contribution, Expansion
from heuristics.mixers.postmix import PostMixLink, follow_postmix
from heuristics.taint import split_proportionally
from tracer.engine.context import TraceContext
from tracer.errors import ChainError
from tracer.model import Address, ChainTx, Evidence, Link, LinkKind, Transfer, TransferKind

logger = logging.getLogger(__name__)

MAX_SPENDS_READ = 100  # co-spending transactions fetched per round (a big round has hundreds of outputs)
MIN_LINKED_OUTPUTS = 2  # a spend re-links only when it takes at least two of the round's outputs (CIOH)
MIN_CONFIDENCE = 0.3
INFERRED = "inferred:"


def follow_round(ctx: TraceContext, node: Address, hop: int, round_tx: ChainTx,
                 tainted: dict[str, tuple[int, int]], confidence: float, exp: Expansion) -> None:
    """Add inferred contributions from the round's re-linked spends; ``tainted`` is origin -> (taint, origin)."""
    adapter = ctx.adapter(node.chain)
    if not isinstance(adapter, UtxoAdapter) or not tainted:
        return
    own_in = sum(i.amount for i in round_tx.inputs if i.address == node.value)
    round_in = sum(i.amount for i in round_tx.inputs)
    try:
        spends = _spends_of(adapter, round_tx, ctx.final_block(node.chain))
    except ChainError as exc:
        exp.notes.append(f"post-mix: cannot read the spends of round {round_tx.tx_hash}: {exc}")
        return
    links = [lk for lk in follow_postmix([round_tx], spends) if lk.confidence >= MIN_CONFIDENCE]
    by_hash = {s.tx_hash: s for s in spends}
    for lk in sorted(links, key=lambda lk: (-lk.confidence, lk.spend_tx)):
        spend = by_hash[lk.spend_tx]
        taken = sum(i.amount for i in spend.inputs if (i.prev_tx_hash, i.prev_index) in set(lk.postmix_inputs))
        if taken <= 0 or round_in <= 0:
            continue
        # Haircut over the round: this input's share of what the re-linked spend takes out. Summed over every
        # traced input of the round it never exceeds the spend (each co-spending wallet claims its own part).
        _continue(ctx, node, hop, round_tx, spend, lk, taken * own_in // round_in, own_in, tainted, confidence, exp)


def _continue(ctx: TraceContext, node: Address, hop: int, round_tx: ChainTx, spend: ChainTx, lk: PostMixLink,
              taken: int, own_in: int, tainted: dict[str, tuple[int, int]], confidence: float,
              exp: Expansion) -> None:
    outputs = [o for o in spend.outputs if o.address and o.amount > 0]
    spend_in = sum(i.amount for i in spend.inputs)
    evidence = Evidence(lk.evidence.evidence_class, lk.evidence.rule, lk.confidence,
                        {**dict(lk.evidence.facts), "round": round_tx.tx_hash})
    for origin, (taint, origin_amount) in sorted(tainted.items()):
        # ``taken`` is this input's share of the spend: the same share of its taint and origin amount follows
        o_share = origin_amount * min(taken, own_in) // own_in if own_in else 0
        t_share = taint * min(taken, own_in) // own_in if own_in else 0
        weights = [o.amount * taken // spend_in for o in outputs] if spend_in else []
        o_split = split_proportionally(o_share, weights, sum(weights)) if sum(weights) else []
        t_split = split_proportionally(t_share, weights, sum(weights)) if sum(weights) else []
        for out, o_amt, t_amt in zip(outputs, o_split, t_split, strict=True):
            transfer = Transfer(spend.chain, spend.tx_hash, out.index, TransferKind.UTXO, spend.chain.native,
                                spend.inputs[0].address if spend.inputs else None, out.address, out.amount,
                                spend.block_number, spend.timestamp)
            name = origin if origin.startswith(INFERRED) else INFERRED + origin
            exp.transfers.append(transfer)
            exp.contributions.append(Contribution(transfer, name, t_amt, o_amt, str(node), hop + 1, evidence,
                                                  round(confidence * lk.confidence, 6)))
    exp.links.append(Link(LinkKind.MIXER, "coinjoin", node.chain, round_tx.tx_hash, node.chain, spend.tx_hash,
                          outputs[0].address if outputs else None, evidence, node.chain.native.key,
                          node.chain.native.key, own_in, taken, node.value))


def _spends_of(adapter: UtxoAdapter, round_tx: ChainTx, final_block: int | None) -> list[ChainTx]:
    """The transactions that co-spend two or more of the round's outputs (one outspends call, then each such
    spend once).

    Only those can re-link (``follow_postmix`` needs two linked coins and is given no launderer UTXOs here), and
    the outspends answer already names the spending tx of every output: a spend taking a single output of the
    round is never fetched (a big round has hundreds of them).
    """
    spent_outputs = Counter(s.tx_hash for s in adapter.outspends(round_tx.tx_hash, final_block=final_block)
                            if s.spent and s.tx_hash)
    hashes = sorted(h for h, outputs in spent_outputs.items() if outputs >= MIN_LINKED_OUTPUTS)
    spends = []
    for h in hashes[:MAX_SPENDS_READ]:
        tx = adapter.transaction(h, final_block=final_block)
        if tx is not None:
            spends.append(tx)
    return spends
