"""Which watched EVM wallets sent a token in a block window, from the analyst's own node: ``eth_getLogs`` with
``topics = [Transfer, [owner1, owner2, ...]]``.

JSON-RPC takes an OR-list in each topic position, so the whole watchlist goes in ceil(W / 1000) calls per window
(geth refuses more than 1,000 values in one position: ``maxSubTopics`` in eth/filters), each answer holding only
the watched wallets' Transfer logs. Ranges the node refuses are bisected by :meth:`EvmRpcAdapter.scan`. The
Etherscan counterpart (one value per topic) is a chain-wide scan: chains/etherscan/transfer_scan.py.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from chains.addresses import canonical_address
from chains.etherscan.parse import TRANSFER_TOPIC
from tracer.errors import BadResponse

if TYPE_CHECKING:
    from chains.evm_rpc.adapter import EvmRpcAdapter

MAX_OR_VALUES = 1000


def token_senders(adapter: EvmRpcAdapter, addresses: Collection[str], since_block: int,
                  until_block: int) -> dict[str, int]:
    """Watched address -> the last block in ``since_block..until_block`` where it was the ``from`` of a Transfer."""
    watched = {canonical_address(adapter.chain, a) for a in addresses}
    ordered = sorted(watched)
    sent: dict[str, int] = {}
    for i in range(0, len(ordered), MAX_OR_VALUES):
        owners = ["0x" + a[2:].rjust(64, "0") for a in ordered[i:i + MAX_OR_VALUES]]

        def fetch(lo: int, hi: int, owners: list[str] = owners) -> list[dict[str, Any]]:
            result = adapter.client.call("eth_getLogs", [{"fromBlock": hex(lo), "toBlock": hex(hi),
                                                          "topics": [TRANSFER_TOPIC, owners]}])
            if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
                raise BadResponse("evm_rpc eth_getLogs: result is not a list of logs")
            return result

        adapter.span = adapter.initial_span
        for log in adapter.scan(fetch, since_block, until_block):
            topics = log.get("topics") or []
            if len(topics) < 2 or str(topics[0]).lower() != TRANSFER_TOPIC:
                continue
            sender = "0x" + str(topics[1]).lower()[-40:]
            block = int(str(log.get("blockNumber")), 16)
            if sender in watched:
                sent[sender] = max(sent.get(sender, 0), block)
    return sent
