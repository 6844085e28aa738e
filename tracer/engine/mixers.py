"""Following value through a fixed-denomination pool (Tornado-style) as an INFERRED layer.

A deposit into a pool ends the proven trace (endpoint ``mixed``). Where the published heuristics link a
withdrawal to one of our deposits (heuristics.mixers.tornado: address match, unique gas price, linked addresses,
multi-denomination, time order), the deposit's value is followed on from the withdrawal with origin
``inferred:<asset>`` and the link's confidence (E4/E5). Inferred value is conserved per deposit (split over its
candidate withdrawals by confidence) but kept apart from the proven accounting.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from db.records import Contribution, Expansion
from heuristics.mixers.pools import Pool, pool_of
from heuristics.mixers.tornado import PoolDeposit, PoolLink, PoolWithdrawal, TornadoCallbacks, link_withdrawals
from heuristics.taint import split_proportionally
from tracer.engine.classify import classify
from tracer.engine.context import TraceContext
from tracer.errors import ChainError
from tracer.model import Address, Evidence, Link, LinkKind, Transfer, TransferKind

logger = logging.getLogger(__name__)

MIN_LINK_CONFIDENCE = 0.2  # below this a withdrawal is not followed at all
MAX_CANDIDATES_PER_DEPOSIT = 3
MAX_POOL_TRANSFERS = 20_000  # reading more of a pool's history than this is not a demixing, it is a census
INFERRED = "inferred:"
LINKED_MIN_TXS = 3  # Tutela's linked-address heuristic: at least three direct transactions


def demix_pool(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution], exp: Expansion) -> None:
    """Add inferred contributions and mixer links for the tainted deposits into the pool at ``node``."""
    pool = pool_of(node.chain, node.value)
    deposits_in = [c for c in incoming if c.transfer.to_address == node.value
                   and not c.origin.startswith(INFERRED)]
    if pool is None or not deposits_in:
        return
    adapter = ctx.adapter(node.chain)
    first = min(c.transfer.block_number for c in deposits_in)
    history: list[Transfer] = []
    try:
        final = ctx.final_block(node.chain)
        for t in adapter.transfers_of(node.value, since_block=first, until_block=final, final_block=final):
            history.append(t)
            if len(history) >= MAX_POOL_TRANSFERS:
                exp.notes.append(f"pool {node} history capped at {MAX_POOL_TRANSFERS} transfers for demixing")
                break
    except ChainError as exc:
        exp.notes.append(f"pool {node}: cannot read history for demixing ({exc})")
        return
    deposits, withdrawals, payouts = pool_events(pool, node.value, history)
    ours = {c.transfer.tx_hash: c for c in deposits_in}
    wanted = [d for d in deposits if d.tx_hash in ours]

    def is_service(address: str) -> bool:
        return classify(ctx.labels, node.chain, address) is not None

    counterparts: dict[str, dict[str, int]] = {}

    def interacted(a: str, b: str) -> bool:
        """H3 (Tutela linked addresses): the depositor and the recipient transacted directly, >= 3 times. Reads
        the depositor's own history, which the trace already fetched (an archive hit, not a new request)."""
        for owner, other in ((a, b), (b, a)):
            if owner in {d.depositor for d in wanted}:
                if owner not in counterparts:
                    counterparts[owner] = _counterparts(ctx, node, owner)
                if counterparts[owner].get(other, 0) >= LINKED_MIN_TXS:
                    return True
        return False

    links = link_withdrawals(wanted, deposits, withdrawals,
                             TornadoCallbacks(interacted=interacted, is_service=is_service))
    known = ctx.services.mixer_links  # `tracer bulk mixers` links over the whole pool history
    if known is not None:
        strongest = {(lk.deposit.tx_hash, lk.withdrawal.tx_hash): lk for lk in known.links_for(wanted)}
        for lk in links:
            key = (lk.deposit.tx_hash, lk.withdrawal.tx_hash)
            if key not in strongest or lk.confidence >= strongest[key].confidence:
                strongest[key] = lk
        links = list(strongest.values())
    by_deposit: dict[str, list[PoolLink]] = defaultdict(list)
    for link in one_note_each(links):
        by_deposit[link.deposit.tx_hash].append(link)
    for tx_hash, candidates in sorted(by_deposit.items()):
        best = sorted(candidates, key=lambda lk: (-lk.confidence, lk.withdrawal.tx_hash))[:MAX_CANDIDATES_PER_DEPOSIT]
        source = ours[tx_hash]
        weights = [max(1, int(lk.confidence * 1000)) for lk in best]
        origin_split = split_proportionally(source.origin_amount, weights, sum(weights))
        for lk, o_amt in zip(best, origin_split, strict=True):
            payout = payouts.get(lk.withdrawal.tx_hash)
            if payout is None:
                continue
            evidence = Evidence(lk.evidence.evidence_class, lk.evidence.rule, lk.confidence,
                                {**dict(lk.evidence.facts), "deposit": tx_hash, "withdrawal": lk.withdrawal.tx_hash,
                                 "heuristics": ",".join(lk.heuristics)})
            origin = source.origin if source.origin.startswith(INFERRED) else INFERRED + source.origin
            amount = payout.amount * o_amt // source.origin_amount if source.origin_amount else 0
            exp.transfers.append(payout)
            exp.contributions.append(Contribution(payout, origin, amount, o_amt, str(node), hop + 1, evidence,
                                                  round(source.confidence * lk.confidence, 6)))
            exp.links.append(Link(LinkKind.MIXER, "tornado-style pool", node.chain, tx_hash, node.chain,
                                  lk.withdrawal.tx_hash, payout.to_address, evidence, source.transfer.asset.key,
                                  payout.asset.key, source.transfer.amount, payout.amount,
                                  source.transfer.from_address))


