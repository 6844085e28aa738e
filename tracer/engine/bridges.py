"""Following value through a protocol bridge (THORChain first): inbound tx -> Midgard action -> outbound legs.

Evidence E2 ("bridges.thorchain.midgard"): the protocol's own indexer states which outbound transaction pays
which inbound one. The taint share of the inbound transfer carries over to each outbound leg; origin amounts are
split over the legs exactly, so conservation holds across chains.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from chains.base import UtxoAdapter
from db.records import Contribution, Expansion
from heuristics.bridges.thorchain import BridgeHop, resolve_thorchain
from heuristics.taint import split_proportionally
from tracer.engine.bridge_match import match_by_memo
from tracer.engine.context import TraceContext
from tracer.engine.utxo import output_transfer
from tracer.errors import ChainError
from tracer.model import (
    Address,
    Category,
    Chain,
    ChainTx,
    Endpoint,
    EndpointStatus,
    Link,
    LinkKind,
    StopReason,
    Transfer,
)

logger = logging.getLogger(__name__)

FINAL_STATUSES = ("success", "refund", "refunded")


def expand_bridge(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution], service: str,
                  confidence: float) -> Expansion:
    """Resolve every tainted inbound transfer at a bridge node; the unresolved rest ends there as ``bridged``."""
    exp = Expansion(node)
    by_transfer: dict[str, list[Contribution]] = defaultdict(list)
    for c in incoming:
        by_transfer[c.transfer.id].append(c)
    for _tid, group in sorted(by_transfer.items()):
        inbound = group[0].transfer
        resolved = _resolve(ctx, node, inbound, group, hop, service, confidence, exp)
        if not resolved:
            proven = [c for c in group if not c.origin.startswith("inferred:")]
            if proven:  # the indexer has no answer: propose the payout from the deposit's own memo (E4, inferred)
                match_by_memo(ctx, node, hop, inbound, proven, service, exp)
            for c in group:
                exp.endpoints.append(Endpoint(node.chain, node.value, c.transfer.asset, c.amount,
                                              EndpointStatus.BRIDGED, Category.BRIDGE, StopReason.UNRESOLVED,
                                              service, hop, confidence, c.origin, c.origin_amount))
    return exp


def _resolve(ctx: TraceContext, node: Address, inbound: Transfer, group: Sequence[Contribution], hop: int,
             service: str, confidence: float, exp: Expansion) -> bool:
    if ctx.bridge is None:
        return False
    try:
        actions = ctx.bridge.actions_for_tx(inbound.chain, inbound.tx_hash)
    except ChainError as exc:
        exp.notes.append(f"bridge lookup failed for {inbound.tx_hash}: {exc}")
        return False
    final = [a for a in actions if a.status.lower() in FINAL_STATUSES or a.action_type == "refund"]
    legs: list[tuple[BridgeHop, Transfer]] = []
    for leg in resolve_thorchain(_inbound_view(inbound), final):
        if leg.to_chain is None or leg.to_tx is None or leg.to_address is None:
            continue
        payout = _payout_transfer(ctx, leg.to_chain, leg.to_tx, leg.to_address)
        if payout is not None:
            legs.append((leg, payout))
    if not legs:
        return False
    weights = [p.amount for _l, p in legs]
    for c in group:
        origin_split = split_proportionally(c.origin_amount, weights, sum(weights))
        for (leg, payout), o_amt in zip(legs, origin_split, strict=True):
            taint = payout.amount * c.amount // inbound.amount if inbound.amount else 0
            exp.transfers.append(payout)
            exp.contributions.append(Contribution(payout, c.origin, taint, o_amt, str(node), hop + 1, leg.evidence,
                                                  confidence))
    for leg, payout in legs:
        exp.links.append(Link(LinkKind.BRIDGE, service, inbound.chain, inbound.tx_hash, payout.chain, payout.tx_hash,
                              payout.to_address, leg.evidence, inbound.asset.key, payout.asset.key, inbound.amount,
                              payout.amount, inbound.from_address))
    return True


def _inbound_view(inbound: Transfer) -> ChainTx:
    """The inbound transfer as the transaction view the resolver reads (sender and chain; the memo comes from the
    protocol's action, so no extra request)."""
    return ChainTx(inbound.chain, inbound.tx_hash, inbound.block_number, inbound.timestamp,
                   inbound.from_address or "", inbound.to_address, 0)


def _payout_transfer(ctx: TraceContext, chain: Chain, tx_hash: str, address: str) -> Transfer | None:
    """The on-chain transfer paying a leg to ``address`` (found in the outbound tx on the destination chain)."""
    try:
        adapter = ctx.adapter(chain)
        final = ctx.final_block(chain)
        tx = (adapter.transaction_paying(tx_hash, address, final_block=final) if isinstance(adapter, UtxoAdapter)
              else adapter.transaction(tx_hash, final_block=final))
    except ChainError as exc:
        logger.warning("cannot fetch outbound %s on %s: %s", tx_hash, chain.value, exc)
        return None
    if tx is None:
        return None
    if chain.is_utxo:
        outs = [o for o in tx.outputs if o.address == address]
        if not outs:
            return None
        return output_transfer(tx, max(outs, key=lambda o: (o.amount, -o.index)).index)
    matches = [t for t in tx.transfers if t.to_address == address and t.amount > 0 and not t.flags]
    if not matches:
        return None
    return max(matches, key=lambda t: (t.amount, -t.index))
