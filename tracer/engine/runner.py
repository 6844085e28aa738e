"""TraceEngine: best-first expansion of the frontier kept in the store (docs/methodology.md §1.4).

Loop: take the pending node with the most stolen value, decide whether it stops the trace (label, hop limit,
min value, busy, deposit address), otherwise fetch its history and allocate its taint; commit the node's
contributions, endpoints and links in one transaction and mark its receivers pending. Re-running continues from
what is pending; a finished case has nothing pending and makes no request.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from chains.base import UtxoAdapter
from db.records import Contribution, Expansion
from tracer.engine.account import expand_account
from tracer.engine.bridges import expand_bridge
from tracer.engine.classify import Terminal, classify
from tracer.engine.clusters import ClusterTracker
from tracer.engine.context import TraceContext
from tracer.engine.deposit import detect_deposit
from tracer.engine.instant import match_instant
from tracer.engine.mixers import demix_pool
from tracer.engine.ports import ProgressEvent, TraceRepository
from tracer.engine.prefetch import NO_PREFETCH, FetchedHistory, HistoryPrefetcher, fetch_history
from tracer.engine.rates import ApiRates
from tracer.engine.seeding import seed_contributions, stolen_assets, stolen_inflows
from tracer.engine.turns import next_node
from tracer.engine.utxo import expand_utxo
from tracer.errors import AddressTooLarge, InvalidAnswer
from tracer.model import Address, Category, Endpoint, EndpointStatus, Seed, StopReason, Transfer

logger = logging.getLogger(__name__)

INFRASTRUCTURE_CATEGORIES = frozenset({Category.OTHER, Category.DEFI, Category.MINING})
BUSY_LABELLED_SENDERS = 20  # distinct senders that make a labelled non-terminal address someone's infrastructure
MAX_EXPANSIONS_PER_NODE = 64
"""Re-expansions of a node beyond one per tainted inbound transfer: a cost bound, past which taint still arriving is
reported as ``keeps_receiving``. Taint only moves forward in time, so re-expansion converges even around a cycle;
the bound only stops dust circulating for long.

