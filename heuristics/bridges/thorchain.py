"""THORChain: router deposits, memos and Midgard actions -> cross-chain hops (docs/methodology.md §4.1).

* Inbound on EVM chains: router ``depositWithExpiry(vault, asset, amount, memo, expiration)`` or
  ``deposit(vault, asset, amount, memo)`` calldata (shapeshift/web ``thor.ts`` ABI; lifinance/contracts
  ``IThorSwap.sol``); on Bitcoin an OP_RETURN memo to a vault.
* Resolution: a Midgard action whose ``in`` leg is the inbound tx gives the outbound legs (E2
  "bridges.thorchain.midgard", confidence 1.0 once the action succeeded). Streaming swaps and split outbounds
  give several legs; affiliate-fee legs (RUNE to a THORName) are dropped; refunds become legs back to the
  source chain marked ``refund``. Without an action, the memo alone names the destination (E2
  "bridges.thorchain.memo", lower confidence: the swap may still have been refunded, the out tx is unknown).
* Amounts: THORChain reports every asset in 1e8 fixed point; base units = e8 × 10^(decimals − 8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector

from heuristics.base import Finding, make_evidence
from heuristics.bridges.thorchain_memo import (
    ThorAsset,
    ThorMemo,
    decode_op_return_memo,
    parse_asset,
    parse_memo,
)
from tracer.model import ActionLeg, BridgeAction, Chain, ChainTx, EvidenceClass

MIDGARD_CONFIDENCE = 1.0
PENDING_CONFIDENCE = 0.9  # action indexed but outbound not yet signed: the destination is fixed, the tx is not
MEMO_ONLY_CONFIDENCE = 0.7  # the memo states intent; THORChain may still refund
THOR_DECIMALS = 8
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

KNOWN_TOKEN_DECIMALS: Mapping[str, int] = MappingProxyType(
    {
        "ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7": 6,
        "ETH.USDC-0XA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48": 6,
        "ETH.WBTC-0X2260FAC5E5542A773AA44FBCFEDF7C193BC2C599": 8,
    }
)
"""Decimals of common THORChain pool tokens; anything else needs ``token_decimals``."""

_DEPOSIT_WITH_EXPIRY = "depositWithExpiry(address,address,uint256,string,uint256)"
_DEPOSIT = "deposit(address,address,uint256,string)"
_SELECTORS: Mapping[bytes, tuple[str, list[str]]] = MappingProxyType(
    {
        function_signature_to_4byte_selector(_DEPOSIT_WITH_EXPIRY): (
            "depositWithExpiry", ["address", "address", "uint256", "string", "uint256"]),
        function_signature_to_4byte_selector(_DEPOSIT): ("deposit", ["address", "address", "uint256", "string"]),
    }
)


@dataclass(frozen=True, slots=True)
class RouterDeposit:
    """Decoded THORChain router call: ``asset`` is the token contract, or the zero address for the native coin."""

    function: str
    vault: str
    asset: str
    amount: int
    memo: str
    expiration: int | None = None

    @property
    def is_native(self) -> bool:
        """True when the deposit is the chain's native coin (sent as the tx value)."""
        return self.asset == ZERO_ADDRESS


def decode_router_deposit(input_data: str | None) -> RouterDeposit | None:
    """Decode router ``depositWithExpiry``/``deposit`` calldata (0x-hex); None for other calls or bad data."""
    if not input_data:
        return None
    try:
        raw = bytes.fromhex(input_data.removeprefix("0x"))
    except ValueError:
        return None
    known = _SELECTORS.get(raw[:4])
    if known is None:
        return None
    function, types = known
    try:
        values = abi_decode(types, raw[4:])
    except (DecodingError, ValueError, OverflowError):
        return None
    memo = values[3].rstrip("\x00") if isinstance(values[3], str) else ""
    return RouterDeposit(function=function, vault=str(values[0]).lower(), asset=str(values[1]).lower(),
                         amount=int(values[2]), memo=memo,
                         expiration=int(values[4]) if len(values) > 4 else None)


def inbound_memo(tx: ChainTx) -> str | None:
    """The THORChain memo an inbound tx carries: decoded memo, router calldata, or an OP_RETURN output."""
    deposit = decode_router_deposit(tx.input_data)
    if deposit is not None and deposit.memo:
        return deposit.memo
    if tx.memo:
        return tx.memo
    for output in tx.outputs:
        if output.op_return:
            text = decode_op_return_memo(output.op_return)
            if text:
                return text
    return None


def e8_to_base_units(amount_e8: int, decimals: int) -> int:
    """THORChain 1e8 fixed point -> base units of an asset with ``decimals`` (BTC: same; ETH: × 1e10)."""
    scale: int = 10 ** abs(decimals - THOR_DECIMALS)
    return amount_e8 * scale if decimals >= THOR_DECIMALS else amount_e8 // scale


def asset_decimals(asset: ThorAsset, token_decimals: Mapping[str, int] | None = None) -> int | None:
    """Decimals of a layer-1 THORChain asset on its chain, if known."""
    chain = asset.chain
    if chain is None:
        return None
    if asset.is_gas_asset:
        return chain.native.decimals
    for table in (token_decimals or {}, KNOWN_TOKEN_DECIMALS):
        if asset.notation in table:
            return table[asset.notation]
    return None


