"""tronetl exports answering the TronGrid client's questions, so :class:`TronGridAdapter` parses them.

Tables (c0mm4nd/tronetl ``SCHEMA.md``): ``transactions`` (``transaction_type`` is the contract type, ``status``
SUCCESS/REVERT), ``token_transfers`` (TRC-20 ``Transfer`` logs), ``tokens`` (symbol, decimals), ``receipts``
(``energy_fee`` + ``net_fee`` = the fee) and ``blocks``. Timestamps are seconds in tronetl; TronGrid speaks
milliseconds. TRC-20 transfers carry their exact block here, so no block estimate is ever needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chains.base import Capability
from chains.etl.tables import EtlTables, as_int, as_text
from chains.trongrid.adapter import TronGridAdapter

TABLES = ("blocks", "transactions", "token_transfers", "tokens", "receipts")
OPEN_END = 2**62


def _b(column: str) -> str:
    return f"CAST({column} AS BIGINT)"


def _window(min_ms: int | None, max_ms: int | None) -> tuple[int, int]:
    return (0 if min_ms is None else min_ms // 1000, OPEN_END if max_ms is None else max_ms // 1000)


class TronEtlReader:
    """The subset of :class:`chains.trongrid.client.TronGridClient` the adapter uses, over tronetl files."""

    def __init__(self, tables: EtlTables) -> None:
        self.t = tables

    def _side(self, only_from: bool, only_to: bool, alias: str) -> tuple[str, int]:
        if only_from:
            return f"{alias}.from_address = ?", 1
        if only_to:
            return f"{alias}.to_address = ?", 1
        return f"({alias}.from_address = ? OR {alias}.to_address = ?)", 2

    def _fee(self) -> tuple[str, str]:
        if not self.t.has("receipts"):
            return "", "0"
        return ("LEFT JOIN receipts r ON r.transaction_hash = t.hash",
                "coalesce(CAST(r.energy_fee AS BIGINT), 0) + coalesce(CAST(r.net_fee AS BIGINT), 0)")

    def _tx_rows(self, where: str, params: list[Any]) -> list[dict[str, Any]]:
        join, fee = self._fee()
        rows = self.t.rows(f"SELECT t.*, {fee} AS fee FROM transactions t {join} WHERE {where} "
                           f"ORDER BY {_b('t.block_number')}, {_b('t.transaction_index')}", params)
        return [_tx_json(r) for r in rows]

    def account_transactions(self, address: str, *, only_from: bool = False, only_to: bool = False,
                             min_timestamp: int | None = None, max_timestamp: int | None = None,
                             immutable: bool = False) -> Iterator[dict[str, Any]]:
        """TRX/contract txs of ``address``, oldest first (TronGrid ``/v1/accounts/{a}/transactions`` items)."""
        side, n = self._side(only_from, only_to, "t")
        lo, hi = _window(min_timestamp, max_timestamp)
        yield from self._tx_rows(f"{side} AND {_b('t.block_timestamp')} BETWEEN ? AND ?", [address] * n + [lo, hi])

    def trc20_transactions(self, address: str, *, only_from: bool = False, only_to: bool = False,
                           min_timestamp: int | None = None, max_timestamp: int | None = None,
                           contract_address: str | None = None, immutable: bool = False) -> Iterator[dict[str, Any]]:
        """TRC-20 transfers of ``address``, oldest first (``/v1/accounts/{a}/transactions/trc20`` items)."""
        if not self.t.has("token_transfers"):
            return
        side, n = self._side(only_from, only_to, "tt")
        lo, hi = _window(min_timestamp, max_timestamp)
        params: list[Any] = [address] * n + [lo, hi]
        where = f"{side} AND {_b('b.timestamp')} BETWEEN ? AND ?"
        if contract_address:
            where += " AND tt.token_address = ?"
            params.append(contract_address)
        tokens = "LEFT JOIN tokens k ON k.address = tt.token_address" if self.t.has("tokens") else ""
        meta = "k.symbol, k.decimals" if tokens else "NULL AS symbol, NULL AS decimals"
        rows = self.t.rows(
            f"SELECT tt.*, b.timestamp, {meta} FROM token_transfers tt "
            f"JOIN blocks b ON {_b('b.number')} = {_b('tt.block_number')} {tokens} WHERE {where} "
            f"ORDER BY {_b('tt.block_number')}, tt.transaction_hash, {_b('tt.log_index')}", params)
        for r in rows:
            info: dict[str, Any] = {"address": as_text(r["token_address"])}
            if r["symbol"] is not None:
                info.update(symbol=as_text(r["symbol"]), decimals=as_int(r["decimals"]))
            yield {"transaction_id": as_text(r["transaction_hash"]), "token_info": info,
                   "block_timestamp": as_int(r["timestamp"]) * 1000, "from": as_text(r["from_address"]),
                   "to": as_text(r["to_address"]), "type": "Transfer", "value": as_text(r["value"])}

    def transaction_by_id(self, txid: str, *, final_block: int | None = None) -> dict[str, Any] | None:
        """``gettransactionbyid`` with TronGrid's ``blockNumber``/``block_timestamp``; None when unknown."""
        found = self._tx_rows("lower(t.hash) = ?", [txid.lower()])
        return found[0] if found else None

    def transaction_events(self, txid: str, *, final_block: int | None = None) -> list[dict[str, Any]]:
        """The tx's TRC-20 ``Transfer`` events (TronGrid event objects)."""
        if not self.t.has("token_transfers"):
            return []
        rows = self.t.rows(f"SELECT tt.*, b.timestamp FROM token_transfers tt JOIN blocks b "
                           f"ON {_b('b.number')} = {_b('tt.block_number')} WHERE lower(tt.transaction_hash) = ? "
                           f"ORDER BY {_b('tt.log_index')}", [txid.lower()])
        return [{"transaction_id": as_text(r["transaction_hash"]), "block_number": as_int(r["block_number"]),
                 "block_timestamp": as_int(r["timestamp"]) * 1000, "contract_address": as_text(r["token_address"]),
                 "event_index": as_int(r["log_index"]), "event_name": "Transfer",
                 "result": {"from": as_text(r["from_address"]), "to": as_text(r["to_address"]),
                            "value": as_text(r["value"])}} for r in rows]

    def transaction_info(self, txid: str, *, final_block: int | None = None) -> dict[str, Any] | None:
        """``gettransactioninfobyid`` essentials (block, time, fee)."""
        tx = self.transaction_by_id(txid)
        if tx is None:
            return None
        return {"blockNumber": tx["blockNumber"], "blockTimeStamp": tx["block_timestamp"], "fee": tx["ret"][0]["fee"]}

    def now_block(self) -> tuple[int, int]:
        """(tip block, its timestamp in ms) of the export."""
        rows = self.t.rows(f"SELECT {_b('number')} AS n, {_b('timestamp')} AS ts FROM blocks "
                           f"ORDER BY {_b('number')} DESC LIMIT 1")
        return (as_int(rows[0]["n"]), as_int(rows[0]["ts"]) * 1000) if rows else (0, 0)

    def contract_events(self, contract: str, event_name: str, *, min_timestamp: int | None = None,
                        max_timestamp: int | None = None) -> Iterator[dict[str, Any]]:
        """Issuer events are not in a tronetl transfer export: none."""
        return iter(())


