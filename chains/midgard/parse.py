"""Pure Midgard action -> :class:`tracer.model.BridgeAction` conversion."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType

from chains.addresses import canonical_address
from chains.midgard.types import MidgardAction, MidgardTx
from tracer.errors import BadResponse, InvalidAddress
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


def canonical_txid(chain: Chain | None, txid: str | None) -> str | None:
    """Per-chain canonical tx id: EVM ``0x``+lower, Bitcoin/TRON lower hex; None for empty or all-zero ids."""
    if not txid:
        return None
    bare = txid[2:] if txid[:2].lower() == "0x" else txid
    if not bare.strip("0"):
        return None  # native THORChain outbounds carry a zero id
    if chain is None:
        return bare.upper()
    return "0x" + bare.lower() if chain.is_evm else bare.lower()


def _address(chain: Chain | None, raw: str | None) -> str | None:
    if not raw:
        return None
    if chain is None:
        return raw
    try:
        return canonical_address(chain, raw)
    except InvalidAddress:
        return raw  # keep what the indexer says rather than drop the leg


def legs(entries: list[MidgardTx]) -> tuple[ActionLeg, ...]:
    """One leg per coin of every ``in``/``out`` entry; amounts stay 1e8 fixed-point ints."""
    out = []
    for entry in entries:
        for coin in entry.get("coins", []):
            chain = asset_chain(coin["asset"])
            try:
                amount = int(coin["amount"])
            except (KeyError, ValueError) as exc:
                raise BadResponse(f"midgard: bad coin amount {coin!r}") from exc
            out.append(ActionLeg(chain=chain, tx_hash=canonical_txid(chain, entry.get("txID")),
                                 address=_address(chain, entry.get("address")), asset=coin["asset"],
                                 amount_e8=amount))
    return tuple(out)


def _memo(action: MidgardAction) -> str | None:
    for meta in (action.get("metadata") or {}).values():
        memo = meta.get("memo") if isinstance(meta, dict) else None
        if isinstance(memo, str) and memo:
            return memo
    return next((e["memo"] for e in action.get("in", []) if e.get("memo")), None)


def action_to_bridge_action(action: MidgardAction) -> BridgeAction:
    """A Midgard action as a THORChain :class:`BridgeAction`.

    May raise: BadResponse when ``date``/``height`` are missing or not integers.
    """
    try:
        height = int(action["height"])
        when = datetime.fromtimestamp(int(action["date"]) // 1_000_000_000, tz=UTC)
    except (KeyError, ValueError) as exc:
        raise BadResponse(f"midgard: action without integer height/date: {exc}") from exc
    return BridgeAction(
        protocol="thorchain", action_type=action.get("type", ""), status=action.get("status", ""),
        height=height, timestamp=when, inputs=legs(action.get("in", [])), outputs=legs(action.get("out", [])),
        memo=_memo(action),
    )
