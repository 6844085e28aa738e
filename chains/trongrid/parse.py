"""Pure TronGrid JSON -> domain conversions (no I/O).

Validation (issue 15): ``validate_*`` check each wire shape -- TRX amounts int64 (java-tron's type), TRC-20
values uint256, block numbers and millisecond times in the :mod:`chains.wire` ranges, txids 64 hex, required
fields present -- and run inside the HTTP funnel (TronGridClient), so an invalid answer is asked once more and
then raises :class:`~tracer.errors.InvalidAnswer`. The converters use the same checks, so any JSON gives domain
values or that error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from chains import wire
from chains.addresses import canonical_address, evm_to_tron
from chains.trongrid.types import Trc20Item, TronEvent, TronTransaction
from tracer.errors import InvalidAddress, InvalidAnswer
from tracer.model import Asset, Chain, ChainTx, Transfer, TransferFlag, TransferKind

USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
VERIFIED_TOKENS: Mapping[str, tuple[str, int]] = MappingProxyType({USDT_TRC20: ("USDT", 6)})
"""Verified TRC-20 contracts: contract -> (symbol, decimals). A token claiming one of these symbols at
any other contract is flagged FAKE_TOKEN."""
_VERIFIED_SYMBOLS = {symbol.upper(): contract for contract, (symbol, _) in VERIFIED_TOKENS.items()}

TRX = Chain.TRON.native
MAX_SUN = 2**63 - 1
"""java-tron amounts are signed 64-bit."""
BLOCK_MS = 3000
"""TRON produces one block per 3 s slot (missed slots only make real blocks later than estimated)."""


def tron_address(raw: object) -> str | None:
    """Canonical base58 ``T…`` from base58, hex ``41…`` (raw_data) or ``0x``+40 hex (event results).

    May raise: InvalidAnswer.
    """
    if raw is None or raw == "":
        return None
    text = wire.text(raw, "address", "trongrid")
    try:
        if text[:2].lower() == "0x" and len(text) == 42:
            return evm_to_tron(text)
        return canonical_address(Chain.TRON, text)
    except (InvalidAddress, ValueError) as exc:
        raise InvalidAnswer(f"trongrid: unusable address {text[:60]!r}") from exc


def ms_to_datetime(ms: int) -> datetime:
    """Milliseconds since the epoch (checked: 2009 .. 2100) as an aware UTC datetime. May raise: InvalidAnswer."""
    return datetime.fromtimestamp(wire.unix_millis(ms) // 1000, tz=UTC)


def txid(raw: object, name: str = "txID") -> str:
    """A TRON txid: 64 hex characters, lower-cased. May raise: InvalidAnswer."""
    value = wire.text(raw, name, "trongrid").lower().removeprefix("0x")
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidAnswer(f"trongrid: field {name!r} is not a txid: {value[:70]!r}")
    return value


def _sun(value: object, name: str) -> int:
    return wire.uint(value, name, "trongrid", maximum=MAX_SUN, hex_ok=False)


def token_asset(contract: str, symbol: str | None, decimals: int | None) -> tuple[Asset, frozenset[TransferFlag]]:
    """The asset of a TRC-20 contract and FAKE_TOKEN when it claims a verified symbol at the wrong contract."""
    if contract in VERIFIED_TOKENS:
        sym, dec = VERIFIED_TOKENS[contract]
        return Asset(chain=Chain.TRON, symbol=sym, contract=contract, decimals=dec), frozenset()
    sym = (symbol or "TRC20").strip()
    flags = frozenset({TransferFlag.FAKE_TOKEN}) if sym.upper() in _VERIFIED_SYMBOLS else frozenset()
    return Asset(chain=Chain.TRON, symbol=sym, contract=contract, decimals=int(decimals or 0)), flags


def _succeeded(tx: TronTransaction) -> bool:
    ret = tx.get("ret") or [{}]
    first = ret[0] if isinstance(ret, list) and ret else {}
    return not isinstance(first, dict) or first.get("contractRet", "SUCCESS") == "SUCCESS"


def native_transfer(tx: TronTransaction, block_number: int, timestamp_ms: int) -> Transfer | None:
    """The TRX moved by a tx: ``TransferContract`` amount, or the ``call_value`` of a contract call."""
    value, kind = _contract_value(tx)
    if kind == "TransferContract":
        amount, to = _sun(value.get("amount", 0), "amount"), value.get("to_address")
    elif kind == "TriggerSmartContract" and _sun(value.get("call_value", 0), "call_value") > 0:
        amount, to = _sun(value["call_value"], "call_value"), value.get("contract_address")
    else:
        return None
    flags = set()
    if amount == 0:
        flags.add(TransferFlag.ZERO_VALUE)
    if not _succeeded(tx):
        flags.add(TransferFlag.FAILED)
    return Transfer(chain=Chain.TRON, tx_hash=txid(wire.required(tx, "txID", "trongrid")), index=-1,
                    kind=TransferKind.NATIVE, asset=TRX,
                    from_address=tron_address(value.get("owner_address")), to_address=tron_address(to),
                    amount=amount, block_number=wire.block(block_number), timestamp=ms_to_datetime(timestamp_ms),
                    flags=frozenset(flags))


def _contract_value(tx: Any) -> tuple[dict[str, Any], str | None]:
    """``raw_data.contract[0]``'s ``parameter.value`` and ``type`` ({} and None when there is no contract)."""
    raw = tx.get("raw_data") if isinstance(tx, dict) else None
    if raw is None:
        return {}, None
    if not isinstance(raw, dict):
        raise InvalidAnswer("trongrid: field 'raw_data' must be an object")
    contracts = raw.get("contract") or []
    if not isinstance(contracts, list) or not all(isinstance(c, dict) for c in contracts):
        raise InvalidAnswer("trongrid: field 'raw_data.contract' must be a list of objects")
    if not contracts:
        return {}, None
    parameter = contracts[0].get("parameter") or {}
    value = parameter.get("value") if isinstance(parameter, dict) else None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise InvalidAnswer("trongrid: field 'parameter.value' must be an object")
    kind = contracts[0].get("type")
    return value, kind if isinstance(kind, str) else None


