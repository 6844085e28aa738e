"""Pure TronGrid JSON -> domain conversions (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from chains.addresses import canonical_address, evm_to_tron
from chains.trongrid.types import Trc20Item, TronEvent, TronTransaction
from tracer.errors import BadResponse, InvalidAddress
from tracer.model import Asset, Chain, ChainTx, Transfer, TransferFlag, TransferKind

USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
VERIFIED_TOKENS: Mapping[str, tuple[str, int]] = MappingProxyType({USDT_TRC20: ("USDT", 6)})
"""Verified TRC-20 contracts: contract -> (symbol, decimals). A token claiming one of these symbols at
any other contract is flagged FAKE_TOKEN."""
_VERIFIED_SYMBOLS = {symbol.upper(): contract for contract, (symbol, _) in VERIFIED_TOKENS.items()}

TRX = Chain.TRON.native
BLOCK_MS = 3000
"""TRON produces one block per 3 s slot (missed slots only make real blocks later than estimated)."""


def tron_address(raw: str | None) -> str | None:
    """Canonical base58 ``T…`` from base58, hex ``41…`` (raw_data) or ``0x``+40 hex (event results)."""
    if not raw:
        return None
    try:
        if raw[:2].lower() == "0x" and len(raw) == 42:
            return evm_to_tron(raw)
        return canonical_address(Chain.TRON, raw)
    except InvalidAddress as exc:
        raise BadResponse(f"trongrid: unusable address {raw!r}") from exc


def ms_to_datetime(ms: int) -> datetime:
    """Milliseconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC)


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
    return ret[0].get("contractRet", "SUCCESS") == "SUCCESS"


def native_transfer(tx: TronTransaction, block_number: int, timestamp_ms: int) -> Transfer | None:
    """The TRX moved by a tx: ``TransferContract`` amount, or the ``call_value`` of a contract call."""
    contracts = (tx.get("raw_data") or {}).get("contract") or []
    if not contracts:
        return None
    contract = contracts[0]
    value = (contract.get("parameter") or {}).get("value") or {}
    kind = contract.get("type")
    if kind == "TransferContract":
        amount, to = int(value.get("amount", 0)), value.get("to_address")
    elif kind == "TriggerSmartContract" and int(value.get("call_value", 0)) > 0:
        amount, to = int(value["call_value"]), value.get("contract_address")
    else:
        return None
    flags = set()
    if amount == 0:
        flags.add(TransferFlag.ZERO_VALUE)
    if not _succeeded(tx):
        flags.add(TransferFlag.FAILED)
    return Transfer(chain=Chain.TRON, tx_hash=tx["txID"].lower(), index=-1, kind=TransferKind.NATIVE, asset=TRX,
                    from_address=tron_address(value.get("owner_address")), to_address=tron_address(to),
                    amount=amount, block_number=block_number, timestamp=ms_to_datetime(timestamp_ms),
                    flags=frozenset(flags))


def trc20_item_to_transfer(item: Trc20Item, index: int, block_number: int) -> Transfer | None:
    """A ``/transactions/trc20`` item as a TOKEN transfer; None for ``Approval`` and other non-transfers.

    ``index`` is the item's ordinal among this tx's transfers (the listing has no log index).
    """
    if item.get("type", "Transfer") != "Transfer":
        return None
    info = item.get("token_info") or {}
    contract = tron_address(info.get("address"))
    if contract is None:
        raise BadResponse(f"trongrid: trc20 item without token address in {item.get('transaction_id')}")
    asset, flags = token_asset(contract, info.get("symbol"), info.get("decimals"))
    try:
        amount = int(item.get("value", "0"))
    except ValueError as exc:
        raise BadResponse(f"trongrid: bad trc20 value {item.get('value')!r}") from exc
    if amount == 0:
        flags |= {TransferFlag.ZERO_VALUE}
    return Transfer(chain=Chain.TRON, tx_hash=item["transaction_id"].lower(), index=index, kind=TransferKind.TOKEN,
                    asset=asset, from_address=tron_address(item.get("from")), to_address=tron_address(item.get("to")),
                    amount=amount, block_number=block_number, timestamp=ms_to_datetime(int(item["block_timestamp"])),
                    flags=flags)


def event_transfers(events: list[TronEvent]) -> list[Transfer]:
    """``Transfer`` events of a tx as TOKEN transfers, numbered by ordinal like the trc20 listing."""
    out: list[Transfer] = []
    for event in sorted(events, key=lambda e: int(e.get("event_index", 0))):
        result = event.get("result") or {}
        if event.get("event_name") != "Transfer" or "value" not in result:
            continue
        contract = tron_address(event.get("contract_address"))
        assert contract is not None
        asset, flags = token_asset(contract, None, None)
        amount = int(result["value"])
        if amount == 0:
            flags |= {TransferFlag.ZERO_VALUE}
        out.append(Transfer(
            chain=Chain.TRON, tx_hash=event["transaction_id"].lower(), index=len(out), kind=TransferKind.TOKEN,
            asset=asset, from_address=tron_address(result.get("from") or result.get("0")),
            to_address=tron_address(result.get("to") or result.get("1")), amount=amount,
            block_number=int(event["block_number"]), timestamp=ms_to_datetime(int(event["block_timestamp"])),
            flags=flags))
    return out


def memo(tx: TronTransaction) -> str | None:
    """``raw_data.data`` (hex) decoded as UTF-8 text, or None."""
    data = (tx.get("raw_data") or {}).get("data")
    if not data:
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
    contracts = (tx.get("raw_data") or {}).get("contract") or [{}]
    value = (contracts[0].get("parameter") or {}).get("value") or {}
    if fee is None:
        fee = int(((tx.get("ret") or [{}])[0]).get("fee", 0))
    return ChainTx(
        chain=Chain.TRON, tx_hash=tx["txID"].lower(), block_number=block, timestamp=ms_to_datetime(timestamp_ms),
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
    frozen = BLACKLIST_EVENTS.get(event.get("event_name", ""))
    result = event.get("result") or {}
    user = result.get("_user") or result.get("0")
    if frozen is None or not user:
        return None
    address = tron_address(user)
    assert address is not None
    return IssuerFreeze(address=address, frozen=frozen, tx_hash=event["transaction_id"].lower(),
                        block_number=int(event["block_number"]), timestamp=ms_to_datetime(int(event["block_timestamp"])))
