"""Instant exchanges (eXch-style): the proven trace ends ``dark`` at the deposit; with ``--match-instant`` the
payout is proposed from the service's own wallets on any chain by amount (within a fee band) and time (E4).

Matched value continues as an inferred layer (origin ``inferred:<asset>``), visibly apart from protocol-proven
value: the service pays from its own float, so the payout is at best the same *value*, never the same coins.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from db.records import Contribution, Expansion
from heuristics.instant import match_instant_payouts
from tracer.engine.context import TraceContext
from tracer.errors import ChainError
from tracer.model import Address, Asset, Category, Evidence, Link, LinkKind, Transfer

logger = logging.getLogger(__name__)

MIN_MATCH_CONFIDENCE = 0.3
DAILY_PRICE_SLACK = 0.05  # a daily close can sit several % from the price the service executed at
FEE_BAND = (-DAILY_PRICE_SLACK, 0.03 + DAILY_PRICE_SLACK)  # instant swappers charge ~0.5-3 % (heuristics.instant)
MAX_WALLET_TRANSFERS = 5_000
INFERRED = "inferred:"


def match_instant(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution], service: str,
                  exp: Expansion) -> None:
    """Add inferred contributions for payouts matched to the tainted deposits at ``node``."""
    if ctx.wallets is None:
        return
    deposits = [c for c in incoming if not c.origin.startswith(INFERRED) and c.transfer.to_address == node.value]
    if not deposits:
        return
    name = service.split(":")[0].strip().lower()
    wallets = [lab for lab in ctx.wallets(Category.INSTANT_EXCHANGE)
               if (lab.entity or lab.label).split(":")[0].strip().lower() == name
               and (lab.chain, lab.address) != (node.chain, node.value) and lab.chain in ctx.services.adapters]
    payouts: list[Transfer] = []
    for wallet in wallets:
        payouts.extend(_payouts(ctx, wallet.chain, wallet.address, exp))
    taken: set[str] = set()
    for c in sorted(deposits, key=lambda c: (c.transfer.timestamp, c.transfer.id)):
        day = c.transfer.timestamp.date().isoformat()

        def rate(payout_asset: Asset, deposited: Asset = c.transfer.asset, day: str = day) -> Decimal | None:
            """Payout units per deposited unit, from the day's USD closes of both assets."""
            if ctx.prices is None:
                return None
            paid, got = ctx.prices.price_on(deposited.symbol, day), ctx.prices.price_on(payout_asset.symbol, day)
            return paid / got if paid is not None and got else None

        matches = [m for m in match_instant_payouts(c.transfer, [p for p in payouts if p.id not in taken],
                                                    rates=rate, service=service, fee_band=FEE_BAND)
                   if m.confidence >= MIN_MATCH_CONFIDENCE]
        if not matches:
            continue
        best = matches[0]
        payout = best.payout
        taken.add(payout.id)
        share_num, share_den = c.amount, c.transfer.amount or 1
        origin = c.origin if c.origin.startswith(INFERRED) else INFERRED + c.origin
        evidence = Evidence(best.evidence.evidence_class, best.evidence.rule, best.confidence,
                            {**dict(best.evidence.facts), "deposit": c.transfer.tx_hash, "payout": payout.tx_hash})
        exp.transfers.append(payout)
        exp.contributions.append(Contribution(payout, origin, payout.amount * share_num // share_den, c.origin_amount,
                                              str(node), hop + 1, evidence, round(c.confidence * best.confidence, 6)))
        exp.links.append(Link(LinkKind.INSTANT_EXCHANGE, service, node.chain, c.transfer.tx_hash, payout.chain,
                              payout.tx_hash, payout.to_address, evidence, c.transfer.asset.key, payout.asset.key,
                              c.transfer.amount, payout.amount))


def _payouts(ctx: TraceContext, chain: object, address: str, exp: Expansion) -> list[Transfer]:
    from tracer.model import Chain

    assert isinstance(chain, Chain)
    adapter = ctx.adapter(chain)
    out: list[Transfer] = []
    try:
        final = ctx.final_block(chain)
        for t in adapter.transfers_of(address, until_block=final, final_block=final):
            if t.from_address == address and t.followable:
                out.append(t)
            if len(out) >= MAX_WALLET_TRANSFERS:
                exp.notes.append(f"instant-exchange wallet {chain.value}:{address} capped at {len(out)} payouts")
                break
    except ChainError as exc:
        exp.notes.append(f"cannot read instant-exchange wallet {chain.value}:{address}: {exc}")
    return out