def trc20_item_to_transfer(item: Trc20Item, index: int, block_number: int) -> Transfer | None:
    """A ``/transactions/trc20`` item as a TOKEN transfer; None for ``Approval`` and other non-transfers.

    ``index`` is the item's ordinal among this tx's transfers (the listing has no log index).
    """
    if not isinstance(item, dict):
        raise InvalidAnswer(f"trongrid: a trc20 item is a {type(item).__name__}, not an object")
    if item.get("type", "Transfer") != "Transfer":
        return None
    info = item.get("token_info") or {}
    if not isinstance(info, dict):
        raise InvalidAnswer("trongrid: field 'token_info' must be an object")
    contract = tron_address(info.get("address"))
    if contract is None:
        raise InvalidAnswer(f"trongrid: trc20 item without token address in {str(item.get('transaction_id'))[:70]}")
    symbol = info.get("symbol")
    decimals = wire.uint(info.get("decimals") or 0, "decimals", "trongrid", maximum=255)
    asset, flags = token_asset(contract, symbol if isinstance(symbol, str) else None, decimals)
    amount = wire.uint(wire.required(item, "value", "trongrid trc20"), "value", "trongrid", hex_ok=False)
    if amount == 0:
        flags |= {TransferFlag.ZERO_VALUE}
    src = tron_address(wire.required(item, "from", "trongrid trc20"))
    return Transfer(chain=Chain.TRON, tx_hash=txid(wire.required(item, "transaction_id", "trongrid trc20"),
                                                   "transaction_id"),
                    index=index, kind=TransferKind.TOKEN, asset=asset, from_address=src,
                    to_address=tron_address(wire.required(item, "to", "trongrid trc20")), amount=amount,
                    block_number=wire.block(block_number),
                    timestamp=ms_to_datetime(wire.required(item, "block_timestamp", "trongrid trc20")), flags=flags)