Why this large, and per inbound transfer: a consolidation wallet or a bridge router paid by dozens of the
launderer's wallets is re-expanded each time another of them adds taint, and every wallet downstream of it with
it. A fixed cap of 8 stopped THORChain's router after 8 of 48 deposits on a large world: no crossing linked, 42%
of the value lost."""


@dataclass
class RunStats:
    """What one run did."""

    nodes_expanded: int = 0
    pending_left: int = 0
    budget_hit: bool = False
    prefetched: int = 0  # histories fetched ahead by the API workers
    prefetch_wasted: int = 0  # of those, never read (the node stopped for another reason)


class TraceEngine:
    """Runs a case's trace to completion (or until interrupted; then re-run to resume)."""

    def __init__(self, ctx: TraceContext, repo: TraceRepository, *,
                 progress: Callable[[ProgressEvent], None] | None = None) -> None:
        self.ctx = ctx
        self.repo = repo
        self.progress = progress
        self.clusters = ClusterTracker(ctx.labels)
        self._prefetcher = NO_PREFETCH
        self._not_read: dict[Address, tuple[int, float]] = {}  # nodes the prefetcher skipped, at (hop, priority)

    def seed(self, seeds: Sequence[Seed], since: Mapping[str, int | datetime | None]) -> dict[str, int]:
        """Record the stolen inflows of every seed; returns origin -> stolen amount. Idempotent."""
        stolen: dict[str, int] = defaultdict(int)
        for seed in seeds:
            node = seed.address
            adapter = self.ctx.adapter(node.chain)
            start = since.get(str(node))
            inflows = stolen_inflows(adapter, node, tx_hash=seed.tx_hash,
                                     since_block=start if isinstance(start, int) else None,
                                     final_block=self.ctx.final_block(node.chain),
                                     since_time=start if isinstance(start, datetime) else None)
            inflows = stolen_assets(inflows, self.ctx.prices, self.ctx.params.assets)
            contributions = seed_contributions(node, inflows)
            self.repo.add_seed_node(self.ctx.case_id, node, contributions)
            for c in contributions:
                stolen[c.origin] += c.origin_amount
                self.ctx.origin_assets.setdefault(c.origin, c.transfer.asset)
        return dict(stolen)

    def run(self) -> RunStats:
        """Expand pending nodes until none is left or the address budget is spent.

        The loop is sequential and deterministic: best-first within a chain, chains in weighted turns
        (:mod:`tracer.engine.turns`); only the histories it is about to read are fetched ahead, per API, by
        :class:`~tracer.engine.prefetch.HistoryPrefetcher` (none when no chain has workers).
        """
        stats = RunStats()
        done = 0
        self.clusters.add(self.repo.links(self.ctx.case_id))  # resume: clusters found by earlier runs
        self._prefetcher = HistoryPrefetcher(self.ctx.services.adapters, self.ctx.services.fetch_workers)
        self._not_read = {}
        rates = ApiRates(self.ctx.services.request_counts)
        committed = self.repo.expansion_count(self.ctx.case_id)  # whose turn it is (tracer.engine.turns)
        completed = False
        try:
            while True:
                pending = self.repo.pending_nodes(self.ctx.case_id)
                if not pending:
                    break
                if self._prefetcher.active:
                    self._prefetch(pending, done)
                node, hop, _priority = next_node(pending, committed, self.ctx.services.history_cost)
                state = self.repo.node(self.ctx.case_id, node)
                incoming = self.repo.incoming(self.ctx.case_id, node)
                expansions = state.expansions if state else 0
                if done >= self.ctx.params.address_budget:
                    stats.budget_hit = True
                    exp = self._stop(node, hop, incoming, None, StopReason.ADDRESS_BUDGET)
                elif expansions >= _expansion_cap(incoming):  # not the budget: this node keeps receiving taint
                    exp = self._stop(node, hop, incoming, None, StopReason.KEEPS_RECEIVING)
                else:
                    exp = self.expand(node, hop, incoming)
                self._prefetcher.drop(node, self.ctx.final_block(node.chain))  # fetched ahead, then not read
                self._commit(node, hop, exp)
                self.clusters.add(exp.links)
                committed += 1
                done += 1
                stats.nodes_expanded += 1
                if self.progress is not None:
                    self.progress(ProgressEvent(done, len(pending) - 1, self.ctx.services.requests(),
                                                self._accounted(), str(node), rates.now()))
            completed = True
        finally:
            prefetched = self._prefetcher.close(finished=completed)
            self._prefetcher = NO_PREFETCH
        stats.prefetched, stats.prefetch_wasted = prefetched.submitted, prefetched.wasted
        return stats

    def _prefetch(self, pending: Sequence[tuple[Address, int, float]], done: int) -> None:
        """Hand the next pending nodes whose history the loop will read to their API's workers.

        Only nodes that are past every stop that does not need the history (labels, hop limit, re-expansion cap,
        minimum value) are fetched ahead: a node skipped here is remembered with its (hop, priority) and looked at
        again only when more taint reached it. Near the address budget nothing is: nodes found later may come
        first, and a node pushed past the budget stops without reading its history.
        """
        ctx, prefetcher = self.ctx, self._prefetcher
        for index, (node, hop, priority) in enumerate(pending):
            if done + index + prefetcher.depth >= ctx.params.address_budget or not prefetcher.any_room():
                return
            final = ctx.final_block(node.chain)
            if not prefetcher.room(node.chain) or prefetcher.holds((node.chain, node.value, final)):
                continue
            if self._not_read.get(node) == (hop, priority):
                continue
            if self._reads_history(node, hop):
                prefetcher.submit(node, final, None if str(node) in ctx.seeds else ctx.params.busy_threshold)
            else:
                self._not_read[node] = (hop, priority)

    def _reads_history(self, node: Address, hop: int) -> bool:
        """Whether :meth:`expand` would read ``node``'s history now (the checks it makes before reading)."""
        ctx = self.ctx
        state = self.repo.node(ctx.case_id, node)
        incoming = self.repo.incoming(ctx.case_id, node)
        if state is not None and state.expansions >= _expansion_cap(incoming):
            return False
        if str(node) in ctx.seeds:
            return True
        if classify(ctx.labels, node.chain, node.value) is not None or hop > ctx.params.max_hops:
            return False
        return not _below_min(ctx, incoming)

    def _history(self, node: Address, is_seed: bool) -> FetchedHistory:
        """``node``'s history: fetched ahead by the prefetcher, or read now."""
        final = self.ctx.final_block(node.chain)
        fetched = self._prefetcher.take(node, final)
        if fetched is None:
            limit = None if is_seed else self.ctx.params.busy_threshold
            fetched = fetch_history(self.ctx.adapter(node.chain), node.value, final, limit)
        return fetched

    # -- one node ----------------------------------------------------------------------------------------------
    def expand(self, node: Address, hop: int, incoming: Sequence[Contribution]) -> Expansion:
        """Decide and expand one node (no store writes)."""
        ctx = self.ctx
        is_seed = str(node) in ctx.seeds
        if not is_seed:
            terminal = classify(ctx.labels, node.chain, node.value)
            if terminal is not None:
                if terminal.category is Category.BRIDGE:
                    return expand_bridge(ctx, node, hop, incoming, terminal.service, _confidence(incoming))
                exp = self._stop(node, hop, incoming, terminal, StopReason.LABELLED_SERVICE)
                if terminal.category is Category.MIXER and ctx.params.demix:
                    demix_pool(ctx, node, hop, incoming, exp)
                if terminal.category is Category.INSTANT_EXCHANGE and ctx.params.match_instant:
                    match_instant(ctx, node, hop, incoming, terminal.service, exp)
                return exp
            if hop > ctx.params.max_hops:
                return self._stop(node, hop, incoming, None, StopReason.HOP_LIMIT)
            if _below_min(ctx, incoming):
                return self._stop(node, hop, incoming, None, StopReason.BELOW_MIN_VALUE)
        fetched = self._history(node, is_seed)
        if isinstance(fetched.error, AddressTooLarge):
            return self._stop(node, hop, incoming, None, StopReason.BUSY_ADDRESS)
        if isinstance(fetched.error, InvalidAnswer):  # asked twice, invalid twice: nothing of it is stored as value
            return self._stop(node, hop, incoming, None, StopReason.UNREADABLE, detail=str(fetched.error))
        if fetched.error is not None:
            raise fetched.error
        if fetched.busy:
            return self._stop(node, hop, incoming, None, StopReason.BUSY_ADDRESS)
        if isinstance(ctx.adapter(node.chain), UtxoAdapter):
            try:  # what the UTXO expansion itself reads may be too large or invalid as well
                txs = list(fetched.utxo_txs)
                if not is_seed:
                    deposit = detect_deposit(ctx, node, utxo_txs=txs)
                    if deposit is not None:
                        return self._stop(node, hop, incoming, deposit, StopReason.DEPOSIT_ADDRESS)
                return expand_utxo(ctx, node, hop, incoming, txs, _confidence(incoming), ctx.services.coinjoin)
            except AddressTooLarge:
                return self._stop(node, hop, incoming, None, StopReason.BUSY_ADDRESS)
            except InvalidAnswer as exc:
                return self._stop(node, hop, incoming, None, StopReason.UNREADABLE, detail=str(exc))
        history = list(fetched.transfers)
        if not is_seed and _busy_labelled(ctx, node, history):
            return self._stop(node, hop, incoming, None, StopReason.BUSY_ADDRESS)
        if not is_seed:
            deposit = detect_deposit(ctx, node, transfers=history)
            if deposit is not None:
                return self._stop(node, hop, incoming, deposit, StopReason.DEPOSIT_ADDRESS)
        return expand_account(ctx, node, hop, incoming, history, _confidence(incoming))

    def _stop(self, node: Address, hop: int, incoming: Sequence[Contribution], terminal: Terminal | None,
              reason: StopReason, detail: str = "") -> Expansion:
        """The node keeps all the taint that reached it, as endpoints with the reason."""
        exp = Expansion(node)
        if terminal is not None:
            status, category, service, conf = terminal.status, terminal.category, terminal.service, terminal.confidence
        elif reason is StopReason.BUSY_ADDRESS:
            status, category, service, conf = EndpointStatus.UNKNOWN, Category.SERVICE, "unlabelled busy address", 1.0
        elif reason is StopReason.UNREADABLE:
            status, category, service, conf = EndpointStatus.UNKNOWN, None, f"unreadable: {detail}"[:200], 1.0
        else:
            status, category, service, conf = EndpointStatus.UNKNOWN, None, None, 1.0
        path = _confidence(incoming)
        for c in incoming:
            exp.endpoints.append(Endpoint(node.chain, node.value, c.transfer.asset, c.amount, status, category,
                                          reason, service, hop, round(path * conf, 6), c.origin, c.origin_amount))
        return exp

    def _commit(self, node: Address, hop: int, exp: Expansion) -> None:
        before = self.repo.outgoing(self.ctx.case_id, node)
        previous = {(c.transfer.id, c.origin): (c.amount, c.origin_amount) for c in before}
        current = {(c.transfer.id, c.origin): (c.amount, c.origin_amount) for c in exp.contributions}
        touched: dict[Address, tuple[int, float]] = {}
        # A receiver whose taint from this node shrank to nothing (a re-expansion that stops, or allocates
        # elsewhere) must be re-expanded too: what it passed on from that taint no longer exists.
        for c in before:
            receiver = c.receiver
            if receiver is not None and receiver != node and (c.transfer.id, c.origin) not in current:
                h, p = touched.get(receiver, (c.hop, 0.0))
                touched[receiver] = (min(h, c.hop), p)
        for c in exp.contributions:
            receiver = c.receiver
            if receiver is None or receiver == node:
                continue
            changed = previous.get((c.transfer.id, c.origin)) != current[(c.transfer.id, c.origin)]
            if changed or self.repo.node(self.ctx.case_id, receiver) is None:
                h, p = touched.get(receiver, (c.hop, 0.0))
                touched[receiver] = (min(h, c.hop), p + self.ctx.share(c.origin, c.origin_amount))
        self.repo.commit_expansion(self.ctx.case_id, exp, hop, [(k, h, p) for k, (h, p) in sorted(touched.items())])

    def _accounted(self) -> float:
        endpoints = self.repo.endpoints(self.ctx.case_id)
        origins = max(1, len(self.ctx.stolen))
        return sum(self.ctx.share(e.origin, e.origin_amount) for e in endpoints
                   if not e.origin.startswith("inferred:")) / origins


