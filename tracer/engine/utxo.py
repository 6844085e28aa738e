"""Expanding a UTXO node (Bitcoin): every tainted output is followed into the transaction that spends it.

Taint is tracked per output (exact, no pooling): a spending tx splits the taint of the node's inputs over its
outputs and fee by the UTXO form of the model (§1.2). Other inputs of the same tx are allocated by their own
nodes' expansions (contributions are keyed by parent), so co-spends with other traced addresses add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from db.records import Contribution, Expansion
from heuristics.peel import is_peel_step
from heuristics.taint import split_utxo
from tracer.engine.clusters import cospend_links
from tracer.engine.context import TraceContext
from tracer.engine.ports import CoinJoinDetector
from tracer.engine.postmix import follow_round
from tracer.model import (
    Address,
    Category,
    ChainTx,
    Endpoint,
    EndpointStatus,
    Evidence,
    EvidenceClass,
    StopReason,
    Transfer,
    TransferKind,
)

TRANSFER_EVIDENCE = Evidence(EvidenceClass.E1, "transfer", 1.0)


def output_transfer(tx: ChainTx, vout: int) -> Transfer:
    """The :class:`Transfer` view of one output of a UTXO transaction."""
    out = next(o for o in tx.outputs if o.index == vout)
    sender = tx.inputs[0].address if tx.inputs else None
    return Transfer(tx.chain, tx.tx_hash, vout, TransferKind.UTXO, tx.chain.native, sender, out.address, out.amount,
                    tx.block_number, tx.timestamp)


def expand_utxo(ctx: TraceContext, node: Address, hop: int, incoming: Sequence[Contribution],
                history: Sequence[ChainTx], confidence: float,
                is_coinjoin: CoinJoinDetector | None = None) -> Expansion:
    """Follow each tainted output of ``node`` into its spending transaction."""
    exp = Expansion(node)
    native = node.chain.native
    # (tx, vout) -> origin -> (taint, origin amount)
    held: dict[tuple[str, int], dict[str, tuple[int, int]]] = defaultdict(dict)
    for c in incoming:
        if c.transfer.to_address != node.value:
            continue
        slot = held[(c.transfer.tx_hash, c.transfer.index)]
        a, o = slot.get(c.origin, (0, 0))
        slot[c.origin] = (a + c.amount, o + c.origin_amount)
    spends: dict[str, ChainTx] = {}
    spent_by: dict[tuple[str, int], str] = {}
    for tx in history:
        for vin in tx.inputs:
            key = (vin.prev_tx_hash, vin.prev_index)
            if key in held:
                spent_by[key] = tx.tx_hash
                spends[tx.tx_hash] = tx
    for key, origins in sorted(held.items()):
        if key not in spent_by:
            for origin, (a, o) in sorted(origins.items()):
                exp.endpoints.append(Endpoint(node.chain, node.value, native, a, EndpointStatus.UNSPENT, None,
                                              StopReason.UNSPENT, None, hop, confidence, origin, o))
    for tx_hash in sorted(spends, key=lambda h: (spends[h].block_number, h)):
        tx = spends[tx_hash]
        _allocate_spend(ctx, node, hop, tx, held, confidence, exp, is_coinjoin)
    return exp


def _allocate_spend(ctx: TraceContext, node: Address, hop: int, tx: ChainTx,
                    held: dict[tuple[str, int], dict[str, tuple[int, int]]], confidence: float, exp: Expansion,
                    is_coinjoin: CoinJoinDetector | None) -> None:
    native = node.chain.native
    input_total = sum(i.amount for i in tx.inputs)
    per_origin: dict[str, tuple[int, int, int]] = {}  # origin -> (taint, origin amount, fifo offset)
    cursor = 0
    for vin in tx.inputs:
        for origin, (a, o) in held.get((vin.prev_tx_hash, vin.prev_index), {}).items():
            t0, o0, off = per_origin.get(origin, (0, 0, cursor))
            per_origin[origin] = (t0 + a, o0 + o, off)
        cursor += vin.amount
    if is_coinjoin is not None and is_coinjoin(tx) is not None:
        for origin, (a, o, _off) in sorted(per_origin.items()):
            exp.endpoints.append(Endpoint(node.chain, node.value, native, a, EndpointStatus.MIXED,
                                          Category.COINJOIN, StopReason.COINJOIN, f"coinjoin {tx.tx_hash}", hop,
                                          confidence, origin, o))
        if ctx.params.demix:
            proven = {k: (a, o) for k, (a, o, _off) in per_origin.items() if not k.startswith("inferred:")}
            follow_round(ctx, node, hop, tx, proven, confidence, exp)
        return
    exp.links.extend(cospend_links(node, tx))  # CIOH: all inputs of a non-CoinJoin spend share a holder (E3)
    outputs = sorted(tx.outputs, key=lambda o: o.index)
    evidence_of = _peel_evidence(tx, [(i.prev_tx_hash, i.prev_index) for i in tx.inputs
                                      if (i.prev_tx_hash, i.prev_index) in held])
    for origin, (a, o, offset) in sorted(per_origin.items()):
        shares, (fee_taint, fee_origin) = split_utxo(ctx.params.model, input_total, a, o,
                                                     [out.amount for out in outputs], tx.fee, offset)
        for out, (taint, origin_amount) in zip(outputs, shares, strict=True):
            if taint <= 0 and origin_amount <= 0:
                continue
            transfer = output_transfer(tx, out.index)
            exp.transfers.append(transfer)
            if out.address is None:  # OP_RETURN / burn: value leaves circulation
                exp.endpoints.append(Endpoint(node.chain, node.value, native, taint, EndpointStatus.UNKNOWN, None,
                                              StopReason.FEES, "burned", hop, confidence, origin, origin_amount))
                continue
            exp.contributions.append(Contribution(transfer, origin, taint, origin_amount, str(node), hop + 1,
                                                  evidence_of.get(out.index, TRANSFER_EVIDENCE), confidence))
        if fee_taint or fee_origin:
            exp.endpoints.append(Endpoint(node.chain, node.value, native, fee_taint, EndpointStatus.UNKNOWN, None,
                                          StopReason.FEES, "network fee", hop, confidence, origin, fee_origin))


def _peel_evidence(tx: ChainTx, tainted_inputs: list[tuple[str, int]]) -> dict[int, Evidence]:
    """If ``tx`` is a peel step of a tainted coin, mark its outputs so the export can chain the steps together
    into one peel-chain finding (docs/methodology.md §5.1). Edges stay E1: the transfers themselves are facts."""
    for outpoint in tainted_inputs:
        step = is_peel_step(tx, outpoint)
        if step is None:
            continue
        common = {"spent": f"{outpoint[0]}:{outpoint[1]}", "peel_address": step.peel_address,
                  "peel_amount": str(step.peel_amount), "peel_index": str(step.peel_index)}
        return {step.change_index: Evidence(EvidenceClass.E1, "transfer", 1.0, {**common, "peel_step": "change"}),
                step.peel_index: Evidence(EvidenceClass.E1, "transfer", 1.0, {**common, "peel_step": "peel"})}
    return {}
