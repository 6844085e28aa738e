"""Exchange deposit addresses found by behaviour (docs/methodology.md §2.4, the deposit-address heuristic).

An unlabelled address that forwards what it receives to a labelled exchange wallet is that exchange's deposit
address for one customer: the value is cashed out there (evidence E3). Looking at labels only, this makes no
request beyond the history the engine already fetched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tracer.engine.classify import Terminal, classify
from tracer.engine.context import TraceContext
from tracer.model import Address, Category, ChainTx, EndpointStatus, Label, Transfer

DEPOSIT_FORWARD_SHARE = 0.9  # share of the value sent out that must reach the exchange
DEPOSIT_CONFIDENCE = 0.9


def detect_deposit(ctx: TraceContext, node: Address, *, transfers: Sequence[Transfer] = (),
                   utxo_txs: Sequence[ChainTx] = ()) -> Terminal | None:
    """The exchange this address deposits into, or None."""
    sent: dict[str, int] = defaultdict(int)  # recipient -> value (dominant asset for accounts)
    if utxo_txs:
        for tx in utxo_txs:
            if not any(i.address == node.value for i in tx.inputs):
                continue
            for out in tx.outputs:
                if out.address and out.address != node.value and out.amount > 0:
                    sent[out.address] += out.amount
    else:
        by_asset: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in transfers:
            if t.from_address == node.value and t.to_address and t.to_address != node.value and t.followable:
                by_asset[t.asset.key][t.to_address] += t.amount
        if by_asset:
            dominant = max(by_asset, key=lambda k: (sum(by_asset[k].values()), k))
            sent = by_asset[dominant]
    total = sum(sent.values())
    if total <= 0:
        return None
    to_exchange: dict[str, int] = defaultdict(int)
    for recipient, amount in sent.items():
        terminal = classify(ctx.labels, node.chain, recipient)
        if terminal is not None and terminal.category is Category.EXCHANGE:
            to_exchange[terminal.service] += amount
    if not to_exchange:
        return None
    service, amount = max(to_exchange.items(), key=lambda kv: (kv[1], kv[0]))
    if amount < total * DEPOSIT_FORWARD_SHARE:
        return None
    label = Label(node.chain, node.value, f"{service} deposit address (behaviour)", Category.DEPOSIT,
                  "heuristic:deposit_address", DEPOSIT_CONFIDENCE, entity=service)
    return Terminal(Category.DEPOSIT, EndpointStatus.CASHED_OUT, service, DEPOSIT_CONFIDENCE, label)
