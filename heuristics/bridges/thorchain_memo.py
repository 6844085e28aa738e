"""THORChain memo grammar, asset notation and Bitcoin OP_RETURN decoding (docs/methodology.md §4.1).

Memo forms handled (case-insensitive action, tolerant of empty fields):

* swap: ``SWAP:ASSET:DEST[/REFUND]:LIM[/INTERVAL/QUANTITY][:AFFILIATE:FEE_BPS]`` with the aliases ``=`` and
  ``s`` (thornode issues 653, 1094, 1445; refund address MR 3151; streaming limit field [R]). Gas assets
  may be written by chain (``BTC`` -> ``BTC.BTC``, thornode issue 917) or by short code (``b``, ``e``, …,
  thornode ``common/asset.go`` ``ShortCode``). Limits may use scientific notation (``1e6``).
* outbound ``OUT:<inbound hash>`` and refund ``REFUND:<inbound hash>`` (thornode issue 2232).

Pure string handling; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from tracer.model import Chain

SHORT_CODES: Mapping[str, str] = MappingProxyType(
    {
        "r": "THOR.RUNE",
        "b": "BTC.BTC",
        "e": "ETH.ETH",
        "n": "BNB.BNB",
        "g": "GAIA.ATOM",
        "d": "DOGE.DOGE",
        "l": "LTC.LTC",
        "c": "BCH.BCH",
        "a": "AVAX.AVAX",
        "s": "BSC.BNB",
        "f": "BASE.ETH",
        "tr": "TRON.TRX",
        "x": "XRP.XRP",
        "o": "SOL.SOL",
    }
)
"""THORNode asset short codes (``common/asset.go`` ``ShortCode``)."""

GAS_ASSETS: Mapping[str, str] = MappingProxyType(
    {
        "BTC": "BTC.BTC", "ETH": "ETH.ETH", "BSC": "BSC.BNB", "AVAX": "AVAX.AVAX", "BASE": "BASE.ETH",
        "TRON": "TRON.TRX", "LTC": "LTC.LTC", "BCH": "BCH.BCH", "DOGE": "DOGE.DOGE", "GAIA": "GAIA.ATOM",
        "THOR": "THOR.RUNE", "BNB": "BNB.BNB", "XRP": "XRP.XRP", "SOL": "SOL.SOL",
    }
)
"""Chain name -> its gas asset, for memos that name only the chain (thornode issue 917)."""

THOR_CHAINS: Mapping[str, Chain] = MappingProxyType(
    {
        "BTC": Chain.BITCOIN, "ETH": Chain.ETHEREUM, "BSC": Chain.BSC, "AVAX": Chain.AVALANCHE,
        "BASE": Chain.BASE, "TRON": Chain.TRON,
    }
)
"""THORChain chain prefixes of the chains this engine models."""

SWAP_ACTIONS = frozenset({"swap", "=", "s"})
_HASH_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_LIMIT_RE = re.compile(r"^(\d+)(?:e(\d+))?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ThorAsset:
    """A THORChain asset in ``CHAIN.SYMBOL[-CONTRACT]`` notation, split into parts."""

    notation: str  # normalised upper-case, e.g. "ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7"
    thor_chain: str  # "ETH"
    symbol: str  # "USDT"
    contract: str | None  # lower-case 0x… for EVM tokens
    separator: str = "."  # "." layer-1, "/" synth, "~" trade asset, "-" secured asset

    @property
    def chain(self) -> Chain | None:
        """The modelled chain of a layer-1 asset (None for synths, RUNE and unmodelled chains)."""
        return THOR_CHAINS.get(self.thor_chain) if self.separator == "." else None

    @property
    def is_gas_asset(self) -> bool:
        """True for a chain's native coin (BTC.BTC, ETH.ETH, …)."""
        return self.contract is None and GAS_ASSETS.get(self.thor_chain) == self.notation


def parse_asset(text: str) -> ThorAsset | None:
    """Parse THORChain asset notation, expanding short codes and chain-only gas assets; None if malformed."""
    raw = text.strip()
    if not raw:
        return None
    expanded = SHORT_CODES.get(raw.lower()) or GAS_ASSETS.get(raw.upper()) or raw
    match = re.match(r"^([A-Za-z0-9]+)([./~-])(.+)$", expanded)
    if match is None:
        return None
    thor_chain, separator, rest = match.group(1).upper(), match.group(2), match.group(3)
    symbol, _, contract = rest.partition("-")
    if not symbol:
        return None
    contract_norm = contract.lower() if contract else None
    notation = f"{thor_chain}{separator}{rest.upper()}"
    return ThorAsset(notation=notation, thor_chain=thor_chain, symbol=symbol.upper(), contract=contract_norm,
                     separator=separator)


