"""EvmRpcAdapter offline: JSON-RPC envelopes recorded from anvil (tests/fixtures/evm_rpc), no node needed."""

from __future__ import annotations

import json
from pathlib import Path

from chains.etherscan.parse import internal_index, token_index
from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient
from chains.testing import FixtureTransport, session_with
from tracer.model import Chain, TransferFlag, TransferKind

SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "evm_rpc" / "anvil_mixer_payout"
FACTS = json.loads((SCENARIO / "scenario.json").read_text())
ETH = 10**18


def adapter() -> EvmRpcAdapter:
    client = EvmRpcClient(session_with(FixtureTransport(SCENARIO)), FACTS["url"], retries=0)
    return EvmRpcAdapter(client, Chain.ETHEREUM)


def test_mixer_recipient_history_replays() -> None:
    received = list(adapter().transfers_of(FACTS["c"], until_block=FACTS["tip"]))
    withdraw_hash, withdraw_block = FACTS["txs"]["withdraw"]
    assert [(t.tx_hash, t.kind, t.index, t.from_address, t.amount, t.block_number) for t in received] == [
        (withdraw_hash, TransferKind.INTERNAL, internal_index(FACTS["pool"], FACTS["c"], ETH), FACTS["pool"], ETH,
         withdraw_block)]


def test_token_history_replays_with_flags() -> None:
    transfers = list(adapter().transfers_of(FACTS["a"], until_block=FACTS["tip"]))
    tokens = {t.tx_hash: t for t in transfers if t.kind is TransferKind.TOKEN}
    fake = tokens[FACTS["txs"]["fake"][0]]
    assert fake.index == token_index(FACTS["fake"], FACTS["poisoner"], FACTS["a"], 1_000)
    assert fake.asset.symbol == "USDT" and TransferFlag.FAKE_TOKEN in fake.flags
    assert tokens[FACTS["txs"]["zero"][0]].flags == {TransferFlag.ZERO_VALUE}
    deposit = [t for t in transfers if t.tx_hash == FACTS["txs"]["deposit"][0]]
    assert [(t.kind, t.to_address, t.amount) for t in deposit] == [(TransferKind.NATIVE, FACTS["pool"], ETH)]


def test_withdrawal_transaction_replays() -> None:
    tx = adapter().transaction(FACTS["txs"]["withdraw"][0])
    assert tx is not None and tx.success and tx.fee > 0
    assert tx.input_data is not None and tx.input_data.startswith("0x40e5e9aa")  # withdraw(address,bytes32)
    # canonical order within a tx is (kind, index): "internal" sorts before "native"
    assert [(t.kind, t.to_address, t.amount) for t in tx.transfers] == [
        (TransferKind.INTERNAL, FACTS["c"], ETH), (TransferKind.NATIVE, FACTS["pool"], 0)]