def event_transfers(events: list[TronEvent]) -> list[Transfer]:
    """``Transfer`` events of a tx as TOKEN transfers, numbered by ordinal like the trc20 listing."""
    out: list[Transfer] = []
    checked = wire.rows(events, "trongrid events")
    unique = wire.dedupe(checked, lambda e: (str(e.get("transaction_id")).lower(), str(e.get("event_index"))))
    for event in sorted(unique, key=lambda e: wire.uint(e.get("event_index", 0), "event_index", "trongrid")):
        result = event.get("result") or {}
        if not isinstance(result, dict):
            raise InvalidAnswer("trongrid: field 'result' of an event must be an object")
        if event.get("event_name") != "Transfer" or "value" not in result:
            continue
        contract = tron_address(wire.required(event, "contract_address", "trongrid event"))
        if contract is None:
            raise InvalidAnswer("trongrid: event without contract_address")
        asset, flags = token_asset(contract, None, None)
        amount = wire.uint(result["value"], "value", "trongrid event", hex_ok=False)
        if amount == 0:
            flags |= {TransferFlag.ZERO_VALUE}
        out.append(Transfer(
            chain=Chain.TRON, tx_hash=txid(wire.required(event, "transaction_id", "trongrid event"), "transaction_id"),
            index=len(out), kind=TransferKind.TOKEN,
            asset=asset, from_address=tron_address(result.get("from") or result.get("0")),
            to_address=tron_address(result.get("to") or result.get("1")), amount=amount,
            block_number=wire.block(wire.required(event, "block_number", "trongrid event"), "block_number"),
            timestamp=ms_to_datetime(wire.required(event, "block_timestamp", "trongrid event")), flags=flags))
    return out


def memo(tx: TronTransaction) -> str | None:
    """``raw_data.data`` (hex) decoded as UTF-8 text, or None."""
    raw = tx.get("raw_data") or {}
    data = raw.get("data") if isinstance(raw, dict) else None
    if not data or not isinstance(data, str):
        return None
    try:
        return bytes.fromhex(data).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def to_chaintx(tx: TronTransaction, events: list[TronEvent], block: int, timestamp_ms: int,
               fee: int | None = None) -> ChainTx:
    """A whole TRON tx from ``gettransactionbyid`` + its events, mined in ``block`` at ``timestamp_ms``.

    ``fee`` (sun) defaults to ``ret[0].fee`` when the caller has no ``gettransactioninfobyid`` answer.
    """
    transfers: list[Transfer] = []
    native = native_transfer(tx, block, timestamp_ms)
    if native is not None:
        transfers.append(native)
    transfers.extend(event_transfers(events))
    value, _ = _contract_value(tx)
    if fee is None:
        ret = tx.get("ret") or [{}]
        first = ret[0] if isinstance(ret, list) and ret else {}
        fee = _sun(first.get("fee", 0) if isinstance(first, dict) else 0, "fee")
    return ChainTx(
        chain=Chain.TRON, tx_hash=txid(wire.required(tx, "txID", "trongrid")), block_number=wire.block(block),
        timestamp=ms_to_datetime(timestamp_ms),
        from_address=tron_address(value.get("owner_address")),
        to_address=tron_address(value.get("to_address") or value.get("contract_address")),
        fee=fee, success=_succeeded(tx), transfers=tuple(transfers), memo=memo(tx),
    )


