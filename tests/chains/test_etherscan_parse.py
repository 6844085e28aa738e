"""Pure Etherscan parsing and in-band error classification, from literal wire rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chains.etherscan.client import classify
from chains.etherscan.parse import (
    internal_index,
    internal_item_to_transfer,
    internal_items_to_transfers,
    log_to_token_transfer,
    token_index,
    tokentx_items_to_transfers,
    txlist_item_to_transfer,
)
from chains.http import HttpAnswer, Retry
from chains.tokens import is_fake_token
from tracer.errors import ApiRejected, BadResponse, QuotaExhausted
from tracer.model import Chain, TransferFlag, TransferKind

# A real Nomad recovery tokentx row (hacks/nomad_bridge_2022/data_recovery_transfer_events.json), "hash" key.
USDC_ROW = {"blockNumber": "15266723", "timeStamp": "1659491876",
            "hash": "0x350f7f8931a65ec13632dbd7d21bf6ec8778bc28623e84b9ebdbf9de5f956742",
            "from": "0x11f9ecd6a705dd326592d8df0739d2f8f8778675",
            "contractAddress": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
            "to": "0x94a84433101a10aeda762968f6995c574d1bf154", "value": "10000", "tokenName": "USD Coin",
            "tokenSymbol": "USDC", "tokenDecimal": "6"}
TX_ROW = {"blockNumber": "21895319", "timeStamp": "1740148187",
          "hash": "0xDD5CD734D4D67FF5AF7E53CDD72C26D4D7D28D08C8F0FF32D12AB3E2A277E4BC",
          "from": "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2", "to": "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e",
          "value": "1000000000000000000", "isError": "0", "txreceipt_status": "1", "gasUsed": "21000",
          "gasPrice": "1500000000"}


def answer(body: object, status: int = 200) -> HttpAnswer:
    return HttpAnswer(status=status, text=str(body), data=body)


def test_txlist_row() -> None:
    t = txlist_item_to_transfer(TX_ROW, Chain.ETHEREUM)
    assert t.kind is TransferKind.NATIVE and t.index == -1
    assert t.tx_hash == TX_ROW["hash"].lower() and t.from_address == "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
    assert t.amount == 10**18 and t.fee == 21000 * 1_500_000_000 and not t.flags
    assert t.timestamp == datetime(2025, 2, 21, 14, 29, 47, tzinfo=UTC)


def test_contract_creation_failed_and_zero_value() -> None:
    created = txlist_item_to_transfer(TX_ROW | {"to": "", "contractAddress": "0x" + "ab" * 20, "value": "0",
                                                "isError": "1"}, Chain.BSC)
    assert created.to_address is None and created.chain is Chain.BSC and created.asset.symbol == "BNB"
    assert created.flags == {TransferFlag.FAILED, TransferFlag.ZERO_VALUE} and not created.followable


def test_internal_row_index_is_the_same_by_address_and_by_txhash() -> None:
    """Regression: by-txhash rows carry no traceId; the index must not depend on it (Bybit replay found two ids)."""
    row = {"blockNumber": "1", "timeStamp": "1700000000", "hash": "0x" + "aa" * 32, "from": "0x" + "11" * 20,
           "to": "0x" + "22" * 20, "value": "5", "traceId": "0_1_1", "isError": "0"}
    t = internal_item_to_transfer(row, Chain.ETHEREUM)
    assert t.kind is TransferKind.INTERNAL and t.index == internal_index("0x" + "11" * 20, "0x" + "22" * 20, 5)
    assert 0 <= t.index < 2**31
    by_hash = internal_item_to_transfer({k: v for k, v in row.items() if k not in ("hash", "traceId")},
                                        Chain.ETHEREUM, "0x" + "AA" * 32)
    assert by_hash.id == t.id
    # the same (hash, traceId) twice is one transfer repeated by the server (issue 15): counted once
    assert len(internal_items_to_transfers([row, row], Chain.ETHEREUM)) == 1
    # by-txhash rows carry no traceId: identical twins stay distinct
    no_trace = {k: v for k, v in row.items() if k != "traceId"}
    twice = internal_items_to_transfers([no_trace, no_trace], Chain.ETHEREUM)
    assert len({x.id for x in twice}) == 2


def test_token_indexes_are_stable_and_distinct() -> None:
    # a repeated row is dropped (issue 15: repeats doubled stolen amounts); a list cannot tell it from twins
    assert len(tokentx_items_to_transfers([USDC_ROW, USDC_ROW], Chain.ETHEREUM)) == 1
    # rows that differ in anything but (contract, from, to, value) -- here the position in the block -- stay
    # distinct transfers and are numbered
    twin = USDC_ROW | {"transactionIndex": "87"}
    twice = tokentx_items_to_transfers([USDC_ROW, twin], Chain.ETHEREUM)
    assert len({t.id for t in twice}) == 2
    assert twice[0].index == token_index(USDC_ROW["contractAddress"], USDC_ROW["from"], USDC_ROW["to"], 10000)
    assert twice[1].index == twice[0].index + 1
    assert all(0 <= t.index < 2**31 for t in twice)
    # the sender's list may hold other rows of the tx first: the index does not depend on position
    other = USDC_ROW | {"to": "0x" + "33" * 20}
    assert tokentx_items_to_transfers([other, USDC_ROW], Chain.ETHEREUM)[1].id == twice[0].id


def test_receipt_log_matches_tokentx_row() -> None:
    pad = "0" * 24
    log = {"address": USDC_ROW["contractAddress"], "data": "0x" + f"{10000:064x}", "blockNumber": "0xe8f3a3",
           "transactionHash": USDC_ROW["hash"],
           "topics": ["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
                      "0x" + pad + USDC_ROW["from"][2:], "0x" + pad + USDC_ROW["to"][2:]]}
    t = log_to_token_transfer(log, Chain.ETHEREUM, datetime.now(tz=UTC))
    assert t is not None and t.id == tokentx_items_to_transfers([USDC_ROW], Chain.ETHEREUM)[0].id
    assert t.asset.symbol == "USDC" and t.asset.decimals == 6
    nft = log | {"topics": [*log["topics"], "0x" + "0" * 63 + "1"]}
    assert log_to_token_transfer(nft, Chain.ETHEREUM, datetime.now(tz=UTC)) is None


@pytest.mark.parametrize(("chain", "contract", "symbol", "fake"), [
    (Chain.ETHEREUM, "0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", False),
    (Chain.ETHEREUM, "0x1111111111111111111111111111111111111111", "USDT", True),
    (Chain.ETHEREUM, "0x1111111111111111111111111111111111111111", "usdt ", True),
    (Chain.ETHEREUM, "0x2a120e7f2f1d8ffd173ed17aa5089f11206b5177", "ЕТН...", True),  # real Bybit spoof
    (Chain.ETHEREUM, "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa", "mETH", False),
    (Chain.ETHEREUM, "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa", "whatever", False),
    (Chain.ETHEREUM, "0x6b175474e89094c44da98b954eedeac495271d0f", "DAI", False),
    (Chain.BSC, "0xdac17f958d2ee523a2206206994597c13d831ec7", "USDT", True),  # Ethereum contract on BSC
    (Chain.ETHEREUM, "0xd417144312dbf50465b1c641d016962017ef6240", "CQT", False),  # not a well-known symbol
])
def test_fake_token_rules(chain: Chain, contract: str, symbol: str, fake: bool) -> None:
    assert is_fake_token(chain, contract, symbol) is fake


def test_classify_in_band_answers() -> None:
    assert classify(answer({"status": "1", "message": "OK", "result": [1]}), "x") == [1]
    assert classify(answer({"status": "0", "message": "No transactions found", "result": []}), "x") == []
    assert classify(answer({"status": "0", "message": "No records found", "result": []}), "x") == []
    assert classify(answer({"jsonrpc": "2.0", "id": 1, "result": None}), "x") is None
    with pytest.raises(Retry):
        classify(answer({"status": "0", "message": "NOTOK",
                         "result": "Max calls per sec rate limit reached (5/sec)"}), "x")
    with pytest.raises(QuotaExhausted):
        classify(answer({"status": "0", "message": "NOTOK", "result": "Max daily rate limit reached"}), "x")
    for text in ("Invalid API Key", "Error! Invalid address format", "Error! Missing Or invalid Action name",
                 "Missing or unsupported chainid parameter (required for v2 api), please see chainlist for the "
                 "list of supported chainids",
                 "You are using a deprecated V1 endpoint, switch to Etherscan API V2."):
        with pytest.raises(ApiRejected, match="etherscan account/txlist 0xabc"):
            classify(answer({"status": "0", "message": "NOTOK", "result": text}), "account/txlist 0xabc")
    with pytest.raises(BadResponse, match="Result window"):
        classify(answer({"status": "0", "message": "Result window is too large, PageNo x Offset size must be "
                                                   "less than or equal to 10000", "result": None}), "x")
    with pytest.raises(ApiRejected, match="-32602"):
        classify(answer({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "invalid"}}), "x")
    with pytest.raises(BadResponse):
        classify(HttpAnswer(status=200, text="<html>", data=None), "x")
