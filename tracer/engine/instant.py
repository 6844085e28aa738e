"""Instant exchanges (eXch-style): the proven trace ends ``dark`` at the deposit; with ``--match-instant`` the
payout is proposed from the service's own wallets on any chain by amount (within a fee band) and time (E4).

Matched value continues as an inferred layer (origin ``inferred:<asset>``), visibly apart from protocol-proven
value: the service pays from its own float, so the payout is at best the same *value*, never the same coins.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from db.records import Contribution, Expansion
from heuristics.instant import MatchTerms, settle_payouts
from tracer.engine.context import TraceContext
from tracer.errors import ChainError
from tracer.model import Address, Asset, Category, Evidence, Link, LinkKind, StopReason, Transfer

logger = logging.getLogger(__name__)

MIN_MATCH_CONFIDENCE = 0.3
DAILY_PRICE_SLACK = 0.10  # a daily close can sit 10 % from the price the service executed at (crash days)
FEE_BAND = (-DAILY_PRICE_SLACK, 0.03 + DAILY_PRICE_SLACK)  # instant swappers charge ~0.5-3 % (heuristics.instant)
MAX_WALLET_TRANSFERS = 5_000
INFERRED = "inferred:"


def match_instant(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution], service: str,
                  exp: Expansion) -> None:
    """Add inferred contributions for payouts matched to the tainted deposits at ``node``.

    A payout is linked only when the match is unique both ways (heuristics.instant.unique_payout): the deposit
    fits exactly one payout and no other customer's deposit at ``node`` fits that payout -- an order already
    settled by another payout no longer counts (heuristics.instant.settle_payouts) -- or when the service's quote
    singles it out (consistent_quote_payout). A service shared with other users' near-equal orders minutes apart
    gives no link -- the proven trace ends dark at the deposit, and when payouts that could settle it exist its
    endpoint says the payout is ``unresolved``.
    """
    if ctx.wallets is None:
        return
    tainted = [c for c in incoming if not c.origin.startswith(INFERRED) and c.transfer.to_address == node.value]
    if not tainted:
        return
    name = service.split(":")[0].strip().lower()
    wallets = [lab for lab in ctx.wallets(Category.INSTANT_EXCHANGE)
               if (lab.entity or lab.label).split(":")[0].strip().lower() == name
               and (lab.chain, lab.address) != (node.chain, node.value) and lab.chain in ctx.services.adapters]
    payouts: list[Transfer] = []
    for wallet in wallets:
        payouts.extend(_payouts(ctx, wallet.chain, wallet.address, exp))
    if not payouts:
        return
    by_deposit: dict[str, list[Contribution]] = defaultdict(list)
    for c in tainted:
        by_deposit[c.transfer.id].append(c)
    deposits = _deposits(ctx, node, exp) or [cs[0].transfer for cs in by_deposit.values()]
    terms = MatchTerms(_rates(ctx), fee_band=FEE_BAND, service=service)
    pending = sorted(by_deposit.values(), key=lambda cs: (cs[0].transfer.timestamp, cs[0].transfer.id))
    matched = settle_payouts([cs[0].transfer for cs in pending], payouts, deposits, terms, MIN_MATCH_CONFIDENCE)
    taken = {m.payout.id for m in matched.values()}
    free = [p for p in payouts if p.id not in taken]
    for parts in pending:
        deposit = parts[0].transfer
        best = matched.get(deposit.id)
        if best is None:
            _mark_unresolved(exp, parts, service, len(terms.candidates(deposit, free)))
            continue
        payout = best.payout
        evidence = Evidence(best.evidence.evidence_class, best.evidence.rule, best.confidence,
                            {**dict(best.evidence.facts), "deposit": deposit.tx_hash, "payout": payout.tx_hash})
        exp.transfers.append(payout)
        for c in parts:  # every origin the deposit carried continues on the one payout, pro rata
            origin = INFERRED + c.origin
            exp.contributions.append(Contribution(payout, origin, payout.amount * c.amount // (deposit.amount or 1),
                                                  c.origin_amount, str(node), hop + 1, evidence,
                                                  round(c.confidence * best.confidence, 6)))
        exp.links.append(Link(LinkKind.INSTANT_EXCHANGE, service, node.chain, deposit.tx_hash, payout.chain,
                              payout.tx_hash, payout.to_address, evidence, deposit.asset.key, payout.asset.key,
                              sum(c.amount for c in parts), payout.amount, deposit.from_address))


def _mark_unresolved(exp: Expansion, parts: Sequence[Contribution], service: str, candidates: int) -> None:
    """The deposit's value stays at the service (status and category unchanged: it is an exit, not lost value), but
    payouts that could settle it exist and none is singled out: its endpoints say ``unresolved``, like a bridge
    crossing whose payout the indexer cannot name, so the export shows an open question instead of a dead end.
    No candidate at all (payout on a chain not read, not yet paid) leaves the plain service endpoint."""
    if not candidates:
        return
    text = f"{service}: payout unresolved ({candidates} candidate payout{'s' if candidates > 1 else ''})"
    for c in parts:
        for n, e in enumerate(exp.endpoints):
            if (e.reason is StopReason.LABELLED_SERVICE and e.origin == c.origin and e.amount == c.amount
                    and e.origin_amount == c.origin_amount and e.asset == c.transfer.asset):
                exp.endpoints[n] = replace(e, reason=StopReason.UNRESOLVED, service=text)
                break


def _rates(ctx: TraceContext) -> Callable[[Transfer, Asset], Decimal | None]:
    # The matching asks for a rate per (order, candidate payout) pair, a few thousand times for one service
    # address on a large world; each close is a database read, so each (day, asset pair) is read once per call
    # (the reads were 87 % of the matching's time and put seconds of CPU on the trace's critical path).
    known: dict[tuple[str, str, str], Decimal | None] = {}

    def rate(deposit: Transfer, payout_asset: Asset) -> Decimal | None:
        """Payout units per deposited unit, from the deposit day's USD closes of both assets."""
        if ctx.prices is None:
            return None
        day = deposit.timestamp.date().isoformat()
        key = (day, deposit.asset.symbol, payout_asset.symbol)
        if key not in known:
            paid, got = ctx.prices.price_on(key[1], day), ctx.prices.price_on(key[2], day)
            known[key] = paid / got if paid is not None and got else None
        return known[key]
    return rate


def _deposits(ctx: TraceContext, node: Address, exp: Expansion) -> list[Transfer]:
    """Every customer's deposit into the service's address (the rivals a payout could also settle)."""
    try:
        final = ctx.final_block(node.chain)
        out: list[Transfer] = []
        for t in ctx.adapter(node.chain).transfers_of(node.value, until_block=final, final_block=final):
            if t.to_address == node.value and t.followable:
                out.append(t)
            if len(out) >= MAX_WALLET_TRANSFERS:
                exp.notes.append(f"instant-exchange deposits at {node} capped at {len(out)}")
                break
        return out
    except ChainError as exc:
        exp.notes.append(f"cannot read instant-exchange deposits at {node}: {exc}")
        return []


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