@dataclass(frozen=True, slots=True)
class BridgeHop(Finding):
    """One outbound leg of a cross-chain protocol action (or the memo-declared destination)."""

    protocol: str
    from_chain: Chain
    from_tx: str
    to_chain: Chain | None  # None when the leg stays on a chain we do not model (e.g. THOR.RUNE)
    to_tx: str | None  # None while pending or when only the memo is known
    to_address: str | None
    to_asset: str  # protocol notation, e.g. "BTC.BTC"
    amount_e8: int | None
    amount: int | None  # base units of the destination asset, when its decimals are known
    amount_in_e8: int | None = None  # the inbound amount this leg was paid from (for the taint fraction)
    refund: bool = False


def _norm_hash(tx_hash: str | None) -> str:
    return (tx_hash or "").lower().removeprefix("0x")


def _same_address(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def _leg_role(leg: ActionLeg, action: BridgeAction, memo: ThorMemo | None, inbound: ChainTx) -> str | None:
    """'dest', 'refund' or None (affiliate / fee legs)."""
    back_to_sender = leg.chain == inbound.chain and (
        _same_address(leg.address, inbound.from_address)
        or (memo is not None and _same_address(leg.address, memo.refund_address)))
    if action.action_type == "refund":
        return "refund"
    if memo is not None and memo.kind == "swap" and memo.destination:
        if _same_address(leg.address, memo.destination):
            return "dest"
        return "refund" if back_to_sender else None
    if back_to_sender:
        return "refund"
    return "dest" if leg.chain is not None else None


def _hop_from_leg(
    leg: ActionLeg, role: str, action: BridgeAction, inbound: ChainTx, amount_in_e8: int | None,
    memo: ThorMemo | None, token_decimals: Mapping[str, int] | None,
) -> BridgeHop:
    asset = parse_asset(leg.asset)
    decimals = asset_decimals(asset, token_decimals) if asset is not None else None
    amount = e8_to_base_units(leg.amount_e8, decimals) if decimals is not None else None
    success = action.status == "success"
    evidence = make_evidence(
        EvidenceClass.E2, "bridges.thorchain.midgard", MIDGARD_CONFIDENCE if success else PENDING_CONFIDENCE,
        in_tx=inbound.tx_hash, out_tx=leg.tx_hash, action=action.action_type, status=action.status,
        height=action.height, memo=action.memo or (memo.raw if memo else None),
        streaming=memo.is_streaming if memo is not None and memo.kind == "swap" else None,
        refund=role == "refund",
    )
    return BridgeHop(
        evidence=evidence, protocol="thorchain", from_chain=inbound.chain, from_tx=inbound.tx_hash,
        to_chain=leg.chain, to_tx=leg.tx_hash, to_address=leg.address, to_asset=asset.notation if asset else leg.asset,
        amount_e8=leg.amount_e8, amount=amount, amount_in_e8=amount_in_e8, refund=role == "refund",
    )


def resolve_thorchain(
    inbound: ChainTx, actions: Sequence[BridgeAction], *, token_decimals: Mapping[str, int] | None = None
) -> list[BridgeHop]:
    """Outbound legs of the THORChain action(s) whose ``in`` leg is ``inbound``; memo-only fallback.

    Returns [] when no action matches and the inbound carries no swap memo with a destination.
    """
    wanted = _norm_hash(inbound.tx_hash)
    hops: list[BridgeHop] = []
    inbound_text = inbound_memo(inbound)
    for action in actions:
        if action.protocol != "thorchain":
            continue
        in_legs = [leg for leg in action.inputs if _norm_hash(leg.tx_hash) == wanted]
        if not in_legs:
            continue
        memo = parse_memo(action.memo) or parse_memo(inbound_text)
        amount_in_e8 = sum(leg.amount_e8 for leg in in_legs)
        for leg in action.outputs:
            role = _leg_role(leg, action, memo, inbound)
            if role is not None:
                hops.append(_hop_from_leg(leg, role, action, inbound, amount_in_e8, memo, token_decimals))
    if hops:
        return hops
    return _memo_only(inbound, inbound_text)


def _memo_only(inbound: ChainTx, text: str | None) -> list[BridgeHop]:
    memo = parse_memo(text)
    if memo is None or memo.kind != "swap" or memo.asset is None or not memo.destination:
        return []
    evidence = make_evidence(
        EvidenceClass.E2, "bridges.thorchain.memo", MEMO_ONLY_CONFIDENCE, in_tx=inbound.tx_hash, memo=memo.raw,
        limit=memo.limit, streaming=memo.is_streaming, affiliates="/".join(memo.affiliates) or None,
    )
    return [BridgeHop(
        evidence=evidence, protocol="thorchain", from_chain=inbound.chain, from_tx=inbound.tx_hash,
        to_chain=memo.asset.chain, to_tx=None, to_address=memo.destination, to_asset=memo.asset.notation,
        amount_e8=None, amount=None,
    )]
