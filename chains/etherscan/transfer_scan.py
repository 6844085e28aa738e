"""Which watched EVM wallets sent a token in a block window: one chain-wide ``Transfer`` scan per window.

A token pulled out of a wallet by a spender through an earlier approval (``transferFrom``) costs the owner no gas:
nothing enters the owner's ``txlist`` and its native balance, read 20 addresses per ``balancemulti``, does not
change. Costs per monitoring window for W watched wallets on one chain (docs/methodology.md, "Monitoring"):

* ``tokenbalance``: one address x one contract per call -- W x (tokens) requests, and blind to unlisted tokens;
* ``getLogs`` with ``topic1`` = the padded owner: Etherscan takes one value per topic -- W requests;
* ``getLogs`` with ``topic0`` = Transfer only, over the window, filtered here by ``topic1`` against the watched
  set: ceil(Transfer logs in the window / 1000) requests, whatever W is. On Ethereum mainnet (a few hundred
  Transfer logs a block) a window of some hundred blocks is about a hundred pages, against W = 20,000.

This module does the third. Pages go by block like :meth:`EtherscanClient.get_logs` (a full page holds back its
last block, the next call starts there). A single block holding a whole page of Transfer logs (a big airdrop)
is read for that block alone with ``topic1`` per watched wallet -- W requests, but exact, and rare.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import partial
from typing import Any

from chains.addresses import canonical_address
from chains.etherscan import parse
from chains.etherscan.client import EtherscanClient
from tracer.errors import BadResponse
from tracer.model import Chain


def token_senders(client: EtherscanClient, chain: Chain, addresses: Collection[str], since_block: int,
                  until_block: int) -> dict[str, int]:
    """Watched address -> the last block in ``since_block..until_block`` where it was the ``from`` of a Transfer."""
    watched = {canonical_address(chain, a) for a in addresses}
    sent: dict[str, int] = {}
    start = since_block
    while watched and start <= until_block:
        rows = _page(client, start, until_block, {0: parse.TRANSFER_TOPIC})
        if len(rows) < client.page_size:
            _record(rows, watched, sent)
            return sent
        last = _block(rows[-1])
        if last == start:  # one block fills the page: read it per watched wallet instead
            for address in sorted(watched):
                _record(list(client.get_logs(start, start, topics={0: parse.TRANSFER_TOPIC, 1: _padded(address)})),
                        watched, sent)
            start += 1
            continue
        _record([r for r in rows if _block(r) != last], watched, sent)
        start = last
    return sent


def _page(client: EtherscanClient, start: int, end: int, topics: Mapping[int, str]) -> list[dict[str, Any]]:
    params = {"fromBlock": start, "toBlock": end, "page": 1, "offset": client.page_size,
              **{f"topic{i}": t for i, t in topics.items()}}
    result = client.query("logs", "getLogs", params,
                          validate=partial(parse.validate_logs, from_block=start, to_block=end))
    if not isinstance(result, list):
        raise BadResponse(f"etherscan getLogs: expected a list of rows, got {type(result).__name__}")
    return result


def _record(rows: Sequence[Mapping[str, Any]], watched: set[str], sent: dict[str, int]) -> None:
    for row in rows:
        topics = row.get("topics") or []
        if len(topics) < 2 or str(topics[0]).lower() != parse.TRANSFER_TOPIC:
            continue
        sender = "0x" + str(topics[1]).lower()[-40:]
        if sender in watched:
            sent[sender] = max(sent.get(sender, 0), _block(row))


def _block(row: Mapping[str, Any]) -> int:
    return int(str(row["blockNumber"]), 16)


def _padded(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")
