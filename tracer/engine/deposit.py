"""Stopping at exchange deposit addresses found by behaviour: the engine's side of :mod:`heuristics.deposit`.

Hands the heuristic what the node sent, from the history the engine already fetched (UTXO spends as per-output
transfers), and names labelled exchanges through the label index; the heuristic decides. When the node forwards
everything to one unlabelled hub, the hub's history is read too (the two-level consolidation rule): that is the
history the engine would read next anyway when it expands the hub, and with a pinned final block the answer is
immutable, so expanding the hub later is served from the archive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from chains.base import UtxoAdapter
from heuristics.deposit import DepositAddressResult, detect_deposit_address, detect_via_consolidation, forwarding_hub
from tracer.engine.classify import Terminal, classify
from tracer.engine.context import TraceContext
from tracer.engine.utxo import output_transfer
from tracer.errors import ChainError
from tracer.model import Address, Category, ChainTx, EndpointStatus, Label, Transfer


def detect_deposit(ctx: TraceContext, node: Address, *, transfers: Sequence[Transfer] = (),
                   utxo_txs: Sequence[ChainTx] = ()) -> Terminal | None:
    """The exchange this address deposits into, as a terminal, or None."""
    forwards = list(transfers) + _spends(node.value, utxo_txs)

    def exchange_of(address: str) -> str | None:
        terminal = classify(ctx.labels, node.chain, address)
        return terminal.service if terminal is not None and terminal.category is Category.EXCHANGE else None

    found = detect_deposit_address(node.value, forwards, exchange_of) or \
        _via_consolidation(ctx, node, forwards, exchange_of)
    if found is None:
        return None
    how = "behaviour" if found.rule != "deposit.via_consolidation" else "behaviour, swept via a consolidation address"
    label = Label(node.chain, node.value, f"{found.exchange} deposit address ({how})", Category.DEPOSIT,
                  "heuristic:deposit_address", found.confidence, entity=found.exchange)
    return Terminal(Category.DEPOSIT, EndpointStatus.CASHED_OUT, found.exchange, found.confidence, label)


def _via_consolidation(ctx: TraceContext, node: Address, forwards: Sequence[Transfer],
                       exchange_of: Callable[[str], str | None]) -> DepositAddressResult | None:
    """The two-level rule: only when the node forwards everything to one unlabelled hub is the hub's history read
    (at most the busy threshold of it: a hub with more cannot be judged and the node is expanded as usual)."""
    hub = forwarding_hub(node.value, forwards)
    if hub is None or classify(ctx.labels, node.chain, hub) is not None:
        return None
    limit = ctx.params.busy_threshold
    final = ctx.final_block(node.chain)
    adapter = ctx.adapter(node.chain)
    hub_forwards: list[Transfer] = []
    senders: set[str] = set()
    try:
        if isinstance(adapter, UtxoAdapter):
            txs = []
            for tx in adapter.transactions_of(hub, until_block=final, final_block=final):
                txs.append(tx)
                if len(txs) > limit:
                    return None
            hub_forwards = _spends(hub, txs)
            senders = {i.address for tx in txs if any(o.address == hub for o in tx.outputs)
                       for i in tx.inputs if i.address}
        else:
            for t in adapter.transfers_of(hub, until_block=final, final_block=final):
                hub_forwards.append(t)
                if t.to_address == hub and t.from_address:
                    senders.add(t.from_address)
                if len(hub_forwards) > limit:
                    return None
    except ChainError:  # unreadable hub: no verdict; the engine expands the node and meets the hub itself
        return None
    return detect_via_consolidation(node.value, forwards, hub_forwards, senders, exchange_of)


def _spends(address: str, utxo_txs: Sequence[ChainTx]) -> list[Transfer]:
    """The outputs of every tx spending from ``address``, as transfers sent by it."""
    return [replace_sender(output_transfer(tx, o.index), address)
            for tx in utxo_txs if any(i.address == address for i in tx.inputs) for o in tx.outputs]


def replace_sender(t: Transfer, sender: str) -> Transfer:
    """An output of a spend from ``sender`` (the output view names the first input's address as the sender)."""
    return replace(t, from_address=sender)
