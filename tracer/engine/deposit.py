"""Stopping at exchange deposit addresses found by behaviour: the engine's side of :mod:`heuristics.deposit`.

Hands the heuristic what the node sent, from the history the engine already fetched (UTXO spends as per-output
transfers), and names labelled exchanges through the label index; the heuristic decides. No request of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from heuristics.deposit import detect_deposit_address
from tracer.engine.classify import Terminal, classify
from tracer.engine.context import TraceContext
from tracer.engine.utxo import output_transfer
from tracer.model import Address, Category, ChainTx, EndpointStatus, Label, Transfer


def detect_deposit(ctx: TraceContext, node: Address, *, transfers: Sequence[Transfer] = (),
                   utxo_txs: Sequence[ChainTx] = ()) -> Terminal | None:
    """The exchange this address deposits into, as a terminal, or None."""
    forwards = list(transfers)
    for tx in utxo_txs:
        if any(i.address == node.value for i in tx.inputs):
            forwards.extend(replace_sender(output_transfer(tx, o.index), node.value) for o in tx.outputs)

    def exchange_of(address: str) -> str | None:
        terminal = classify(ctx.labels, node.chain, address)
        return terminal.service if terminal is not None and terminal.category is Category.EXCHANGE else None

    found = detect_deposit_address(node.value, forwards, exchange_of)
    if found is None:
        return None
    label = Label(node.chain, node.value, f"{found.exchange} deposit address (behaviour)", Category.DEPOSIT,
                  "heuristic:deposit_address", found.confidence, entity=found.exchange)
    return Terminal(Category.DEPOSIT, EndpointStatus.CASHED_OUT, found.exchange, found.confidence, label)


def replace_sender(t: Transfer, sender: str) -> Transfer:
    """An output of a spend from ``sender`` (the output view names the first input's address as the sender)."""
    return replace(t, from_address=sender)