def _busy_labelled(ctx: TraceContext, node: Address, history: Sequence[Transfer]) -> bool:
    """Someone's infrastructure, not a launderer's wallet: labelled with a non-terminal category that is not a
    person's (a router or pool imported as "other"/"defi") and paid by many distinct senders. Such an address is
    a busy stop, not a wallet to expand (and re-expand) -- its outflows are other users' money."""
    categories = {lab.category for lab in ctx.labels.labels_of(node.chain, node.value)}
    if not categories & INFRASTRUCTURE_CATEGORIES:
        return False
    senders = {t.from_address for t in history if t.to_address == node.value}
    return len(senders) >= BUSY_LABELLED_SENDERS


def _expansion_cap(incoming: Sequence[Contribution]) -> int:
    """How often a node may be expanded: once per tainted inbound transfer, plus MAX_EXPANSIONS_PER_NODE."""
    return MAX_EXPANSIONS_PER_NODE + len({c.transfer.id for c in incoming})


def _confidence(incoming: Sequence[Contribution]) -> float:
    return max((c.confidence for c in incoming), default=1.0)


def _below_min(ctx: TraceContext, incoming: Sequence[Contribution]) -> bool:
    if not ctx.min_origin_amount or not incoming:
        return False
    totals: dict[str, int] = defaultdict(int)
    for c in incoming:
        totals[c.origin] += c.origin_amount
    return all(amount < ctx.min_origin_amount.get(origin.removeprefix("inferred:"), 0)
               for origin, amount in totals.items())
