"""TronGrid adapter against the independent sandbox server: transfers and blocks match the generated world."""

from __future__ import annotations

from collections import Counter

import requests

from chains.http import RetryPolicy
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from tracer.model import TransferKind
from tracer.sandbox.launch import RunningSandbox


def adapter(sb: RunningSandbox) -> TronGridAdapter:
    client = TronGridClient(requests.Session(), sb.urls()["trongrid"], rate=0, ban_wait=0.0,
                            retry=RetryPolicy(max_attempts=4, base_delay=0.0), sleep=lambda s: None)
    return TronGridAdapter(client)


def test_transfers_match_the_world(sandbox: RunningSandbox) -> None:
    tg = adapter(sandbox)
    tip = tg.latest_block()
    world = [t for t in sandbox.world.tron_txs if t.block <= tip]
    blocks = {t.txid: t.block for t in world}
    owners = Counter(t.owner for t in world)
    for address, _ in owners.most_common(6):
        got = list(tg.transfers_of(address))
        expected = {(t.txid, "native", t.amount) for t in world
                    if t.contract_type == "TransferContract" and address in (t.owner, t.to)}
        expected |= {(t.txid, "token", x.value) for t in world for x in t.trc20 if address in (x.from_, x.to)}
        assert {(x.tx_hash, x.kind.value, x.amount) for x in got} == expected
        assert all(x.block_number == blocks[x.tx_hash] for x in got)  # exact or estimated, blocks agree


def test_transaction_lookup_matches(sandbox: RunningSandbox) -> None:
    tg = adapter(sandbox)
    tip = tg.latest_block()
    for t in [t for t in sandbox.world.tron_txs if t.block <= tip][:10]:
        tx = tg.transaction(t.txid)
        assert tx is not None and tx.block_number == t.block and tx.success == (t.ret == "SUCCESS")
        tokens = [x for x in tx.transfers if x.kind is TransferKind.TOKEN]
        assert [x.amount for x in tokens] == [x.value for x in sorted(t.trc20, key=lambda e: e.event_index)]
