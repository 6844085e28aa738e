"""Midgard v2 wire shapes (format_refs/midgard/midgard_v2_openapi.yaml: Action, Transaction, Coin)."""

from __future__ import annotations

from typing import TypedDict


class MidgardCoin(TypedDict):
    """``{"asset": "ETH.ETH", "amount": "<int e8>"}``."""

    asset: str
    amount: str


class MidgardTx(TypedDict, total=False):
    """An ``in``/``out`` entry: ``txID`` is upper-case hex without 0x (empty or zeros for native legs)."""

    txID: str
    address: str
    coins: list[MidgardCoin]
    memo: str
    height: str


# One action; ``date`` is nanoseconds since the epoch, ``height`` the THORChain block (both strings).
# Functional syntax because ``in`` is a Python keyword.
MidgardAction = TypedDict(
    "MidgardAction",
    {"type": str, "status": str, "date": str, "height": str, "pools": list[str],
     "in": list[MidgardTx], "out": list[MidgardTx], "metadata": dict[str, dict[str, object]]},
    total=False,
)


class MidgardMeta(TypedDict, total=False):
    """Paging cursor: absent or empty ``nextPageToken`` ends the listing."""

    nextPageToken: str
    prevPageToken: str


class MidgardActionsResponse(TypedDict, total=False):
    """``GET /v2/actions``."""

    actions: list[MidgardAction]
    count: str
    meta: MidgardMeta
