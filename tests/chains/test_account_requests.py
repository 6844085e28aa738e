"""No redundant TronGrid or Etherscan request (issue 16): exact counts per endpoint from the sandbox server's own
counters, over real loopback HTTP and without an archive (nothing answered from a database)."""

from __future__ import annotations

from collections import Counter

import requests

from chains.etherscan import EtherscanAdapter, EtherscanClient
from chains.http import RetryPolicy
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from tracer.model import Chain, Direction
from tracer.sandbox.launch import RunningSandbox

FAST = RetryPolicy(max_attempts=3, base_delay=0.0)


def counts(sb: RunningSandbox) -> Counter[str]:
    """Requests served so far, per ``dialect:endpoint``."""
    return Counter(sb.server.stats()["endpoints"])


def tron(sb: RunningSandbox) -> TronGridAdapter:
    return TronGridAdapter(TronGridClient(requests.Session(), sb.urls()["trongrid"], rate=0, ban_wait=0.0,
                                          retry=FAST, sleep=lambda s: None))


def busiest_tron_address(sb: RunningSandbox) -> str:
    return Counter(t.owner for t in sb.world.tron_txs).most_common(1)[0][0]


def test_a_closed_tron_window_is_listed_once(sandbox: RunningSandbox) -> None:
    tg = tron(sandbox)
    address = busiest_tron_address(sandbox)
    before = counts(sandbox)
    final = tg.latest_block() - 20  # the case's pinned final block
    first = list(tg.transfers_of(address, until_block=final, final_block=final))
    assert first
    listed = counts(sandbox) - before
    assert listed["trongrid:/wallet/getnowblock"] == 1  # the tip read for the final block anchors the window too
    assert listed["trongrid:/v1/accounts/:a/transactions"] >= 1
    assert listed["trongrid:/v1/accounts/:a/transactions/trc20"] >= 1
    again = list(tg.transfers_of(address, until_block=final, final_block=final))  # another step reads it again
    assert again == first
    assert counts(sandbox) - before == listed  # not one request more
    # another direction is another listing (TronGrid filters it server-side): asked once, then remembered
    incoming = list(tg.transfers_of(address, direction=Direction.IN, until_block=final, final_block=final))
    assert incoming and all(t.to_address == address for t in incoming)
    listed_in = counts(sandbox) - before
    assert listed_in["trongrid:/v1/accounts/:a/transactions"] > listed["trongrid:/v1/accounts/:a/transactions"]
    assert list(tg.transfers_of(address, direction=Direction.IN, until_block=final, final_block=final)) == incoming
    assert counts(sandbox) - before == listed_in


def test_an_open_tron_window_is_always_asked(sandbox: RunningSandbox) -> None:
    tg = tron(sandbox)
    address = busiest_tron_address(sandbox)
    before = counts(sandbox)
    tip = tg.latest_block()
    list(tg.transfers_of(address, until_block=tip))  # the monitor: no final block, the window moves with the tip
    list(tg.transfers_of(address, until_block=tip))
    list(tg.transfers_of(address, until_block=tip, final_block=tip - 20))  # ends above the final block
    list(tg.transfers_of(address, until_block=tip, final_block=tip - 20))
    assert (counts(sandbox) - before)["trongrid:/v1/accounts/:a/transactions"] == 4


def test_a_final_evm_transaction_is_read_once(sandbox: RunningSandbox) -> None:
    client = EtherscanClient(requests.Session(), sandbox.urls()["etherscan"], api_key="TESTKEY", rate=0, retry=FAST,
                             sleep=lambda s: None)
    eth = EtherscanAdapter(client, Chain.ETHEREUM)
    final = eth.latest_block() - 20
    buried, other = [t for t in sandbox.world.evm_txs if t.block <= final][:2]
    before = counts(sandbox)
    first = eth.transaction(buried.hash, final_block=final)
    assert first is not None and first.block_number == buried.block
    assert eth.transaction(buried.hash.upper().replace("0X", "0x"), final_block=final) == first
    assert eth.transaction(buried.hash) == first  # buried below a final block: final for every later question
    spent = counts(sandbox) - before
    assert spent["etherscan:proxy/eth_getTransactionByHash"] == 1
    assert spent["etherscan:proxy/eth_getTransactionReceipt"] == 1
    # asked without a final block nothing is known final: every call asks
    assert eth.transaction(other.hash) == eth.transaction(other.hash) is not None
    assert (counts(sandbox) - before)["etherscan:proxy/eth_getTransactionByHash"] == 3
