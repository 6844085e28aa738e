"""EvmRpcAdapter: ChainAdapter over a JSON-RPC node (eth_getLogs + trace_filter, or blocks + debug traces).

No HTTP code here. Which trace method the node has is learned from its answers (chains.evm_rpc.history); every
query entirely at or below ``final_block`` is immutable and answered from the archive on a re-run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from chains.addresses import canonical_address
from chains.base import Capability, ChainAdapter, transfer_sort_key
from chains.etherscan.parse import TRANSFER_TOPIC, logs_to_token_transfers, to_int
from chains.evm_rpc import transfer_scan
from chains.evm_rpc.client import EvmRpcClient, RangeTooLarge
from chains.evm_rpc.history import TraceMethod, TraceSupport
from chains.evm_rpc.parse import block_tx_to_transfer, call_frames_to_transfers, trace_to_transfer
from chains.tokens import verified_token
from tracer.errors import BadResponse, NotSupported
from tracer.model import Chain, ChainTx, Direction, Transfer, TransferFlag, TransferKind

logger = logging.getLogger(__name__)

Fetch = Callable[[int, int], list[dict[str, Any]]]


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


class EvmRpcAdapter(ChainAdapter):
    """Transfers from a node: ERC-20 via eth_getLogs (adaptive bisection), native/internal via trace_filter.

    Without trace_filter: native from the window's blocks, internal from debug_traceTransaction, or not at all
    (logged once, kept in ``support.limitation``). May raise: ChainUnavailable, RateLimited, BadResponse,
    ApiRejected.
    """

    name = "evm_rpc"
    capabilities = frozenset({Capability.NATIVE, Capability.INTERNAL, Capability.TOKENS, Capability.LOGS,
                              Capability.BALANCES})

    def __init__(self, client: EvmRpcClient, chain: Chain, *, initial_span: int = 2000, max_span: int = 100_000,
                 final_block: int | None = None) -> None:
        self.client = client
        self.chain = chain
        self.initial_span = initial_span
        self.span = initial_span
        self.max_span = max_span
        self.final_block = final_block  # used when a caller passes none (engines that still set the attribute)
        self.support = TraceSupport()
        self._metadata: dict[str, tuple[str, int]] = {}

    def _final(self, final_block: int | None) -> int | None:
        return final_block if final_block is not None else self.final_block

    def scan(self, fetch: Fetch, start: int, end: int, *, final_block: int | None = None) -> list[dict[str, Any]]:
        """Run ``fetch`` over [start, end] in windows: halve on RangeTooLarge, double after a success.

        No window straddles ``final_block``, so the closed part of a range is one immutable, archived query."""
        out: list[dict[str, Any]] = []
        lo = start
        while lo <= end:
            hi = min(end, lo + self.span - 1)
            if final_block is not None and lo <= final_block < hi:
                hi = final_block
            try:
                out.extend(fetch(lo, hi))
            except RangeTooLarge as exc:
                if hi == lo:
                    raise BadResponse(f"evm_rpc: block {lo} alone is too large for the node ({exc})") from exc
                suggested = exc.suggested
                if suggested is not None and suggested[0] == lo and lo <= suggested[1] < hi:
                    self.span = suggested[1] - lo + 1  # Infura names a range that fits
                else:
                    self.span = max(1, (hi - lo + 1) // 2)
                logger.debug("range %d-%d too large; span now %d", lo, hi, self.span)
                continue
            lo = hi + 1
            self.span = min(self.max_span, self.span * 2)
        return out

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        """Every native, internal and ERC-20 transfer of ``address`` in the window, ascending."""
        addr = canonical_address(self.chain, address)
        direction = Direction(direction)
        final = self._final(final_block)
        start = since_block or 0
        end = until_block if until_block is not None else self.latest_block()
        # windows start from the same span for every query: the same history asks the same ranges on a re-run,
        # so a resumed case finds them in the archive
        self.span = self.initial_span
        sides = [d for d in (Direction.OUT, Direction.IN) if direction in (d, Direction.BOTH)]
        merged: dict[str, Transfer] = {}
        for t in self._value_transfers(addr, sides, start, end, final):
            merged.setdefault(t.id, t)
        for side in sides:
            topics: list[str | None] = ([TRANSFER_TOPIC, _topic(addr)] if side is Direction.OUT
                                        else [TRANSFER_TOPIC, None, _topic(addr)])
            logs = self.scan(self._logs_fetch(topics, final), start, end, final_block=final)
            for t in self._token_transfers(logs, final):
                merged.setdefault(t.id, t)
        yield from sorted(merged.values(), key=transfer_sort_key)

    def _value_transfers(self, addr: str, sides: list[Direction], start: int, end: int,
                         final: int | None) -> list[Transfer]:
        """Native and internal transfers of ``addr`` on ``sides``, by the best method the node has."""
        if self.support.method is TraceMethod.TRACE_FILTER:
            try:
                return self._from_trace_filter(addr, sides, start, end, final)
            except NotSupported:
                logger.warning(self.support.lacks(TraceMethod.TRACE_FILTER, self.client.url))
        wanted = {Direction.OUT: lambda t: t.from_address == addr, Direction.IN: lambda t: t.to_address == addr}
        return [t for t in self._from_blocks(addr, start, end, final) if any(wanted[s](t) for s in sides)]

    def _from_trace_filter(self, addr: str, sides: list[Direction], start: int, end: int,
                           final: int | None) -> list[Transfer]:
        out: list[Transfer] = []
        for side in sides:
            outgoing = side is Direction.OUT
            seen: dict[tuple[str, str | None, str | None, int], int] = {}
            for trace in self.scan(self._traces_fetch(addr, outgoing, final), start, end, final_block=final):
                t = trace_to_transfer(trace, self.chain, self._when(to_int(trace["blockNumber"]), final))
                if t is None or (t.from_address != addr if outgoing else t.to_address != addr):
                    continue
                if t.kind is TransferKind.INTERNAL:  # identical internal transfers of one tx stay distinct
                    key = (t.tx_hash, t.from_address, t.to_address, t.amount)
                    occurrence = seen[key] = seen.get(key, -1) + 1
                    if occurrence:
                        t = trace_to_transfer(trace, self.chain, t.timestamp, occurrence) or t
                # the sender's ledger pays the fee: a receiver's history needs no receipt (busy receivers have many)
                out.append(self._with_fee(t, final) if outgoing and t.kind is TransferKind.NATIVE else t)
        return out

    def _with_fee(self, t: Transfer, final: int | None) -> Transfer:
        """The top-level transfer with the fee its sender paid (traces carry none; Etherscan's txlist does)."""
        receipt = self.client.receipt(t.tx_hash, final_block=final) or {}
        fee = to_int(receipt.get("gasUsed")) * to_int(receipt.get("effectiveGasPrice"))
        return replace(t, fee=fee) if fee else t

    def _from_blocks(self, addr: str, start: int, end: int, final: int | None) -> list[Transfer]:
        """Top-level transfers touching ``addr`` from each block's transactions; internal ones from call traces."""
        out: list[Transfer] = []
        for number in range(start, end + 1):
            block = self.client.block(number, final_block=final)
            when = datetime.fromtimestamp(to_int(block["timestamp"]), tz=UTC)
            for tx in block.get("transactions") or []:
                tx_hash = str(tx["hash"]).lower()
                if addr in (str(tx.get("from")).lower(), str(tx.get("to") or "").lower()):
                    receipt = self.client.receipt(tx_hash, final_block=final)
                    out.append(block_tx_to_transfer(tx, receipt, self.chain, when))
                if tx.get("input") not in (None, "", "0x") or tx.get("to") is None:  # code ran: it may pay
                    out.extend(self._call_traced(tx_hash, number, when, final))
        return out

    def _call_traced(self, tx_hash: str, block: int, when: datetime, final: int | None) -> list[Transfer]:
        if self.support.method is not TraceMethod.DEBUG_TRACE:
            return []
        try:
            frame = self.client.call_trace(tx_hash, immutable=final is not None and block <= final)
        except NotSupported:
            logger.warning(self.support.lacks(TraceMethod.DEBUG_TRACE, self.client.url))
            return []
        return call_frames_to_transfers(frame, self.chain, tx_hash, block, when)

    def _traces_fetch(self, addr: str, outgoing: bool, final: int | None) -> Fetch:
        def fetch(lo: int, hi: int) -> list[dict[str, Any]]:
            closed = final is not None and hi <= final
            if outgoing:
                return self.client.trace_filter(lo, hi, from_addresses=[addr], immutable=closed)
            return self.client.trace_filter(lo, hi, to_addresses=[addr], immutable=closed)
        return fetch

    def _logs_fetch(self, topics: list[str | None], final: int | None) -> Fetch:
        def fetch(lo: int, hi: int) -> list[dict[str, Any]]:
            return self.client.get_logs(lo, hi, topics=topics, immutable=final is not None and hi <= final)
        return fetch

    def _when(self, block: int, final: int | None = None) -> datetime:
        return datetime.fromtimestamp(self.client.block_timestamp(block, final_block=final), tz=UTC)

    def _token_transfers(self, logs: Iterable[dict[str, Any]], final: int | None) -> list[Transfer]:
        by_tx: dict[str, list[dict[str, Any]]] = {}
        for log in sorted(logs, key=lambda g: (to_int(g["blockNumber"]), to_int(g.get("logIndex")))):
            if log.get("removed"):
                continue
            by_tx.setdefault(str(log["transactionHash"]).lower(), []).append(log)
        out: list[Transfer] = []
        for tx_logs in by_tx.values():
            for log in tx_logs:
                self._learn(str(log["address"]).lower(), final)
            out.extend(logs_to_token_transfers(tx_logs, self.chain,
                                               self._when(to_int(tx_logs[0]["blockNumber"]), final), self._metadata))
        return out

    def _learn(self, contract: str, final: int | None) -> None:
        if contract in self._metadata or verified_token(self.chain, contract) is not None:
            return
        symbol, decimals = self.client.token_metadata(contract, final_block=final)
        self._metadata[contract] = (symbol or "", decimals or 0)

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        """The whole tx: top-level value, internal transfers (trace or debug trace) and Transfer logs."""
        tx_hash = tx_hash.lower()
        final = self._final(final_block)
        raw = self.client.transaction(tx_hash, final_block=final)
        if raw is None or raw.get("blockNumber") is None:
            return None
        receipt = self.client.receipt(tx_hash, final_block=final)
        block = to_int(raw["blockNumber"])
        when = self._when(block, final)
        native = block_tx_to_transfer(raw, receipt, self.chain, when)
        transfers = [native, *self._internal_of(tx_hash, block, when, final)]
        if TransferFlag.FAILED not in native.flags:
            transfers.extend(self._token_transfers(
                [dict(g, transactionHash=tx_hash) for g in (receipt or {}).get("logs") or []
                 if (g.get("topics") or [None])[0] == TRANSFER_TOPIC], final))
        return ChainTx(chain=self.chain, tx_hash=tx_hash, block_number=block, timestamp=when,
                       from_address=native.from_address or "", to_address=native.to_address, fee=native.fee,
                       success=TransferFlag.FAILED not in native.flags,
                       transfers=tuple(sorted(transfers, key=transfer_sort_key)), input_data=raw.get("input"))

    def _internal_of(self, tx_hash: str, block: int, when: datetime, final: int | None) -> list[Transfer]:
        if self.support.method is TraceMethod.TRACE_FILTER:
            try:
                traces = self.client.trace_transaction(tx_hash, final_block=final)
            except NotSupported:
                logger.warning(self.support.lacks(TraceMethod.TRACE_FILTER, self.client.url))
            else:
                out: list[Transfer] = []
                seen: dict[tuple[str | None, str | None, int], int] = {}
                for trace in traces:
                    t = trace_to_transfer(trace, self.chain, when)
                    if t is not None and t.kind is TransferKind.INTERNAL:
                        key = (t.from_address, t.to_address, t.amount)
                        occurrence = seen[key] = seen.get(key, -1) + 1
                        out.append(trace_to_transfer(trace, self.chain, when, occurrence) or t)
                return out
        return self._call_traced(tx_hash, block, when, final)

    def token_senders(self, addresses: Collection[str], since_block: int, until_block: int) -> dict[str, int]:
        """Watched address -> last block in the window where it sent a token: Transfer logs with the watchlist as
        an OR-list in topic1, 1,000 wallets per call (chains/evm_rpc/transfer_scan.py)."""
        return transfer_scan.token_senders(self, addresses, since_block, until_block)

    def latest_block(self) -> int:
        """The chain tip."""
        return self.client.block_number()

    def balances(self, addresses: Iterable[str]) -> dict[str, int]:
        """Native balances at the tip (one eth_getBalance each: JSON-RPC has no multi-balance call)."""
        return {a: self.client.balance(a) for a in dict.fromkeys(canonical_address(self.chain, x) for x in addresses)}