@dataclass(frozen=True, slots=True)
class ThorMemo:
    """A parsed THORChain memo: a swap intent, or an outbound/refund pointing at its inbound hash."""

    kind: str  # "swap" | "out" | "refund"
    raw: str
    asset: ThorAsset | None = None
    destination: str | None = None
    refund_address: str | None = None
    limit: int | None = None
    interval: int | None = None
    quantity: int | None = None
    affiliates: tuple[str, ...] = ()
    affiliate_bps: tuple[int, ...] = ()
    in_hash: str | None = None  # OUT/REFUND: the inbound tx hash, lower-case without 0x

    @property
    def is_streaming(self) -> bool:
        """True when the limit field asks for a streaming swap (interval given)."""
        return self.interval is not None and self.interval > 0


def _parse_int(text: str) -> int | None:
    match = _LIMIT_RE.match(text.strip())
    if match is None:
        return None
    mantissa, exponent = str(match.group(1)), str(match.group(2) or "0")
    scale: int = 10 ** int(exponent)
    return int(mantissa) * scale


def _parse_swap(raw: str, fields: list[str]) -> ThorMemo | None:
    if len(fields) < 3:
        return None
    asset = parse_asset(fields[1])
    if asset is None:
        return None
    destination, _, refund = fields[2].partition("/")
    limit = interval = quantity = None
    if len(fields) > 3 and fields[3].strip():
        parts = fields[3].split("/")
        limit = _parse_int(parts[0]) if parts[0] else None
        interval = _parse_int(parts[1]) if len(parts) > 1 and parts[1] else None
        quantity = _parse_int(parts[2]) if len(parts) > 2 and parts[2] else None
    affiliates: tuple[str, ...] = ()
    bps: tuple[int, ...] = ()
    if len(fields) > 4 and fields[4].strip():
        affiliates = tuple(a for a in fields[4].split("/") if a)
        if len(fields) > 5 and fields[5].strip():
            bps = tuple(v for v in (_parse_int(b) for b in fields[5].split("/")) if v is not None)
    return ThorMemo(
        kind="swap", raw=raw, asset=asset, destination=destination.strip() or None,
        refund_address=refund.strip() or None, limit=limit, interval=interval, quantity=quantity,
        affiliates=affiliates, affiliate_bps=bps,
    )


def parse_memo(memo: str | None) -> ThorMemo | None:
    """Parse a swap, ``OUT:`` or ``REFUND:`` memo; None for other actions or malformed text."""
    if not memo:
        return None
    raw = memo.strip().rstrip("\x00")
    fields = raw.split(":")
    action = fields[0].strip().lower()
    if action in SWAP_ACTIONS:
        return _parse_swap(raw, fields)
    if action in {"out", "refund"} and len(fields) >= 2 and _HASH_RE.match(fields[1].strip()):
        in_hash = fields[1].strip().lower().removeprefix("0x")
        return ThorMemo(kind=action, raw=raw, in_hash=in_hash)
    return None


_OP_RETURN = 0x6A
_PUSHDATA1, _PUSHDATA2 = 0x4C, 0x4D


def _script_pushes(script: bytes) -> bytes | None:
    """Concatenate the data pushes after OP_RETURN; None on a malformed script."""
    data = bytearray()
    pos = 1
    while pos < len(script):
        op = script[pos]
        pos += 1
        if 0x01 <= op <= 0x4B:
            size = op
        elif op == _PUSHDATA1 and pos < len(script):
            size, pos = script[pos], pos + 1
        elif op == _PUSHDATA2 and pos + 1 < len(script):
            size, pos = int.from_bytes(script[pos:pos + 2], "little"), pos + 2
        else:
            return None
        if pos + size > len(script):
            return None
        data += script[pos:pos + size]
        pos += size
    return bytes(data)


def decode_op_return_memo(data: bytes) -> str | None:
    """Decode a Bitcoin OP_RETURN memo to text.

    Accepts the whole scriptPubKey (``6a`` + pushes, e.g. ``6a0b4144443a4254432e425443`` -> ``ADD:BTC.BTC``,
    thornode issue 1102) or the bare pushed payload. Returns None when empty or not printable UTF-8.
    """
    payload: bytes | None = data
    if data[:1] == bytes([_OP_RETURN]):
        payload = _script_pushes(data)
    if not payload:
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None
