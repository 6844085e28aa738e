"""The monitor's token-pull check from the analyst's own node, against a real anvil: a spender's ``transferFrom``
out of a watched wallet is found with the whole watchlist as an OR-list in topic1, 1,000 wallets per call."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import requests
from web3 import HTTPProvider, Web3

from chains.addresses import evm_from_bytes
from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient
from tracer.model import Chain

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"

pytestmark = pytest.mark.anvil


def test_transfer_from_out_of_a_watched_wallet_is_found_in_two_or_list_calls(anvil_url: str) -> None:
    w3 = Web3(HTTPProvider(anvil_url))
    deployer, owner, spender, sink = list(w3.eth.accounts)[:4]
    artifact = json.loads((CONTRACTS / "TestToken.json").read_text())
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    created = w3.eth.wait_for_transaction_receipt(factory.constructor("Test", "TST", 6, 10**12)
                                                  .transact({"from": deployer}))
    token = w3.eth.contract(address=created["contractAddress"], abi=artifact["abi"])
    start = w3.eth.block_number + 1
    w3.eth.wait_for_transaction_receipt(token.functions.transfer(owner, 1_000_000).transact({"from": deployer}))
    w3.eth.wait_for_transaction_receipt(token.functions.approve(spender, 10**9).transact({"from": owner}))
    balance_before = w3.eth.get_balance(owner)
    pull = w3.eth.wait_for_transaction_receipt(token.functions.transferFrom(owner, sink, 400_000)
                                               .transact({"from": spender}))
    assert w3.eth.get_balance(owner) == balance_before  # the owner paid no gas: a balance pre-check sees nothing
    quiet = [evm_from_bytes(hashlib.sha256(f"quiet{i}".encode()).digest()[:20]) for i in range(1_500)]
    adapter = EvmRpcAdapter(EvmRpcClient(requests.Session(), anvil_url, timeout=10), Chain.ETHEREUM)

    sent = adapter.token_senders([owner.lower(), *quiet], start, w3.eth.block_number)

    assert sent == {owner.lower(): pull["blockNumber"]}  # the deployer's transfer is not from a watched wallet
    assert adapter.client.requests == 2  # 1,501 watched wallets: two OR-lists of at most 1,000
    assert adapter.token_senders(quiet, start, w3.eth.block_number) == {}
