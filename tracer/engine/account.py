"""Expanding an account-model node (EVM chains, TRON): ledger replay per (asset, origin), swaps in one tx."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from db.records import Contribution, Expansion
from heuristics.swaps import asset_class, detect_swap
from heuristics.taint import LedgerEvent, replay
from tracer.engine.context import TraceContext
from tracer.model import (
    Address,
    Asset,
    Endpoint,
    EndpointStatus,
    Evidence,
    EvidenceClass,
    Link,
    LinkKind,
    StopReason,
    TaintModel,
    Transfer,
    TransferFlag,
)

logger = logging.getLogger(__name__)

TRANSFER_EVIDENCE = Evidence(EvidenceClass.E1, "transfer", 1.0)
MAX_SWAP_ROUNDS = 4  # token -> ETH -> token … within one node; more is a loop


def expand_account(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution],
                   history: Sequence[Transfer], node_confidence: float) -> Expansion:
    """Allocate the node's tainted inflows over its outflows; see :mod:`heuristics.taint`."""
    exp = Expansion(node)
    by_tx: dict[str, list[Transfer]] = defaultdict(list)
    for t in history:
        by_tx[t.tx_hash].append(t)
    known = {t.id for t in history}
    # The same transfer read from two sources must not count twice: match by content when ids differ.
    by_content = {_content(t): t for t in history}
    taint_in: dict[tuple[str, str], list[Contribution]] = defaultdict(list)  # (asset key, origin) -> contributions
    extra: dict[str, Transfer] = {}
    for c in incoming:
        if c.parent == str(node):
            continue  # a swap leg this node's own ledger produced last time: it is re-derived below
        if c.transfer.id not in known and _content(c.transfer) in by_content:
            c = replace(c, transfer=by_content[_content(c.transfer)])
        taint_in[(c.transfer.asset.key, c.origin)].append(c)
        if c.transfer.id not in known:
            extra[c.transfer.id] = c.transfer  # arrived through a link (bridge payout) or missing from history
    transfers = sorted([*history, *extra.values()], key=lambda t: (t.block_number, t.tx_hash, _kind_order(t), t.index))
    assets = {t.asset.key: t.asset for t in transfers}
    work = sorted(taint_in)
    done: dict[tuple[str, str], int] = {}
    rounds = 0
    while work and rounds < MAX_SWAP_ROUNDS * (len(assets) + 1):
        rounds += 1
        key = work.pop(0)
        asset = assets.get(key[0])
        if asset is None:
            continue
        produced = _replay_asset(ctx, node, hop, asset, key[1], transfers, taint_in[key], by_tx, node_confidence, exp)
        done[key] = done.get(key, 0) + 1
        for swap_in in produced:  # taint swapped into another asset of this same node
            skey = (swap_in.transfer.asset.key, swap_in.origin)
            taint_in[skey].append(swap_in)
            assets.setdefault(skey[0], swap_in.transfer.asset)
            if skey not in work:
                _drop_outputs_of(exp, skey)
                work.append(skey)
    return exp


