"""EvmRpcAdapter: ChainAdapter over a JSON-RPC node (eth_getLogs + trace_filter); no HTTP code here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from chains.addresses import canonical_address
from chains.base import Capability, ChainAdapter, transfer_sort_key
from chains.etherscan.parse import NATIVE_INDEX, TRANSFER_TOPIC, logs_to_token_transfers, to_int
from chains.evm_rpc.client import EvmRpcClient, RangeTooLarge
from chains.evm_rpc.parse import trace_to_transfer
from chains.tokens import verified_token
from tracer.errors import BadResponse, NotSupported
from tracer.model import Chain, ChainTx, Direction, Transfer, TransferFlag, TransferKind

logger = logging.getLogger(__name__)

Fetch = Callable[[int, int], list[dict[str, Any]]]


def _topic(address: str) -> str:
    return "0x" + "0" * 24 + address[2:]


class EvmRpcAdapter(ChainAdapter):
    """Transfers from a node: ERC-20 via eth_getLogs (adaptive bisection), native/internal via trace_filter.

    May raise: ChainUnavailable, RateLimited, BadResponse, ApiRejected, NotSupported (no trace_filter).
    """

    name = "evm_rpc"
    capabilities = frozenset({Capability.NATIVE, Capability.INTERNAL, Capability.TOKENS, Capability.LOGS,
                              Capability.BALANCES})

    def __init__(self, client: EvmRpcClient, chain: Chain, *, initial_span: int = 2000, max_span: int = 100_000,
                 final_block: int | None = None) -> None:
        self.client = client
        self.chain = chain
        self.span = initial_span
        self.max_span = max_span
        self.final_block = final_block
        self._metadata: dict[str, tuple[str, int]] = {}

    def scan(self, fetch: Fetch, start: int, end: int) -> list[dict[str, Any]]:
        """Run ``fetch`` over [start, end] in windows: halve on RangeTooLarge, double after a success."""
        out: list[dict[str, Any]] = []
        lo = start
        while lo <= end:
            hi = min(end, lo + self.span - 1)
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
                     until_block: int | None = None) -> Iterator[Transfer]:
        """Every native, internal and ERC-20 transfer of ``address`` in the window, ascending."""
        addr = canonical_address(self.chain, address)
        direction = Direction(direction)
        start = since_block or 0
        end = until_block if until_block is not None else self.latest_block()
        merged: dict[str, Transfer] = {}
        sides = [d for d in (Direction.OUT, Direction.IN) if direction in (d, Direction.BOTH)]
        for side in sides:
            outgoing = side is Direction.OUT
            traces = self.scan(self._traces_fetch(addr, outgoing), start, end)
            for trace in traces:
                t = trace_to_transfer(trace, self.chain, self._when(to_int(trace["blockNumber"])))
                if t is not None and (t.from_address == addr if outgoing else t.to_address == addr):
                    merged.setdefault(t.id, t)
            topics: list[str | None] = [TRANSFER_TOPIC, _topic(addr)] if outgoing else [TRANSFER_TOPIC, None,
                                                                                          _topic(addr)]
            logs = self.scan(self._logs_fetch(topics), start, end)
            for t in self._token_transfers(logs):
                merged.setdefault(t.id, t)
        yield from sorted(merged.values(), key=transfer_sort_key)

    def _traces_fetch(self, addr: str, outgoing: bool) -> Fetch:
        def fetch(lo: int, hi: int) -> list[dict[str, Any]]:
            if outgoing:
                return self.client.trace_filter(lo, hi, from_addresses=[addr])
            return self.client.trace_filter(lo, hi, to_addresses=[addr])
        return fetch

    def _logs_fetch(self, topics: list[str | None]) -> Fetch:
        def fetch(lo: int, hi: int) -> list[dict[str, Any]]:
            return self.client.get_logs(lo, hi, topics=topics)
        return fetch

    def _when(self, block: int) -> datetime:
        return datetime.fromtimestamp(self.client.block_timestamp(block), tz=UTC)

    def _token_transfers(self, logs: Iterable[dict[str, Any]]) -> list[Transfer]:
        by_tx: dict[str, list[dict[str, Any]]] = {}
        for log in sorted(logs, key=lambda g: (to_int(g["blockNumber"]), to_int(g.get("logIndex")))):
            if log.get("removed"):
                continue
            by_tx.setdefault(str(log["transactionHash"]).lower(), []).append(log)
        out: list[Transfer] = []
        for tx_logs in by_tx.values():
            for log in tx_logs:
                self._learn(str(log["address"]).lower())
            out.extend(logs_to_token_transfers(tx_logs, self.chain, self._when(to_int(tx_logs[0]["blockNumber"])),
                                               self._metadata))
        return out

    def _learn(self, contract: str) -> None:
        if contract in self._metadata or verified_token(self.chain, contract) is not None:
            return
        symbol, decimals = self.client.token_metadata(contract)
        self._metadata[contract] = (symbol or "", decimals or 0)

    def transaction(self, tx_hash: str) -> ChainTx | None:
        """The whole tx: top-level value, internal transfers (trace_transaction) and Transfer logs."""
        tx_hash = tx_hash.lower()
        raw = self.client.transaction(tx_hash)
        if raw is None or raw.get("blockNumber") is None:
            return None
        receipt = self.client.receipt(tx_hash) or {}
        block = to_int(raw["blockNumber"])
        when = self._when(block)
        success = to_int(receipt.get("status"), 1) == 1
        src = canonical_address(self.chain, str(raw["from"]))
        dst = canonical_address(self.chain, str(raw["to"])) if raw.get("to") else None
        value = to_int(raw.get("value"))
        fee = to_int(receipt.get("gasUsed")) * to_int(receipt.get("effectiveGasPrice") or raw.get("gasPrice"))
        flags = ({TransferFlag.ZERO_VALUE} if value == 0 else set()) | (set() if success else {TransferFlag.FAILED})
        transfers = [Transfer(chain=self.chain, tx_hash=tx_hash, index=NATIVE_INDEX, kind=TransferKind.NATIVE,
                              asset=self.chain.native, from_address=src, to_address=dst, amount=value,
                              block_number=block, timestamp=when, flags=frozenset(flags), fee=fee)]
        try:
            for trace in self.client.trace_transaction(tx_hash):
                t = trace_to_transfer(trace, self.chain, when)
                if t is not None and t.kind is TransferKind.INTERNAL:
                    transfers.append(t)
        except NotSupported as exc:
            logger.warning("internal transfers of %s unavailable: %s", tx_hash, exc)
        if success:
            transfers.extend(self._token_transfers(
                [dict(g, transactionHash=tx_hash) for g in receipt.get("logs") or []
                 if (g.get("topics") or [None])[0] == TRANSFER_TOPIC]))
        return ChainTx(chain=self.chain, tx_hash=tx_hash, block_number=block, timestamp=when, from_address=src,
                       to_address=dst, fee=fee, success=success,
                       transfers=tuple(sorted(transfers, key=transfer_sort_key)), input_data=raw.get("input"))

    def latest_block(self) -> int:
        """The chain tip."""
        return self.client.block_number()

    def balances(self, addresses: Iterable[str]) -> dict[str, int]:
        """Native balances at the tip (one eth_getBalance each: JSON-RPC has no multi-balance call)."""
        return {a: self.client.balance(a) for a in dict.fromkeys(canonical_address(self.chain, x) for x in addresses)}
