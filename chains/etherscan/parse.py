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

Validation (issue 15): every field goes through :mod:`chains.wire` -- amounts uint256, blocks and timestamps in
range, ``hash``/``blockNumber``/``timeStamp``/``from``/``value`` required -- so any JSON gives transfers or
:class:`~tracer.errors.InvalidAnswer`. Duplicate rows are dropped by their natural identity before numbering:
internal rows by (hash, traceId); token rows by (hash, logIndex) when present, else by the whole row. A list
cannot tell a repeated row from two identical transfers in one tx, and doubling a stolen amount is the worse
error; receipts (``transaction()``) carry log indexes and keep such twins apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from chains import wire
from chains.addresses import canonical_address
from chains.tokens import is_fake_token, verified_token
from tracer.errors import InvalidAddress, InvalidAnswer
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
    """A decimal or ``0x`` hex string as a uint256 (Etherscan account lists are decimal, proxy results hex).

    May raise: InvalidAnswer (not a number, negative, or past 2**256-1).
    """
    if value is None or value == "":
        return default
    return wire.uint(value, "value")


def timestamp(value: str | int) -> datetime:
    """Unix seconds (decimal or hex string) -> UTC-aware datetime. May raise: InvalidAnswer."""
    return wire.utc(wire.unix_seconds(value))


def address_field(chain: Chain, raw: object, name: str = "address") -> str | None:
    """Canonical address, None for the empty ``to`` of a contract creation. May raise: InvalidAnswer."""
    if raw is None or raw == "":
        return None
    try:
        return canonical_address(chain, wire.text(raw, name))
    except InvalidAddress as exc:
        raise InvalidAnswer(f"etherscan: field {name!r} is not an address: {str(raw)[:60]!r}") from exc


def hash_field(row: Row, *names: str, fallback: str | None = None) -> str:
    """The tx hash of a row (first present of ``names``), 0x + 64 hex, lower-cased."""
    raw = next((row.get(n) for n in names if row.get(n) not in (None, "")), fallback)
    if raw is None:
        raise InvalidAnswer(f"etherscan: field {names[0]!r} is missing")
    value = wire.text(raw, names[0]).lower()
    if len(value) != 66 or value[:2] != "0x" or any(c not in "0123456789abcdef" for c in value[2:]):
        raise InvalidAnswer(f"etherscan: field {names[0]!r} is not a tx hash: {value[:70]!r}")
    return value


def _block(row: Row, name: str = "blockNumber") -> int:
    return wire.block(wire.required(row, name, "etherscan"), name, "etherscan")


def _time(row: Row) -> datetime:
    return wire.utc(wire.unix_seconds(wire.required(row, "timeStamp", "etherscan"), "timeStamp", "etherscan"))


def _amount(row: Row, name: str = "value") -> int:
    return wire.uint(wire.required(row, name, "etherscan"), name, "etherscan")


def sender_field(chain: Chain, row: Row) -> str:
    src = address_field(chain, wire.required(row, "from", "etherscan"), "from")
    if src is None:
        raise InvalidAnswer("etherscan: field 'from' is empty")
    return src


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
    """A ``txlist`` row -> the tx's top-level native transfer (index -1), carrying the fee gasUsed x gasPrice.

    May raise: InvalidAnswer.
    """
    amount = _amount(item)
    failed = item.get("isError") == "1" or item.get("txreceipt_status") == "0"
    gas_price = to_int(item.get("gasPrice"))
    return Transfer(chain=chain, tx_hash=hash_field(item, "hash"), index=NATIVE_INDEX, kind=TransferKind.NATIVE,
                    asset=chain.native, from_address=sender_field(chain, item),
                    to_address=address_field(chain, item.get("to"), "to"), amount=amount,
                    block_number=_block(item), timestamp=_time(item),
                    flags=_flags(amount, failed), fee=to_int(item.get("gasUsed")) * gas_price,
                    gas_price=gas_price if item.get("gasPrice") not in (None, "") else None)


