"""Raw Etherscan V2 result rows, keeping wire names (every value is a string; see docs/public-apis.md §1.1)."""

from __future__ import annotations

from typing import TypedDict

TxlistItem = TypedDict(
    "TxlistItem",
    {
        "from": str,
        "blockNumber": str,
        "timeStamp": str,
        "hash": str,
        "nonce": str,
        "blockHash": str,
        "transactionIndex": str,
        "to": str,
        "value": str,
        "gas": str,
        "gasPrice": str,
        "isError": str,
        "txreceipt_status": str,
        "input": str,
        "contractAddress": str,
        "cumulativeGasUsed": str,
        "gasUsed": str,
        "confirmations": str,
        "methodId": str,
        "functionName": str,
    },
    total=False,
)
"""``module=account&action=txlist`` row (decimal strings)."""


InternalItem = TypedDict(
    "InternalItem",
    {
        "from": str,
        "blockNumber": str,
        "timeStamp": str,
        "hash": str,
        "to": str,
        "value": str,
        "contractAddress": str,
        "input": str,
        "type": str,
        "gas": str,
        "gasUsed": str,
        "traceId": str,
        "isError": str,
        "errCode": str,
    },
    total=False,
)
"""``action=txlistinternal`` row. The unique key is (hash, traceId); there is no logIndex."""


TokentxItem = TypedDict(
    "TokentxItem",
    {
        "from": str,
        "blockNumber": str,
        "timeStamp": str,
        "hash": str,
        "nonce": str,
        "blockHash": str,
        "contractAddress": str,
        "to": str,
        "value": str,
        "tokenName": str,
        "tokenSymbol": str,
        "tokenDecimal": str,
        "transactionIndex": str,
        "gas": str,
        "gasPrice": str,
        "gasUsed": str,
        "cumulativeGasUsed": str,
        "input": str,
        "confirmations": str,
    },
    total=False,
)
"""``action=tokentx`` row (ERC-20). No logIndex: see chains.etherscan.parse.token_index."""


class LogItem(TypedDict, total=False):
    """``module=logs&action=getLogs`` row and receipt log (hex strings)."""

    address: str
    topics: list[str]
    data: str
    blockNumber: str
    blockHash: str
    timeStamp: str
    logIndex: str
    transactionHash: str
    transactionIndex: str


class BalanceItem(TypedDict):
    """``action=balancemulti`` row."""

    account: str
    balance: str


RpcTx = TypedDict(
    "RpcTx",
    {
        "from": str,
        "hash": str,
        "blockNumber": str | None,
        "to": str | None,
        "value": str,
        "input": str,
        "gas": str,
        "gasPrice": str,
        "nonce": str,
    },
    total=False,
)
"""``proxy eth_getTransactionByHash`` result (hex quantities)."""


class RpcReceipt(TypedDict, total=False):
    """``proxy eth_getTransactionReceipt`` result (hex quantities)."""

    transactionHash: str
    blockNumber: str
    status: str
    gasUsed: str
    effectiveGasPrice: str
    contractAddress: str | None
    logs: list[LogItem]
