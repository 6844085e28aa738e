"""ethereum-etl exports answering the Etherscan client's questions, so :class:`EtherscanAdapter` parses them.

The reader returns the rows Etherscan would (``txlist``, ``txlistinternal``, ``tokentx``, proxy tx/receipt) built
from ethereum-etl tables (``transactions``, ``receipts``, ``traces``, ``token_transfers``, ``logs``, ``tokens``,
``blocks``); the adapter and its pure parsers are the API path's own, so a transfer read from files is the same
value as one read from the API. No request is made.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chains.base import Capability
from chains.etherscan.adapter import EtherscanAdapter
from chains.etl.tables import EtlTables, as_int, as_text
from tracer.errors import NotSupported
from tracer.model import Chain

TABLES = ("blocks", "transactions", "receipts", "traces", "token_transfers", "logs", "tokens")
OPEN_END = 2**62
VALUE_CALLS = "coalesce(call_type, 'call') NOT IN ('delegatecall', 'staticcall', 'callcode')"
"""Internal transfers move value only in plain calls, creates and self-destructs (as txlistinternal lists them)."""


def _b(column: str) -> str:
    return f"CAST({column} AS BIGINT)"


class EthereumEtlReader:
    """The subset of :class:`chains.etherscan.client.EtherscanClient` the adapter uses, over ethereum-etl files."""

    def __init__(self, tables: EtlTables) -> None:
        self.t = tables

    def _timestamp(self, block: int) -> int:
        rows = self.t.rows(f"SELECT timestamp FROM blocks WHERE {_b('number')} = ?", [block])
        if rows:
            return as_int(rows[0]["timestamp"])
        if not self.t.has("transactions"):
            return 0
        rows = self.t.rows(f"SELECT block_timestamp FROM transactions WHERE {_b('block_number')} = ? LIMIT 1", [block])
        return as_int(rows[0]["block_timestamp"]) if rows else 0

    def txlist(self, address: str, start_block: int = 0, end_block: int | None = None, *,
               final_block: int | None = None) -> Iterator[dict[str, Any]]:
        """``txlist`` rows: top-level transactions from or to ``address``."""
        if not self.t.has("transactions"):
            return
        receipts = "LEFT JOIN receipts r ON r.transaction_hash = t.hash" if self.t.has("receipts") else ""
        gas_used = "r.gas_used" if receipts else "NULL"
        status = "r.status" if receipts else "NULL"
        rows = self.t.rows(
            f"SELECT t.hash, t.block_number, t.block_timestamp, t.from_address, t.to_address, t.value, t.gas_price, "
            f"t.input, {gas_used} AS gas_used, {status} AS status FROM transactions t {receipts} "
            f"WHERE (lower(t.from_address) = ? OR lower(t.to_address) = ?) AND {_b('t.block_number')} BETWEEN ? AND ? "
            f"ORDER BY {_b('t.block_number')}, {_b('t.transaction_index')}",
            [address, address, start_block, OPEN_END if end_block is None else end_block])
        for r in rows:
            failed = as_text(r["status"]) == "0"
            yield {"hash": as_text(r["hash"]), "blockNumber": as_text(r["block_number"]),
                   "timeStamp": as_text(r["block_timestamp"]), "from": as_text(r["from_address"]),
                   "to": as_text(r["to_address"]), "value": as_text(r["value"]), "gasPrice": as_text(r["gas_price"]),
                   "gasUsed": as_text(r["gas_used"]), "isError": "1" if failed else "0",
                   "txreceipt_status": "0" if failed else "1", "input": as_text(r["input"])}

    def _internal(self, where: str, params: list[Any], with_hash: bool) -> list[dict[str, Any]]:
        if not self.t.has("traces"):
            return []
        rows = self.t.rows(
            f"SELECT tr.transaction_hash, tr.block_number, b.timestamp, tr.from_address, tr.to_address, tr.value, "
            f"tr.error, tr.call_type FROM traces tr LEFT JOIN blocks b ON {_b('b.number')} = {_b('tr.block_number')} "
            f"WHERE coalesce(tr.trace_address, '') <> '' AND coalesce(tr.trace_type, 'call') <> 'reward' "
            f"AND {VALUE_CALLS} AND {where} "
            f"ORDER BY {_b('tr.block_number')}, {_b('tr.transaction_index')}, tr.trace_address", params)
        out = []
        for r in rows:
            row = {"blockNumber": as_text(r["block_number"]), "timeStamp": as_text(r["timestamp"]),
                   "from": as_text(r["from_address"]), "to": as_text(r["to_address"]), "value": as_text(r["value"]),
                   "isError": "1" if as_text(r["error"]) else "0", "type": as_text(r["call_type"]) or "call"}
            if with_hash:
                row["hash"] = as_text(r["transaction_hash"])
            out.append(row)
        return out

    def txlistinternal(self, address: str, start_block: int = 0, end_block: int | None = None, *,
                       final_block: int | None = None) -> Iterator[dict[str, Any]]:
        """``txlistinternal`` rows: internal value transfers from or to ``address`` (trace_address not empty)."""
        yield from self._internal(
            f"(lower(tr.from_address) = ? OR lower(tr.to_address) = ?) AND {_b('tr.block_number')} BETWEEN ? AND ?",
            [address, address, start_block, OPEN_END if end_block is None else end_block], True)

    def internal_by_hash(self, tx_hash: str, *, immutable: bool = False) -> list[dict[str, Any]]:
        """``txlistinternal?txhash=`` rows (no hash, like the API)."""
        return self._internal("lower(tr.transaction_hash) = ?", [tx_hash.lower()], False)

    def tokentx(self, address: str, start_block: int = 0, end_block: int | None = None, *,
                final_block: int | None = None, contract: str | None = None) -> Iterator[dict[str, Any]]:
        """``tokentx`` rows: token transfers from or to ``address`` with the token's symbol and decimals."""
        if not self.t.has("token_transfers"):
            return
        tokens = "LEFT JOIN tokens k ON lower(k.address) = lower(tt.token_address)" if self.t.has("tokens") else ""
        meta = "k.symbol, k.decimals" if tokens else "NULL AS symbol, NULL AS decimals"
        where = "(lower(tt.from_address) = ? OR lower(tt.to_address) = ?) AND " \
                f"{_b('tt.block_number')} BETWEEN ? AND ?"
        params: list[Any] = [address, address, start_block, OPEN_END if end_block is None else end_block]
        if contract:
            where += " AND lower(tt.token_address) = ?"
            params.append(contract.lower())
        rows = self.t.rows(
            f"SELECT tt.transaction_hash, tt.block_number, b.timestamp, tt.from_address, tt.to_address, tt.value, "
            f"tt.token_address, {meta} FROM token_transfers tt "
            f"LEFT JOIN blocks b ON {_b('b.number')} = {_b('tt.block_number')} {tokens} WHERE {where} "
            f"ORDER BY {_b('tt.block_number')}, {_b('tt.log_index')}", params)
        for r in rows:
            yield {"hash": as_text(r["transaction_hash"]), "blockNumber": as_text(r["block_number"]),
                   "timeStamp": as_text(r["timestamp"]), "from": as_text(r["from_address"]),
                   "to": as_text(r["to_address"]), "value": as_text(r["value"]),
                   "contractAddress": as_text(r["token_address"]), "tokenSymbol": as_text(r["symbol"]),
                   "tokenDecimal": as_text(r["decimals"]) or "0"}

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        """``eth_getTransactionByHash`` shape (decimal strings are accepted by the parsers)."""
        if not self.t.has("transactions"):
            return None
        rows = self.t.rows("SELECT * FROM transactions WHERE lower(hash) = ?", [tx_hash.lower()])
        if not rows:
            return None
        r = rows[0]
        return {"hash": as_text(r["hash"]), "blockNumber": as_text(r["block_number"]),
                "from": as_text(r["from_address"]), "to": as_text(r.get("to_address")) or None,
                "value": as_text(r["value"]), "gasPrice": as_text(r.get("gas_price")), "input": as_text(r.get("input"))}

    def receipt(self, tx_hash: str, *, immutable: bool = False) -> dict[str, Any] | None:
        """``eth_getTransactionReceipt`` shape with the tx's logs (from ``logs``, else ``token_transfers``)."""
        if not self.t.has("receipts"):
            return None
        rows = self.t.rows("SELECT * FROM receipts WHERE lower(transaction_hash) = ?", [tx_hash.lower()])
        if not rows:
            return None
        r = rows[0]
        return {"status": as_text(r.get("status")) or "1", "gasUsed": as_text(r.get("gas_used")),
                "effectiveGasPrice": as_text(r.get("effective_gas_price")) or None, "logs": self._logs(tx_hash)}

    def _logs(self, tx_hash: str) -> list[dict[str, Any]]:
        if self.t.has("logs"):
            rows = self.t.rows(f"SELECT address, topics, data FROM logs WHERE lower(transaction_hash) = ? "
                               f"ORDER BY {_b('log_index')}", [tx_hash.lower()])
            return [{"address": as_text(r["address"]), "data": as_text(r["data"]),
                     "topics": r["topics"] if isinstance(r["topics"], list) else
                     [t for t in as_text(r["topics"]).split(",") if t]} for r in rows]
        return []

    def block_timestamp(self, block_number: int) -> int:
        """Unix seconds of a block."""
        return self._timestamp(block_number)

    def block_number(self) -> int:
        """The newest block in the export."""
        table = "blocks" if self.t.has("blocks") else "transactions"
        column = "number" if table == "blocks" else "block_number"
        rows = self.t.rows(f"SELECT max({_b(column)}) AS tip FROM {table}")
        return as_int(rows[0]["tip"]) if rows else 0

    def balancemulti(self, addresses: Any) -> list[dict[str, Any]]:
        """Balances are not in transfer exports."""
        raise NotSupported("etl: balances are not part of an ethereum-etl transfer export")


class EtlEthereumAdapter(EtherscanAdapter):
    """An EVM chain from ethereum-etl files: the Etherscan adapter's logic over :class:`EthereumEtlReader`."""

    name = "etl"
    capabilities = frozenset({Capability.NATIVE, Capability.INTERNAL, Capability.TOKENS})

    def __init__(self, path: Path, chain: Chain = Chain.ETHEREUM) -> None:
        self.tables = EtlTables(path, TABLES)
        # The reader answers exactly the client calls the adapter makes (duck-typed: no HTTP behind it). The
        # history methods, ``final_block`` included, are the API adapter's own.
        super().__init__(EthereumEtlReader(self.tables), chain)  # type: ignore[arg-type]