def internal_item_to_transfer(item: Row, chain: Chain, tx_hash: str | None = None, occurrence: int = 0) -> Transfer:
    """A ``txlistinternal`` row -> an internal native transfer. By-txhash rows omit ``hash``: pass it.

    May raise: InvalidAnswer.
    """
    amount = _amount(item)
    src, dst = sender_field(chain, item), address_field(chain, item.get("to"), "to")
    return Transfer(chain=chain, tx_hash=hash_field(item, "hash", fallback=tx_hash),
                    index=internal_index(src, dst, amount, occurrence), kind=TransferKind.INTERNAL,
                    asset=chain.native, from_address=src, to_address=dst, amount=amount,
                    block_number=_block(item), timestamp=_time(item),
                    flags=_flags(amount, item.get("isError") == "1"))


def _internal_identity(item: Row) -> object:
    trace = item.get("traceId")
    if trace not in (None, "") and item.get("hash"):
        return ("trace", str(item.get("hash")).lower(), str(trace))
    return object()  # by-txhash rows carry no traceId: identical twins stay distinct


def internal_items_to_transfers(items: Iterable[Row], chain: Chain, tx_hash: str | None = None) -> list[Transfer]:
    """Convert txlistinternal rows: repeats of one (hash, traceId) dropped, identical twins numbered."""
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for item in wire.dedupe(wire.row_list(items, "etherscan txlistinternal"), _internal_identity):
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
    """A ``tokentx`` row -> a token transfer; ``occurrence`` counts identical rows earlier in the same tx.

    May raise: InvalidAnswer.
    """
    contract = address_field(chain, wire.required(item, "contractAddress", "etherscan"), "contractAddress")
    if contract is None:
        raise InvalidAnswer("etherscan: field 'contractAddress' is empty")
    amount = _amount(item)
    src, dst = sender_field(chain, item), address_field(chain, wire.required(item, "to", "etherscan"), "to")
    symbol = item.get("tokenSymbol")
    decimals = wire.uint(item.get("tokenDecimal") or 0, "tokenDecimal", "etherscan", maximum=255)
    asset, fake = token_asset(chain, contract, symbol if isinstance(symbol, str) else None, decimals)
    return Transfer(chain=chain, tx_hash=hash_field(item, "hash", "transactionHash"),
                    index=token_index(contract, src, dst, amount, occurrence),
                    kind=TransferKind.TOKEN, asset=asset, from_address=src, to_address=dst, amount=amount,
                    block_number=_block(item), timestamp=_time(item),
                    flags=_flags(amount, False, fake))


def _token_identity(item: Row) -> object:
    if item.get("logIndex") not in (None, ""):
        return ("log", str(item.get("hash") or item.get("transactionHash")).lower(), str(item.get("logIndex")))
    return ("row", wire.row_identity(item))


def tokentx_items_to_transfers(items: Iterable[Row], chain: Chain) -> list[Transfer]:
    """Convert tokentx rows: repeated rows dropped (module docstring), distinct rows of one tx numbered."""
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for item in wire.dedupe(wire.row_list(items, "etherscan tokentx"), _token_identity):
        first = tokentx_item_to_transfer(item, chain)
        key = (first.tx_hash, first.index)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        out.append(first if occurrence == 0 else tokentx_item_to_transfer(item, chain, occurrence))
    return out


def topic_field(raw: object) -> str:
    value = wire.text(raw, "topics").lower()
    if len(value) != 66 or value[:2] != "0x" or any(c not in "0123456789abcdef" for c in value[2:]):
        raise InvalidAnswer(f"etherscan: log topic is not 32 bytes of hex: {value[:70]!r}")
    return value


