"""TronGrid wire shapes (docs/public-apis.md §1.3, format_refs/trongrid), wire names kept."""

from __future__ import annotations

from typing import Any, TypedDict


class TronRet(TypedDict, total=False):
    """``ret[0]``: ``contractRet`` is ``SUCCESS`` or a failure code (``REVERT``, ``OUT_OF_ENERGY``…)."""

    contractRet: str
    fee: int


class TronContract(TypedDict, total=False):
    """``raw_data.contract[0]``: ``parameter.value`` holds hex ``41…`` addresses and amounts in sun."""

    type: str
    parameter: dict[str, Any]


class TronRawData(TypedDict, total=False):
    """``raw_data`` of a java-tron transaction; ``data`` is the hex memo."""

    contract: list[TronContract]
    timestamp: int
    data: str


class TronTransaction(TypedDict, total=False):
    """An item of ``/v1/accounts/{a}/transactions`` (java-tron form) or ``/wallet/gettransactionbyid``."""

    txID: str
    blockNumber: int
    block_timestamp: int
    raw_data: TronRawData
    ret: list[TronRet]


class TokenInfo(TypedDict, total=False):
    """``token_info`` of a TRC-20 item."""

    symbol: str
    address: str
    decimals: int
    name: str


# An item of ``/v1/accounts/{a}/transactions/trc20``: base58 ``from``/``to``, raw ``value`` string.
# Functional syntax because ``from`` is a Python keyword.
Trc20Item = TypedDict(
    "Trc20Item",
    {"transaction_id": str, "token_info": TokenInfo, "block_timestamp": int, "from": str, "to": str,
     "type": str, "value": str},
    total=False,
)


class TronEvent(TypedDict, total=False):
    """An item of ``/v1/transactions/{id}/events``."""

    block_number: int
    block_timestamp: int
    contract_address: str
    event_name: str
    event_index: int
    transaction_id: str
    result: dict[str, str]


class TronInfo(TypedDict, total=False):
    """``/wallet/gettransactioninfobyid``: where and when the tx was mined, and its fee (sun)."""

    id: str
    blockNumber: int
    blockTimeStamp: int
    fee: int
