"""When the protocol's indexer cannot say where a bridge deposit went: read the destination from the deposit itself
(THORChain memo in the router calldata or the Bitcoin OP_RETURN) and score the inflows of that destination with the
generic bridge matcher (amount minus a fee band at the day's price ratio, time window; heuristics.bridges.generic).

The best candidate continues the trace as an INFERRED layer with E4 evidence; the proven value stays ``bridged``
(unresolved) at the bridge, so the two never mix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from chains.addresses import canonical_address
from db.records import Contribution, Expansion
from heuristics.bridges.generic import match_bridge_out
from heuristics.bridges.thorchain import inbound_memo
from heuristics.bridges.thorchain_memo import parse_memo
from tracer.engine.context import TraceContext
from tracer.errors import ChainError, InvalidAddress
from tracer.model import Address, Direction, Evidence, Link, LinkKind, Transfer

logger = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.3
FEE_BAND = (-0.05, 0.10)  # protocol and network fees, plus the gap between a daily close and the executed price
WINDOW = timedelta(hours=24)  # streaming swaps and busy outbound queues can take hours
INFERRED = "inferred:"


def match_by_memo(ctx: TraceContext, node: Address, hop: int, inbound: Transfer, group: Sequence[Contribution],
                  service: str, exp: Expansion) -> bool:
    """Propose the payout of an unresolved bridge deposit; True when one was linked."""
    try:
        tx = ctx.adapter(inbound.chain).transaction(inbound.tx_hash, final_block=ctx.final_block(inbound.chain))
    except ChainError as exc:
        exp.notes.append(f"bridge fallback: cannot read {inbound.tx_hash}: {exc}")
        return False
    memo = parse_memo(inbound_memo(tx) or "") if tx is not None else None
    if memo is None or memo.kind != "swap" or memo.asset is None or memo.destination is None:
        return False
    dest_chain = memo.asset.chain
    if dest_chain is None or dest_chain not in ctx.services.adapters:
        return False
    try:
        dest = canonical_address(dest_chain, memo.destination)
    except InvalidAddress:
        return False
    adapter = ctx.adapter(dest_chain)
    try:
        final = ctx.final_block(dest_chain)
        candidates = [t for t in adapter.transfers_of(dest, direction=Direction.IN, until_block=final, final_block=final)
                      if t.to_address == dest and t.timestamp >= inbound.timestamp]
    except ChainError as exc:
        exp.notes.append(f"bridge fallback: cannot read {dest_chain.value}:{dest}: {exc}")
        return False
    ratio = _ratio(ctx, inbound, candidates[0]) if candidates else None
    matches = [m for m in match_bridge_out(inbound, candidates, fee_band=FEE_BAND, window=WINDOW, price_ratio=ratio,
                                           declared_recipient=dest, protocol=service)
               if m.confidence >= MIN_CONFIDENCE]
    if not matches:
        return False
    best = matches[0]
    payout = best.candidate
    evidence = Evidence(best.evidence.evidence_class, best.evidence.rule, best.confidence,
                        {**dict(best.evidence.facts), "memo": memo.raw, "inbound": inbound.tx_hash})
    exp.transfers.append(payout)
    for c in group:
        origin = c.origin if c.origin.startswith(INFERRED) else INFERRED + c.origin
        taint = payout.amount * c.amount // inbound.amount if inbound.amount else 0
        exp.contributions.append(Contribution(payout, origin, taint, c.origin_amount, str(node), hop + 1, evidence,
                                              round(c.confidence * best.confidence, 6)))
    exp.links.append(Link(LinkKind.BRIDGE, service, inbound.chain, inbound.tx_hash, payout.chain, payout.tx_hash,
                          payout.to_address, evidence, inbound.asset.key, payout.asset.key, inbound.amount,
                          payout.amount, inbound.from_address))
    return True


def _ratio(ctx: TraceContext, inbound: Transfer, candidate: Transfer) -> Decimal | None:
    """Destination units per inbound unit from the day's closes (None: same asset only)."""
    if ctx.prices is None or inbound.asset.symbol == candidate.asset.symbol:
        return None
    day = inbound.timestamp.date().isoformat()
    src, dst = ctx.prices.price_on(inbound.asset.symbol, day), ctx.prices.price_on(candidate.asset.symbol, day)
    return src / dst if src is not None and dst else None