def one_note_each(links: Sequence[PoolLink]) -> list[PoolLink]:
    """A withdrawal spends exactly one note and a note is withdrawn once: keep a one-to-one assignment, strongest
    link first, then the shortest deposit-to-withdrawal delay. (H3 names the owner of a withdrawal, not the note:
    every deposit of that owner scores the same, and only one of them can be the real pair.)"""
    ranked = sorted((lk for lk in links if lk.confidence >= MIN_LINK_CONFIDENCE),
                    key=lambda lk: (-lk.confidence, lk.withdrawal.block - lk.deposit.block, lk.deposit.tx_hash,
                                    lk.withdrawal.tx_hash))
    used_deposits: set[str] = set()
    used_withdrawals: set[str] = set()
    chosen = []
    for lk in ranked:
        if lk.deposit.tx_hash in used_deposits or lk.withdrawal.tx_hash in used_withdrawals:
            continue
        if lk.withdrawal.block < lk.deposit.block:
            continue
        used_deposits.add(lk.deposit.tx_hash)
        used_withdrawals.add(lk.withdrawal.tx_hash)
        chosen.append(lk)
    return chosen


def pool_events(pool: Pool, address: str, history: Sequence[Transfer]
                ) -> tuple[list[PoolDeposit], list[PoolWithdrawal], dict[str, Transfer]]:
    """Deposits (value in at the denomination), withdrawals (internal payouts out) and the payout transfer per tx."""
    deposits: list[PoolDeposit] = []
    outs: dict[str, list[Transfer]] = defaultdict(list)
    gas = {t.tx_hash: t.gas_price for t in history if t.index == -1 and t.gas_price is not None}
    for t in history:
        if t.to_address == address and t.amount == pool.denomination and t.followable:
            deposits.append(PoolDeposit(t.tx_hash, t.block_number, t.timestamp, pool, t.from_address,
                                        gas.get(t.tx_hash)))
        elif t.from_address == address and t.kind is TransferKind.INTERNAL and t.amount > 0 and t.to_address:
            outs[t.tx_hash].append(t)
    withdrawals: list[PoolWithdrawal] = []
    payouts: dict[str, Transfer] = {}
    for tx_hash, legs in outs.items():
        legs = sorted(legs, key=lambda t: -t.amount)
        recipient, relayer = legs[0], (legs[1] if len(legs) > 1 else None)
        withdrawals.append(PoolWithdrawal(tx_hash, recipient.block_number, recipient.timestamp, pool,
                                          recipient.to_address or "", relayer.to_address if relayer else None,
                                          relayer.amount if relayer else 0, gas.get(tx_hash)))
        payouts[tx_hash] = recipient
    return deposits, sorted(withdrawals, key=lambda w: (w.block, w.tx_hash)), payouts


def _counterparts(ctx: TraceContext, node: Address, address: str) -> dict[str, int]:
    """How many direct transfers ``address`` made to or received from each counterparty (pool excluded)."""
    counts: dict[str, int] = defaultdict(int)
    adapter = ctx.adapter(node.chain)
    try:
        final = ctx.final_block(node.chain)
        for t in adapter.transfers_of(address, until_block=final, final_block=final):
            other = t.to_address if t.from_address == address else t.from_address
            if other and other != node.value and t.tx_hash:
                counts[other] += 1
    except ChainError as exc:
        logger.warning("cannot read %s for linked-address check: %s", address, exc)
    return dict(counts)
