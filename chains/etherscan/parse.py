"""Pure Etherscan -> domain conversions (no I/O). Every wire value is a string.

Transfer indexes (``Transfer.index`` must be unique within a tx and the same whichever address the tx
was fetched for):

* native top-level value: ``-1``;
* internal transfers: :func:`internal_index` -- a digest of (from, to, value) times 64 plus the occurrence number
  among identical internal transfers of that tx. Not the ``traceId``: by-txhash ``txlistinternal`` rows (used by
  ``transaction()``) carry none, so a traceId-based index gave one transfer two ids (Bybit replay test);
* token transfers: ``tokentx`` rows carry **no logIndex**, and their position within a tx differs between
  the sender's and the receiver's history (each list only holds the rows touching that address). So the
  index is :func:`token_index` -- a digest of (contract, from, to, value) times 64 plus the occurrence
  number among identical rows of that tx. It is stable across addresses; two identical transfers in one
  tx stay distinct. Caveat: it is not the on-chain logIndex, and the order of token transfers within a tx
  follows the digest, not the log order. Receipt logs use the same function so ids match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from chains.addresses import canonical_address
from chains.tokens import is_fake_token, verified_token
from tracer.model import Asset, Chain, Transfer, TransferFlag, TransferKind

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
NATIVE_INDEX = -1
_MAX_OCCURRENCE = 63

Row = Mapping[str, Any]


def _digest(text: str, bits: int) -> int:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) >> (160 - bits)


def internal_index(from_address: str | None, to_address: str | None, amount: int, occurrence: int = 0) -> int:
    """Stable index of an internal transfer, the same from every source (address lists, by-txhash, RPC traces)."""
    if not 0 <= occurrence <= _MAX_OCCURRENCE:
        raise ValueError(f"more than {_MAX_OCCURRENCE + 1} identical internal transfers in one tx")
    return _digest(f"internal|{from_address or ''}|{to_address or ''}|{amount}", 24) * 64 + occurrence


def token_index(contract: str, from_address: str | None, to_address: str | None, amount: int,
                occurrence: int = 0) -> int:
    """Stable index of a token transfer (see the module docstring); fits a signed 32-bit column."""
    if not 0 <= occurrence <= _MAX_OCCURRENCE:
        raise ValueError(f"more than {_MAX_OCCURRENCE + 1} identical token transfers in one tx")
    key = f"{contract}|{from_address or ''}|{to_address or ''}|{amount}"
    return _digest(key, 24) * 64 + occurrence


def to_int(value: str | int | None, default: int = 0) -> int:
    """A decimal or ``0x`` hex string as int (Etherscan account lists are decimal, proxy results hex)."""
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text, 16) if text[:2].lower() == "0x" else int(text)


def timestamp(value: str | int) -> datetime:
    """Unix seconds (decimal or hex string) -> UTC-aware datetime."""
    return datetime.fromtimestamp(to_int(value), tz=UTC)


def _addr(chain: Chain, raw: str | None) -> str | None:
    """Canonical address, None for the empty ``to`` of a contract creation."""
    if raw is None or raw == "":
        return None
    return canonical_address(chain, raw)


def _flags(amount: int, failed: bool, fake: bool = False) -> frozenset[TransferFlag]:
    flags: set[TransferFlag] = set()
    if amount == 0:
        flags.add(TransferFlag.ZERO_VALUE)
    if failed:
        flags.add(TransferFlag.FAILED)
    if fake:
        flags.add(TransferFlag.FAKE_TOKEN)
    return frozenset(flags)


def txlist_item_to_transfer(item: Row, chain: Chain) -> Transfer:
    """A ``txlist`` row -> the tx's top-level native transfer (index -1), carrying the fee gasUsed x gasPrice."""
    amount = to_int(item.get("value"))
    failed = item.get("isError") == "1" or item.get("txreceipt_status") == "0"
    return Transfer(chain=chain, tx_hash=str(item["hash"]).lower(), index=NATIVE_INDEX, kind=TransferKind.NATIVE,
                    asset=chain.native, from_address=_addr(chain, item.get("from")),
                    to_address=_addr(chain, item.get("to")), amount=amount,
                    block_number=to_int(item["blockNumber"]), timestamp=timestamp(item["timeStamp"]),
                    flags=_flags(amount, failed), fee=to_int(item.get("gasUsed")) * to_int(item.get("gasPrice")),
                    gas_price=to_int(item.get("gasPrice")) if item.get("gasPrice") not in (None, "") else None)


def internal_item_to_transfer(item: Row, chain: Chain, tx_hash: str | None = None, occurrence: int = 0) -> Transfer:
    """A ``txlistinternal`` row -> an internal native transfer. By-txhash rows omit ``hash``: pass it."""
    amount = to_int(item.get("value"))
    src, dst = _addr(chain, item.get("from")), _addr(chain, item.get("to"))
    return Transfer(chain=chain, tx_hash=str(item.get("hash") or tx_hash or "").lower(),
                    index=internal_index(src, dst, amount, occurrence), kind=TransferKind.INTERNAL,
                    asset=chain.native, from_address=src, to_address=dst, amount=amount,
                    block_number=to_int(item["blockNumber"]), timestamp=timestamp(item["timeStamp"]),
                    flags=_flags(amount, item.get("isError") == "1"))


