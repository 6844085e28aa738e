"""History prefetching: each API's workers fetch the histories the expansion loop is about to need.

The loop in :mod:`tracer.engine.runner` stays sequential and deterministic (decide, allocate, commit, in the
store's pending order). What it waits for -- one address history at a time, one API at a time -- is what this
module takes off its path: per chain (one adapter, one HTTP client, one rate limiter: one API) a small pool of
worker threads fetches the histories of the next pending nodes into memory, so while the loop waits on Esplora,
Etherscan and TronGrid are already working. A history depends only on (chain, address, final block), never on
taint, so the loop consumes exactly what it would have fetched itself: the results, the export and the set of
archived exchanges do not depend on timing.

:func:`fetch_history` is the one definition of "the history expand() reads": the collection stops after
``limit + 1`` items exactly as the inline loop did (so a busy address costs the same pages), and any error is
kept and re-raised by the loop at the point the inline fetch would have raised it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from chains.base import ChainAdapter, UtxoAdapter
from tracer.model import Address, Chain, ChainTx, Transfer

logger = logging.getLogger(__name__)

DEPTH_PER_WORKER = 16
"""Histories kept fetched (or in flight) ahead of the loop per worker of a chain: enough that an API never idles
while the loop works on another chain's nodes, few enough that little is lost when a trace stops early."""

Item = TypeVar("Item", ChainTx, Transfer)

HistoryKey = tuple[Chain, str, int | None]
"""(chain, address, final block): everything a history depends on."""


@dataclass(frozen=True)
class FetchedHistory:
    """What reading one address's history gave: the items read (``limit + 1`` at most when ``busy``), or the error
    the read raised (re-raised by the loop)."""

    utxo_txs: tuple[ChainTx, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    busy: bool = False  # more than ``limit`` items: the address is someone's infrastructure
    error: Exception | None = None


def fetch_history(adapter: ChainAdapter, address: str, final_block: int | None, limit: int | None) -> FetchedHistory:
    """Read ``address``'s history up to ``final_block`` the way expansion does; ``limit`` None reads all (seeds)."""
    try:
        if isinstance(adapter, UtxoAdapter):
            txs, busy = _collect(adapter.transactions_of(address, until_block=final_block, final_block=final_block),
                                 limit)
            return FetchedHistory(utxo_txs=txs, busy=busy)
        transfers, busy = _collect(adapter.transfers_of(address, until_block=final_block, final_block=final_block),
                                   limit)
        return FetchedHistory(transfers=transfers, busy=busy)
    except Exception as exc:  # noqa: BLE001 - handed to the loop, which raises it where the inline read would have
        return FetchedHistory(error=exc)


def _collect(items: Iterable[Item], limit: int | None) -> tuple[tuple[Item, ...], bool]:
    """The items up to ``limit + 1`` (the pages a busy address costs) and whether there were more than ``limit``."""
    got: list[Item] = []
    for item in items:
        got.append(item)
        if limit is not None and len(got) > limit:
            return tuple(got), True
    return tuple(got), False


@dataclass(frozen=True)
class PrefetchStats:
    """What the prefetcher did in one run: ``wasted`` histories were fetched (or started) and never used."""

    submitted: int
    used: int
    wasted: int


class HistoryPrefetcher:
    """Per-chain worker pools feeding an in-memory history cache keyed by :data:`HistoryKey`.

    Only the loop's thread calls these methods; the workers only run :func:`fetch_history`.
    """

    def __init__(self, adapters: Mapping[Chain, ChainAdapter], workers: Mapping[Chain, int]) -> None:
        self._adapters = adapters
        self._depth = {chain: n * DEPTH_PER_WORKER for chain, n in workers.items() if n > 0 and chain in adapters}
        self._pools = {chain: ThreadPoolExecutor(max_workers=workers[chain], thread_name_prefix=f"prefetch-{chain}")
                       for chain in self._depth}
        self._futures: dict[HistoryKey, Future[FetchedHistory]] = {}
        self._held: Counter[Chain] = Counter()
        self.submitted = 0
        self.used = 0
        self.wasted = 0

    @property
    def active(self) -> bool:
        """True when at least one chain has workers."""
        return bool(self._pools)

    def room(self, chain: Chain) -> bool:
        """True when ``chain`` has workers and fewer histories ahead than its depth."""
        return self._held[chain] < self._depth.get(chain, 0)

    @property
    def depth(self) -> int:
        """Histories kept ahead over all chains at most."""
        return sum(self._depth.values())

    def any_room(self) -> bool:
        """True when some chain can take another history."""
        return any(self._held[chain] < depth for chain, depth in self._depth.items())

    def holds(self, key: HistoryKey) -> bool:
        """True when ``key`` was submitted and not yet taken or dropped."""
        return key in self._futures

    def submit(self, node: Address, final_block: int | None, limit: int | None) -> None:
        """Start fetching ``node``'s history on its chain's workers (no-op when held or without room)."""
        key: HistoryKey = (node.chain, node.value, final_block)
        if key in self._futures or not self.room(node.chain):
            return
        adapter = self._adapters[node.chain]
        self._futures[key] = self._pools[node.chain].submit(fetch_history, adapter, node.value, final_block, limit)
        self._held[node.chain] += 1
        self.submitted += 1

    def take(self, node: Address, final_block: int | None) -> FetchedHistory | None:
        """The history fetched for ``node`` (waiting for it when still in flight), or None when never submitted."""
        future = self._futures.pop((node.chain, node.value, final_block), None)
        if future is None:
            return None
        self._held[node.chain] -= 1
        self.used += 1
        return future.result()

    def drop(self, node: Address, final_block: int | None) -> None:
        """Forget ``node``'s history: the loop handled the node without reading it (counted as wasted). The fetch
        is not cancelled: which requests a trace makes (and archives) must not depend on how fast they went."""
        if self._futures.pop((node.chain, node.value, final_block), None) is not None:
            self._held[node.chain] -= 1
            self.wasted += 1

    def close(self, *, finished: bool = True) -> PrefetchStats:
        """Stop the workers and count what was never used. After a finished loop every submitted fetch completes
        (the same requests whatever the timing); after an error queued fetches are cancelled and running ones
        are not waited for."""
        if not finished:
            for future in self._futures.values():
                future.cancel()
        self.wasted += len(self._futures)
        self._futures.clear()
        self._held.clear()
        for pool in self._pools.values():
            pool.shutdown(wait=finished, cancel_futures=not finished)
        stats = PrefetchStats(self.submitted, self.used, self.wasted)
        if stats.submitted:
            logger.info("prefetch: %d histories fetched ahead, %d used, %d wasted", stats.submitted, stats.used,
                        stats.wasted)
        return stats

NO_PREFETCH = HistoryPrefetcher({}, {})
"""No workers: every history is read by the loop itself (also the state between runs)."""