def log_to_token_transfer(log: Row, chain: Chain, when: datetime, occurrence: int = 0,
                          symbol: str | None = None, decimals: int | None = None) -> Transfer | None:
    """An ERC-20 ``Transfer`` log (receipt or getLogs) -> token transfer; None for other events and ERC-721.

    May raise: InvalidAnswer.
    """
    raw_topics = wire.required(log, "topics", "etherscan log")
    if not isinstance(raw_topics, list):
        raise InvalidAnswer("etherscan log: field 'topics' must be a list")
    topics = [topic_field(t) for t in raw_topics]
    if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
        return None  # ERC-721 Transfer has 4 topics (tokenId indexed); not a fungible amount
    contract = address_field(chain, wire.required(log, "address", "etherscan log"), "address")
    if contract is None:
        raise InvalidAnswer("etherscan log: field 'address' is empty")
    src = canonical_address(chain, "0x" + topics[1][-40:])
    dst = canonical_address(chain, "0x" + topics[2][-40:])
    data = wire.text(log.get("data") or "0x", "data")
    amount = wire.uint(data if data.lower() != "0x" else 0, "data", "etherscan log")
    asset, fake = token_asset(chain, contract, symbol, decimals)
    return Transfer(chain=chain, tx_hash=hash_field(log, "transactionHash"),
                    index=token_index(contract, src, dst, amount, occurrence), kind=TransferKind.TOKEN,
                    asset=asset, from_address=src, to_address=dst, amount=amount,
                    block_number=_block(log), timestamp=when, flags=_flags(amount, False, fake))


def _log_identity(log: Row) -> object:
    if log.get("logIndex") not in (None, ""):
        return ("log", str(log.get("transactionHash")).lower(), str(log.get("logIndex")))
    return object()  # without a log index every log is its own


def logs_to_token_transfers(logs: Iterable[Row], chain: Chain, when: datetime,
                            metadata: Mapping[str, tuple[str, int]] | None = None) -> list[Transfer]:
    """Every ERC-20 Transfer among ``logs`` with the same occurrence numbering as tokentx rows.

    ``metadata`` maps contract -> (symbol, decimals) learned elsewhere (tokentx) for unverified tokens. A log
    repeated with the same (transactionHash, logIndex) counts once.
    """
    seen: dict[tuple[str, int], int] = {}
    out: list[Transfer] = []
    for log in wire.dedupe(wire.row_list(logs, "etherscan logs"), _log_identity):
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
    """``balancemulti`` rows -> {canonical address: wei}. May raise: InvalidAnswer."""
    return {address_field(chain, wire.required(r, "account", "etherscan"), "account") or "": _amount(r, "balance")
            for r in wire.row_list(rows, "etherscan balancemulti")}


_CONVERTERS = {"txlist": txlist_item_to_transfer, "txlistinternal": internal_item_to_transfer,
               "tokentx": tokentx_item_to_transfer}


def validate_history(action: str, data: object, start_block: int, end_block: int) -> None:
    """Check an account-list answer before it leaves the HTTP funnel (so an invalid one is asked again).

    Every row must convert, and sit inside the requested block window. May raise: InvalidAnswer.
    """
    convert = _CONVERTERS.get(action)
    for row in wire.rows(data, f"etherscan {action}"):
        if convert is not None:
            t = convert(row, Chain.ETHEREUM)  # EVM address rules are the same on every EVM chain
            if not start_block <= t.block_number <= end_block:
                raise InvalidAnswer(f"etherscan {action}: block {t.block_number} outside the requested "
                                    f"{start_block}..{end_block}")


def validate_logs(data: object, from_block: int, to_block: int) -> None:
    """Check a getLogs answer: rows are objects with a hex block inside the window. May raise: InvalidAnswer."""
    for row in wire.rows(data, "etherscan getLogs"):
        number = _block(row)
        if not from_block <= number <= to_block:
            raise InvalidAnswer(f"etherscan getLogs: block {number} outside the requested {from_block}..{to_block}")
        logs_to_token_transfers([row], Chain.ETHEREUM, wire.utc(wire.MIN_UNIX))