def _tx_json(r: dict[str, Any]) -> dict[str, Any]:
    kind = as_text(r.get("transaction_type")) or "TransferContract"
    if kind == "TransferContract":
        value: dict[str, Any] = {"amount": as_int(r["value"]), "owner_address": as_text(r["from_address"]),
                                 "to_address": as_text(r["to_address"])}
    else:
        value = {"owner_address": as_text(r["from_address"]), "contract_address": as_text(r["to_address"]),
                 "call_value": as_int(r["value"])}
    return {"txID": as_text(r["hash"]), "blockNumber": as_int(r["block_number"]),
            "block_timestamp": as_int(r["block_timestamp"]) * 1000,
            "ret": [{"contractRet": as_text(r.get("status")) or "SUCCESS", "fee": as_int(r.get("fee"))}],
            "raw_data": {"contract": [{"type": kind, "parameter": {"value": value}}]}}


class EtlTronAdapter(TronGridAdapter):
    """TRON from tronetl files: the TronGrid adapter's logic over :class:`TronEtlReader`."""

    name = "etl"
    capabilities = frozenset({Capability.NATIVE, Capability.TOKENS})

    def __init__(self, path: Path) -> None:
        self.tables = EtlTables(path, TABLES)
        # The reader answers exactly the client calls the adapter makes (duck-typed: no HTTP behind it). The
        # history methods, ``final_block`` included, are the API adapter's own.
        super().__init__(TronEtlReader(self.tables))  # type: ignore[arg-type]
