"""Pure Midgard action -> :class:`tracer.model.BridgeAction` conversion.

Validation (issue 15): ``height`` a block in range, ``date`` nanoseconds within 2009 .. 2100, coin amounts uint256
(1e8 fixed point), ``in``/``out`` lists of objects; anything else raises :class:`~tracer.errors.InvalidAnswer`.
:func:`validate_actions` runs inside the HTTP funnel (MidgardClient) so a bad answer is asked once more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from chains import wire
from chains.addresses import canonical_address
from chains.midgard.types import MidgardAction, MidgardTx
from tracer.errors import InvalidAddress, InvalidAnswer
from tracer.model import ActionLeg, BridgeAction, Chain

ASSET_CHAINS: Mapping[str, Chain | None] = MappingProxyType({
    "ETH": Chain.ETHEREUM,
    "BTC": Chain.BITCOIN,
    "BSC": Chain.BSC,
    "AVAX": Chain.AVALANCHE,
    "BASE": Chain.BASE,
    "TRON": Chain.TRON,
    "THOR": None,
})
"""THORChain asset prefix -> our chain; prefixes not listed (LTC, DOGE, GAIA, …) map to None."""


def asset_chain(asset: str) -> Chain | None:
    """The chain of a THORChain asset ``CHAIN.SYMBOL``; None for RUNE, synths (``BTC/BTC``), trade assets."""
    if "." not in asset or "/" in asset or "~" in asset:
        return None
    return ASSET_CHAINS.get(asset.split(".", 1)[0].upper())


def canonical_txid(chain: Chain | None, txid: object) -> str | None:
    """Per-chain canonical tx id: EVM ``0x``+lower, Bitcoin/TRON lower hex; None for empty or all-zero ids."""
    if txid is None or txid == "":
        return None
    txid = wire.text(txid, "txID", "midgard")
    bare = txid[2:] if txid[:2].lower() == "0x" else txid
    if not bare.strip("0"):
        return None  # native THORChain outbounds carry a zero id
    if chain is None:
        return bare.upper()
    return "0x" + bare.lower() if chain.is_evm else bare.lower()


def _address(chain: Chain | None, raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    raw = wire.text(raw, "address", "midgard")
    if chain is None:
        return raw
    try:
        return canonical_address(chain, raw)
    except InvalidAddress:
        return raw  # keep what the indexer says rather than drop the leg


def legs(entries: list[MidgardTx]) -> tuple[ActionLeg, ...]:
    """One leg per coin of every ``in``/``out`` entry; amounts stay 1e8 fixed-point ints."""
    out = []
    for entry in wire.rows(entries, "midgard in/out"):
        for coin in wire.rows(entry.get("coins") or [], "midgard coins"):
            asset = wire.text(wire.required(coin, "asset", "midgard coin"), "asset", "midgard")
            chain = asset_chain(asset)
            amount = wire.uint(wire.required(coin, "amount", "midgard coin"), "amount", "midgard", hex_ok=False)
            out.append(ActionLeg(chain=chain, tx_hash=canonical_txid(chain, entry.get("txID")),
                                 address=_address(chain, entry.get("address")), asset=asset,
                                 amount_e8=amount))
    return tuple(out)


def _memo(action: MidgardAction) -> str | None:
    metadata = action.get("metadata") or {}
    for meta in (metadata.values() if isinstance(metadata, dict) else ()):
        memo = meta.get("memo") if isinstance(meta, dict) else None
        if isinstance(memo, str) and memo:
            return memo
    return next((e["memo"] for e in wire.rows(action.get("in") or [], "midgard in")
                 if isinstance(e.get("memo"), str) and e.get("memo")), None)


def action_to_bridge_action(action: MidgardAction) -> BridgeAction:
    """A Midgard action as a THORChain :class:`BridgeAction`.

    May raise: InvalidAnswer (missing or out-of-range ``height``/``date``, bad legs).
    """
    if not isinstance(action, dict):
        raise InvalidAnswer(f"midgard: an action is a {type(action).__name__}, not an object")
    height = wire.block(wire.required(action, "height", "midgard action"), "height", "midgard")
    nanos = wire.uint(wire.required(action, "date", "midgard action"), "date", "midgard",
                      maximum=wire.MAX_UNIX * 10**9, hex_ok=False)
    if nanos < wire.MIN_UNIX * 10**9:
        raise InvalidAnswer(f"midgard: field 'date' is before 2009: {nanos}")
    kind, status = action.get("type", ""), action.get("status", "")
    return BridgeAction(
        protocol="thorchain", action_type=wire.text(kind, "type", "midgard", allow_empty=True),
        status=wire.text(status, "status", "midgard", allow_empty=True), height=height,
        timestamp=datetime.fromtimestamp(nanos // 1_000_000_000, tz=UTC), inputs=legs(action.get("in") or []),
        outputs=legs(action.get("out") or []), memo=_memo(action),
    )


def validate_actions(data: Any) -> None:
    """A ``/v2/actions`` page: an ``actions`` list of valid actions. May raise: InvalidAnswer."""
    actions = data.get("actions") if isinstance(data, dict) else None
    for action in wire.rows(actions, "midgard actions"):
        action_to_bridge_action(action)  # type: ignore[arg-type]
    meta = data.get("meta") or {}
    if not isinstance(meta, dict) or not isinstance(meta.get("nextPageToken") or "", str):
        raise InvalidAnswer("midgard: field 'meta.nextPageToken' must be a string")