def estimate_block(timestamp_ms: int, anchor: tuple[int, int]) -> int:
    """Block number of a timestamp from an anchor ``(block, timestamp_ms)`` at one block per 3 s slot."""
    block, ts = anchor
    return block + (timestamp_ms - ts + BLOCK_MS // 2) // BLOCK_MS


HOUR_MS = 3_600_000


def timestamp_window(tip: tuple[int, int], since_block: int | None,
                     until_block: int | None) -> tuple[int | None, int | None]:
    """``(min_timestamp, max_timestamp)`` ms covering a block window, from the tip anchor ``(block, ms)``.

    A real block is never later than its 3 s-slot estimate counted back from the tip (missed slots only
    push it earlier), so the upper bound is safe as is and the lower bound is widened by an hour or 1 % of
    the distance, whichever is larger; callers filter by block number afterwards.
    """
    tip_block, tip_ts = tip
    min_ts = max_ts = None
    if since_block is not None:
        estimate = tip_ts - (tip_block - since_block) * BLOCK_MS
        min_ts = max(0, estimate - max(HOUR_MS, (tip_ts - estimate) // 100))
    if until_block is not None:
        max_ts = tip_ts - (tip_block - until_block) * BLOCK_MS + BLOCK_MS
    return min_ts, max_ts


BLACKLIST_EVENTS: Mapping[str, bool] = MappingProxyType({"AddedBlackList": True, "RemovedBlackList": False})
"""USDT-TRC20 issuer events -> whether the address is frozen afterwards."""


@dataclass(frozen=True, slots=True)
class IssuerFreeze:
    """An issuer (Tether) freezing or unfreezing an address on the USDT-TRC20 contract."""

    address: str
    frozen: bool
    tx_hash: str
    block_number: int
    timestamp: datetime


def blacklist_event_to_freeze(event: TronEvent) -> IssuerFreeze | None:
    """``AddedBlackList``/``RemovedBlackList`` event -> :class:`IssuerFreeze`; None for other events."""
    name = event.get("event_name", "")
    frozen = BLACKLIST_EVENTS.get(name) if isinstance(name, str) else None
    result = event.get("result") or {}
    user = result.get("_user") or result.get("0") if isinstance(result, dict) else None
    if frozen is None or not user:
        return None
    address = tron_address(user)
    if address is None:
        return None
    return IssuerFreeze(address=address, frozen=frozen,
                        tx_hash=txid(wire.required(event, "transaction_id", "trongrid event"), "transaction_id"),
                        block_number=wire.block(wire.required(event, "block_number", "trongrid event"), "block_number"),
                        timestamp=ms_to_datetime(wire.required(event, "block_timestamp", "trongrid event")))


# -- validators run inside the HTTP funnel (TronGridClient): an invalid answer is asked once more --------------

def validate_transaction(tx: Any) -> None:
    """A ``/v1/accounts/{a}/transactions`` item or ``gettransactionbyid`` answer. May raise: InvalidAnswer."""
    if not isinstance(tx, dict):
        raise InvalidAnswer(f"trongrid: a transaction is a {type(tx).__name__}, not an object")
    if not tx:
        return  # java-tron's answer for an unknown id
    txid(wire.required(tx, "txID", "trongrid"))
    block = wire.block(tx["blockNumber"], "blockNumber", "trongrid") if "blockNumber" in tx else 0
    millis = wire.unix_millis(tx["block_timestamp"]) if "block_timestamp" in tx else wire.MIN_UNIX * 1000
    native_transfer(tx, block, millis)  # type: ignore[arg-type]
    memo(tx)  # type: ignore[arg-type]


def validate_listed_transaction(tx: Any) -> None:
    """An account-listing item must also say where and when it was mined."""
    validate_transaction(tx)
    wire.required(tx, "blockNumber", "trongrid")
    wire.required(tx, "block_timestamp", "trongrid")


def validate_trc20(item: Any) -> None:
    """A ``/transactions/trc20`` item. May raise: InvalidAnswer."""
    trc20_item_to_transfer(item, 0, 0)


def validate_event(event: Any) -> None:
    """A ``/v1/transactions/{id}/events`` or contract-events item. May raise: InvalidAnswer."""
    event_transfers([event])
    if isinstance(event, dict) and "block_number" in event:
        wire.block(event["block_number"], "block_number", "trongrid")
    if isinstance(event, dict) and "block_timestamp" in event:
        wire.unix_millis(event["block_timestamp"], "block_timestamp", "trongrid")


def validate_info(info: Any) -> None:
    """``gettransactioninfobyid``: {} when unknown, else block, time and fee in range. May raise: InvalidAnswer."""
    if not isinstance(info, dict):
        raise InvalidAnswer(f"trongrid: transaction info is a {type(info).__name__}, not an object")
    if "blockNumber" in info:
        wire.block(info["blockNumber"], "blockNumber", "trongrid")
        wire.unix_millis(wire.required(info, "blockTimeStamp", "trongrid info"), "blockTimeStamp", "trongrid")
    if "fee" in info:
        _sun(info["fee"], "fee")


def trc20_identity(item: Any) -> object:
    """A TRC-20 listing item has no log index: its whole content is its identity (see Etherscan tokentx)."""
    return wire.row_identity(item) if isinstance(item, dict) else repr(item)