def internal_items_to_transfers(items: Iterable[Row], chain: Chain, tx_hash: str | None = None) -> list[Transfer]:
    """Convert txlistinternal rows, numbering identical rows of one tx so they stay distinct."""
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for item in items:
        first = internal_item_to_transfer(item, chain, tx_hash)
        key = (first.tx_hash, first.index)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(first if occurrence == 0 else internal_item_to_transfer(item, chain, tx_hash, occurrence))
    return out


def token_asset(chain: Chain, contract: str, symbol: str | None, decimals: int | None) -> tuple[Asset, bool]:
    """The asset of a token contract and whether it is a fake look-alike (chains.tokens rules)."""
    known = verified_token(chain, contract)
    if known is not None:
        return Asset(chain=chain, symbol=known[0], contract=contract, decimals=known[1]), False
    sym = symbol if symbol is not None else ""
    fake = is_fake_token(chain, contract, sym)
    return Asset(chain=chain, symbol=sym or "UNKNOWN", contract=contract, decimals=decimals or 0), fake


def tokentx_item_to_transfer(item: Row, chain: Chain, occurrence: int = 0) -> Transfer:
    """A ``tokentx`` row -> a token transfer; ``occurrence`` counts identical rows earlier in the same tx."""
    contract = canonical_address(chain, str(item["contractAddress"]))
    amount = to_int(item.get("value"))
    src, dst = _addr(chain, item.get("from")), _addr(chain, item.get("to"))
    asset, fake = token_asset(chain, contract, item.get("tokenSymbol"), to_int(item.get("tokenDecimal")))
    tx_hash = str(item.get("hash") or item.get("transactionHash") or "").lower()
    return Transfer(chain=chain, tx_hash=tx_hash, index=token_index(contract, src, dst, amount, occurrence),
                    kind=TransferKind.TOKEN, asset=asset, from_address=src, to_address=dst, amount=amount,
                    block_number=to_int(item["blockNumber"]), timestamp=timestamp(item["timeStamp"]),
                    flags=_flags(amount, False, fake))


def tokentx_items_to_transfers(items: Iterable[Row], chain: Chain) -> list[Transfer]:
    """Convert tokentx rows, numbering identical rows of one tx so they stay distinct."""
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for item in items:
        first = tokentx_item_to_transfer(item, chain)
        key = (first.tx_hash, first.index)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(first if occurrence == 0 else tokentx_item_to_transfer(item, chain, occurrence))
    return out


def log_to_token_transfer(log: Row, chain: Chain, when: datetime, occurrence: int = 0,
                          symbol: str | None = None, decimals: int | None = None) -> Transfer | None:
    """An ERC-20 ``Transfer`` log (receipt or getLogs) -> token transfer; None for other events and ERC-721."""
    topics = [str(t).lower() for t in log.get("topics") or []]
    if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
        return None  # ERC-721 Transfer has 4 topics (tokenId indexed); not a fungible amount
    contract = canonical_address(chain, str(log["address"]))
    src = canonical_address(chain, "0x" + topics[1][-40:])
    dst = canonical_address(chain, "0x" + topics[2][-40:])
    data = str(log.get("data") or "0x")
    amount = int(data, 16) if len(data) > 2 else 0
    asset, fake = token_asset(chain, contract, symbol, decimals)
    return Transfer(chain=chain, tx_hash=str(log["transactionHash"]).lower(),
                    index=token_index(contract, src, dst, amount, occurrence), kind=TransferKind.TOKEN,
                    asset=asset, from_address=src, to_address=dst, amount=amount,
                    block_number=to_int(log["blockNumber"]), timestamp=when, flags=_flags(amount, False, fake))


def logs_to_token_transfers(logs: Iterable[Row], chain: Chain, when: datetime,
                            metadata: Mapping[str, tuple[str, int]] | None = None) -> list[Transfer]:
    """Every ERC-20 Transfer among ``logs`` with the same occurrence numbering as tokentx rows.

    ``metadata`` maps contract -> (symbol, decimals) learned elsewhere (tokentx) for unverified tokens.
    """
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for log in logs:
        meta = (metadata or {}).get(str(log.get("address", "")).lower())
        sym, dec = meta if meta is not None else (None, None)
        first = log_to_token_transfer(log, chain, when, 0, sym, dec)
        if first is None:
            continue
        key = (first.tx_hash, first.index)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(first if occurrence == 0 else log_to_token_transfer(log, chain, when, occurrence, sym, dec)
                   or first)
    return out


def parse_balances(rows: Iterable[Row], chain: Chain) -> dict[str, int]:
    """``balancemulti`` rows -> {canonical address: wei}."""
    return {canonical_address(chain, str(r["account"])): to_int(r.get("balance")) for r in rows}
