"""Esplora adapter against the independent sandbox server: histories match the generated world exactly."""

from __future__ import annotations

from collections import Counter

import requests

from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.http import RetryPolicy
from tracer.errors import AddressTooLarge
from tracer.model import Direction
from tracer.sandbox.launch import RunningSandbox


def adapter(sb: RunningSandbox) -> EsploraAdapter:
    client = EsploraClient(requests.Session(), sb.urls()["esplora"], rate=0,
                           retry=RetryPolicy(max_attempts=4, base_delay=0.0), sleep=lambda s: None)
    return EsploraAdapter(client)


def test_histories_match_the_world(sandbox: RunningSandbox) -> None:
    es = adapter(sandbox)
    tip = es.latest_block()
    world = [t for t in sandbox.world.btc_txs if t.block <= tip]
    usage = Counter(o.address for t in world for o in t.vout if o.address)
    checked = 0
    for address, _ in usage.most_common():
        try:
            got = list(es.transfers_of(address))
        except AddressTooLarge:
            continue  # the sandbox's service-sized addresses
        expected = {(t.txid, n) for t in world for n, o in enumerate(t.vout)
                    if o.address == address or any(i.address == address for i in t.vin)}
        assert {(x.tx_hash, x.index) for x in got} == expected
        outgoing = list(es.transfers_of(address, direction=Direction.OUT))
        assert all(x.from_address == address or any(i.address == address for t in world if t.txid == x.tx_hash
                                                     for i in t.vin) for x in outgoing)
        received = sum(o.value for t in world for o in t.vout if o.address == address)
        sent = sum(i.value for t in world for i in t.vin if i.address == address)
        assert es.balances([address]) == {address: received - sent}
        checked += 1
        if checked == 5:
            break
    assert checked == 5


def test_transactions_and_outspends_match(sandbox: RunningSandbox) -> None:
    es = adapter(sandbox)
    tip = es.latest_block()
    world = [t for t in sandbox.world.btc_txs if t.block <= tip]
    spent_by = {(i.prev_txid, i.prev_vout): t.txid for t in world for i in t.vin}
    for t in world[:10]:
        tx = es.transaction(t.txid)
        assert tx is not None and tx.block_number == t.block
        assert [o.amount for o in tx.outputs] == [o.value for o in t.vout]
        assert [i.amount for i in tx.inputs] == [i.value for i in t.vin]
        spends = es.outspends(t.txid)
        assert [s.tx_hash for s in spends] == [spent_by.get((t.txid, n)) for n in range(len(t.vout))]