def _replay_asset(ctx: TraceContext, node: Address, hop: int, asset: Asset, origin: str,
                  transfers: Sequence[Transfer], contributions: Sequence[Contribution],
                  by_tx: dict[str, list[Transfer]], confidence: float, exp: Expansion) -> list[Contribution]:
    tainted: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for c in contributions:
        a, o = tainted[c.transfer.id]
        tainted[c.transfer.id] = (a + c.amount, o + c.origin_amount)
    events: list[LedgerEvent] = []
    by_key: dict[str, Transfer] = {}
    fees_seen: set[str] = set()
    for t in transfers:
        if asset.is_native and t.fee and t.from_address == node.value and t.tx_hash not in fees_seen:
            fees_seen.add(t.tx_hash)  # gas is paid in the native coin, never from token lots (§1.3)
            events.append(LedgerEvent(f"fee:{t.tx_hash}", t.fee, inflow=False))
        if t.asset.key != asset.key or TransferFlag.FAILED in t.flags or t.amount <= 0:
            continue
        if t.from_address == t.to_address:
            continue
        if t.to_address == node.value:
            a, o = tainted.get(t.id, (0, 0))
            events.append(LedgerEvent(t.id, t.amount, inflow=True, taint=min(a, t.amount), origin_amount=o))
        elif t.from_address == node.value:
            events.append(LedgerEvent(t.id, t.amount, inflow=False))
            by_key[t.id] = t
    result = replay(events, ctx.params.model)
    # The spread between value-conserving models (§1.3): where they disagree, the node commingles.
    other = TaintModel.FIFO if ctx.params.model is not TaintModel.FIFO else TaintModel.HAIRCUT
    alt = {o.key: o.taint for o in replay(events, other).outflows}
    swaps: list[Contribution] = []
    for out in result.outflows:
        if out.key.startswith("fee:"):
            _add_endpoint(exp, node, asset, out.taint, origin, out.origin_amount, hop, confidence,
                          EndpointStatus.UNKNOWN, StopReason.FEES, None, "network fee")
            continue
        t = by_key[out.key]
        swap = detect_swap(node.value, by_tx.get(t.tx_hash, ()))
        exp.transfers.append(t)
        if swap is not None and asset_class(swap.asset_in) == asset_class(t.asset):
            back, evidence = swap.bought_leg, swap.evidence
            contribution = Contribution(back, origin, swap.carry_taint(out.taint), out.origin_amount, str(node), hop,
                                        evidence, confidence * swap.confidence)
            exp.transfers.append(back)
            swaps.append(contribution)
            exp.contributions.append(contribution)
            exp.links.append(Link(LinkKind.SWAP, _service(ctx, t.to_address, node) or "dex", node.chain, t.tx_hash,
                                  node.chain, back.tx_hash, node.value, evidence, asset.key, back.asset.key,
                                  t.amount, back.amount, node.value))
            continue
        exp.contributions.append(Contribution(t, origin, out.taint, out.origin_amount, str(node), hop + 1,
                                              TRANSFER_EVIDENCE, confidence, abs(alt.get(out.key, 0) - out.taint)))
    if result.remaining_origin > 0 or result.remaining_taint > 0:
        _add_endpoint(exp, node, asset, result.remaining_taint, origin, result.remaining_origin, hop, confidence,
                      EndpointStatus.UNSPENT, StopReason.UNSPENT, None, None)
    return swaps


def _service(ctx: TraceContext, address: str | None, node: Address) -> str | None:
    if address is None:
        return None
    labels = ctx.labels.labels_of(node.chain, address)
    return (labels[0].entity or labels[0].label) if labels else None


def _add_endpoint(exp: Expansion, node: Address, asset: Asset, amount: int, origin: str, origin_amount: int,
                  hop: int, confidence: float, status: EndpointStatus, reason: StopReason,
                  category: object, service: str | None) -> None:
    from tracer.model import Category

    exp.endpoints.append(Endpoint(node.chain, node.value, asset, amount, status,
                                  category if isinstance(category, Category) else None, reason, service, hop,
                                  confidence, origin, origin_amount))


def _drop_outputs_of(exp: Expansion, key: tuple[str, str]) -> None:
    """Forget what an earlier replay of (asset, origin) produced: it is replayed with more taint."""
    asset_key, origin = key
    exp.contributions[:] = [c for c in exp.contributions
                            if not (c.origin == origin and c.parent == str(exp.node)
                                    and c.transfer.from_address == exp.node.value
                                    and c.transfer.asset.key == asset_key)]
    exp.endpoints[:] = [e for e in exp.endpoints if not (e.origin == origin and e.asset.key == asset_key)]


def _content(t: Transfer) -> tuple[str, str, str, str | None, str | None, int]:
    return (t.tx_hash, t.kind.value, t.asset.key, t.from_address, t.to_address, t.amount)


def _kind_order(t: Transfer) -> int:
    # Within one tx: value in (internal calls back from a router) is seen before value out of the same asset
    # moves on in later txs; native top-level first, then tokens, then internal.
    return {"native": 0, "token": 1, "internal": 2, "utxo": 3}[t.kind.value]
