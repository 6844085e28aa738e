"""One monitoring cycle: find watched wallets that moved, alert, extend their cases, grow the watchlist.

Cheap first: on EVM chains balances are read 20 addresses per ``balancemulti`` call, and one chain-wide scan of
token ``Transfer`` logs per block window names the wallets whose tokens were pulled by a spender (``transferFrom``
costs the owner no gas, so its balance does not move); on TRON one ``/v1/accounts/{a}`` per wallet gives TRX and
TRC-20 balances (a TRC-20 transfer paid with staked energy leaves TRX unchanged); on Bitcoin any spend changes the
balance. Only wallets whose balances changed, or that sent a token, get a history request. Other chains read
history since the cursor. Only movements at or below ``tip - confirmations`` alert, so a reorganised
block never yields a wrong alert; a wallet with newer (unconfirmed) activity keeps its old balance so it is looked
at again next cycle. Alerts are idempotent by (chain, address, tx, kind): after a kill -9 the next cycle redoes
the work and stores nothing twice. The cursor moves only after the wallet's alerts are stored.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from chains.base import Capability, ChainAdapter, UtxoAdapter
from db.locks import case_lock
from db.records import MonitorCursor, WatchEntry
from db.store import Store
from tracer.engine.classify import classify
from tracer.engine.ports import TraceServices
from tracer.engine.utxo import output_transfer
from tracer.errors import ChainError
from tracer.model import Alert, Category, Chain, Direction, LabelLookup, Severity, Transfer
from tracer.monitor.notify import WebhookSink
from tracer.monitor.probes import BalanceStates, TokenSenders
from tracer.units import units

logger = logging.getLogger(__name__)

BALANCE_PRECHECK_CHAINS = frozenset({Chain.ETHEREUM, Chain.BSC, Chain.ARBITRUM, Chain.BASE, Chain.POLYGON,
                                     Chain.OPTIMISM, Chain.AVALANCHE, Chain.BITCOIN})
"""Chains where every outgoing movement the owner signs changes the native balance (gas, or the spent output). Not
TRON: a TRC-20 transfer paid with staked energy and free bandwidth leaves the TRX balance unchanged (its adapter
gives :class:`BalanceStates` instead). On EVM chains a token pulled by a third party through an earlier approval
(transferFrom) costs the owner no gas: adapters with :class:`TokenSenders` catch it."""

HIGH_SEVERITY = frozenset({Category.EXCHANGE, Category.DEPOSIT, Category.OTC, Category.BRIDGE, Category.MIXER,
                           Category.COINJOIN, Category.INSTANT_EXCHANGE})


@dataclass
class CycleReport:
    """What one cycle did."""

    watched: int = 0
    checked: int = 0
    moved: list[str] = field(default_factory=list)
    new_alerts: list[Alert] = field(default_factory=list)
    delivered: int = 0
    undelivered: int = 0
    extended_cases: list[str] = field(default_factory=list)
    new_watches: int = 0
    requests: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


Extend = Callable[[int, Sequence[tuple[Chain, str]], Mapping[str, int]], list[tuple[Chain, str]]]
"""(case id, moved wallets, new tips) -> new holding wallets of the extended case."""


class Monitor:
    """Polls the watchlist with the configured adapters."""

    def __init__(self, store: Store, services: TraceServices, *, extend: Extend | None = None,
                 sink: WebhookSink | None = None, auto_watch_cap: int = 5000) -> None:
        self.store = store
        self.adapters: Mapping[Chain, ChainAdapter] = services.adapters
        self.labels: LabelLookup = services.labels
        self.confirmations = services.confirmations
        self.extend = extend
        self.sink = sink
        self.auto_watch_cap = auto_watch_cap
        self.requests: Callable[[], int] = services.requests

    def run_once(self) -> CycleReport:
        """One full cycle over every active watch, then the webhook delivery."""
        report = self.cycle()
        self.deliver(report)
        return report

    def cycle(self) -> CycleReport:
        """Poll, alert and extend -- everything but the webhook, which :meth:`deliver` does (outside the monitor
        lock, so a slow receiver never holds it)."""
        started, before = time.monotonic(), self.requests()
        report = CycleReport()
        self._sent: dict[int, list[Transfer]] = defaultdict(list)
        self._cursors_after: dict[int, list[tuple[Chain, str, int, int | None]]] = defaultdict(list)
        watch = self.store.watchlist()
        report.watched = len(watch)
        by_chain: dict[Chain, list[WatchEntry]] = defaultdict(list)
        for entry in watch:
            by_chain[entry.chain].append(entry)
        moved_by_case: dict[int, list[tuple[Chain, str]]] = defaultdict(list)
        tips: dict[str, int] = {}
        for chain, entries in sorted(by_chain.items(), key=lambda kv: kv[0].value):
            adapter = self.adapters.get(chain)
            if adapter is None:
                report.errors.append(f"no adapter for {chain.value}: {len(entries)} watched wallets skipped")
                continue
            try:
                tip = adapter.latest_block()
                tips[chain.value] = tip
                self._poll_chain(chain, adapter, entries, tip, report, moved_by_case)
            except ChainError as exc:
                report.errors.append(f"{chain.value}: {exc} (the next cycle retries)")
        for case_id, moved in sorted(moved_by_case.items()):
            self._extend(case_id, moved, tips, report)
        report.undelivered = len(self.store.undelivered_alerts())
        report.requests = self.requests() - before
        report.seconds = time.monotonic() - started
        return report

    def _poll_chain(self, chain: Chain, adapter: ChainAdapter, entries: Sequence[WatchEntry], tip: int,
                    report: CycleReport, moved_by_case: dict[int, list[tuple[Chain, str]]]) -> None:
        safe = max(0, tip - self.confirmations)
        addresses = sorted({e.address for e in entries})
        stored = self.store.cursors(chain, addresses)
        cursors = {a: stored.get(a) for a in addresses}
        balances: dict[str, int] = {}
        if isinstance(adapter, BalanceStates):
            balances = adapter.balance_states(addresses)
        elif Capability.BALANCES in adapter.capabilities and chain in BALANCE_PRECHECK_CHAINS:
            balances = adapter.balances(addresses)
        senders = self._token_senders(adapter, cursors, tip) if balances else {}
        cases_of: dict[str, list[int | None]] = defaultdict(list)
        for e in entries:
            cases_of[e.address].append(e.case_id)
        quiet: list[str] = []
        for address in addresses:
            cursor = cursors[address]
            if cursor is None:
                baseline = self._baseline(chain, cases_of[address], safe)
                if baseline >= safe:  # first look at a manual watch: start from now, nothing to read yet
                    self.store.set_cursor(chain, address, safe, balances.get(address))
                    continue
            else:
                baseline = cursor.last_block
                if (balances and cursor.last_balance is not None and balances.get(address) == cursor.last_balance
                        and senders.get(address, -1) <= baseline):
                    quiet.append(address)
                    continue  # nothing moved: no history request
            report.checked += 1
            outgoing = _outgoing(adapter, address, baseline + 1, tip)
            confirmed = [t for t in outgoing if baseline < t.block_number <= safe]
            unconfirmed = any(t.block_number > safe for t in outgoing)
            if confirmed:
                report.moved.append(f"{chain.value}:{address}")
                for case_id in cases_of[address]:
                    for alert in self._alerts(chain, address, confirmed):
                        if self.store.add_alert(alert, case_id):
                            report.new_alerts.append(alert)
                    if case_id is not None:
                        moved_by_case[case_id].append((chain, address))
                        self._sent[case_id].extend(confirmed)
            keep_balance = cursor.last_balance if (unconfirmed and cursor is not None) else balances.get(address)
            update = (chain, address, safe, None if unconfirmed and cursor is None else keep_balance)
            cases = [c for c in cases_of[address] if c is not None]
            if confirmed and cases and self.extend is not None:
                # The cursor of a moved wallet advances only once its case has been extended: a monitor killed
                # in between redoes the movement next cycle (alerts are idempotent) instead of skipping it.
                for case_id in cases:
                    self._cursors_after[case_id].append(update)
            else:
                self.store.set_cursor(*update)
        if isinstance(adapter, TokenSenders):
            # The token scan starts at the oldest cursor: quiet wallets' cursors move up with the chain, or the
            # scanned window (and its cost) would grow every cycle.
            self.store.advance_cursors(chain, quiet, safe)

    @staticmethod
    def _token_senders(adapter: ChainAdapter, cursors: Mapping[str, MonitorCursor | None],
                       tip: int) -> dict[str, int]:
        """Wallets that sent a token since their cursor, for those the balance pre-check could skip: one scan from
        the oldest such cursor to the tip (a send above ``safe`` is found again next cycle, as the cursor stays
        at ``safe``)."""
        if not isinstance(adapter, TokenSenders):
            return {}
        skippable = {a: c.last_block for a, c in cursors.items() if c is not None and c.last_balance is not None}
        if not skippable or min(skippable.values()) >= tip:
            return {}
        return adapter.token_senders(sorted(skippable), min(skippable.values()) + 1, tip)

    def _baseline(self, chain: Chain, case_ids: Sequence[int | None], safe: int) -> int:
        """Where a never-polled wallet starts: its case's traced tip (so later moves alert), else now."""
        starts = []
        for case_id in case_ids:
            info = self.store.case_by_id(case_id) if case_id is not None else None
            if info is not None and chain.value in info.tips:
                starts.append(max(0, info.tips[chain.value] - self.confirmations))
        return min(starts) if starts else safe

    def _alerts(self, chain: Chain, address: str, transfers: Sequence[Transfer]) -> list[Alert]:
        by_tx: dict[tuple[str, str], list[Transfer]] = defaultdict(list)
        for t in transfers:
            by_tx[(t.tx_hash, t.kind.value)].append(t)
        alerts = []
        for (tx_hash, kind), group in sorted(by_tx.items()):
            main = max(group, key=lambda t: (t.amount, t.index))
            amount = sum(t.amount for t in group if t.asset == main.asset)
            contacts = [classify(self.labels, chain, t.to_address) for t in group if t.to_address]
            hit = next((c for c in contacts if c is not None and c.category in HIGH_SEVERITY), None)
            severity = Severity.HIGH if hit is not None else Severity.INFO
            where = f"to {hit.service} ({hit.category.value})" if hit else \
                f"to {', '.join(sorted({t.to_address or '?' for t in group}))[:200]}"
            message = f"watched wallet sent {units(amount, main.asset.decimals)} {main.asset.symbol} {where}"
            alerts.append(Alert(chain, address, tx_hash, main.timestamp, f"{kind}_out", amount, main.asset,
                                severity, message))
        return alerts

    def _extend(self, case_id: int, moved: list[tuple[Chain, str]], tips: Mapping[str, int],
                report: CycleReport) -> None:
        if self.extend is None:
            return
        info = self.store.case_by_id(case_id)
        name = info.name if info is not None else str(case_id)
        lock = case_lock(self.store.engine, name, wait=0.0) if info is not None else None
        if lock is not None and not lock.try_acquire():
            # A trace of this case is running: extending it now would interleave two writers. The moved wallets'
            # cursors stay put, so the next cycle redoes this movement (alerts are idempotent) and extends then.
            report.errors.append(f"case {name!r} is being traced by another process; extending it next cycle")
            return
        try:
            holders = self.extend(case_id, moved, tips)
        except ChainError as exc:
            report.errors.append(f"extending case {case_id}: {exc} (the next cycle retries)")
            return
        finally:
            if lock is not None:
                lock.release()
        report.extended_cases.append(name)
        self._first_contacts(case_id, report)
        for update in self._cursors_after.pop(case_id, []):
            self.store.set_cursor(*update)
        watched = len(self.store.watchlist())
        for chain, address in holders:
            if watched >= self.auto_watch_cap:
                report.errors.append(f"auto-watch cap {self.auto_watch_cap} reached; not watching more wallets")
                break
            if self.store.add_watch(WatchEntry(chain, address, case_id, "auto: holds stolen funds", origin="auto")):
                report.new_watches += 1
                watched += 1

    def _first_contacts(self, case_id: int, report: CycleReport) -> None:
        """After the extension: a recipient the engine found to be an exchange deposit address, OTC desk, bridge
        or mixer (by behaviour, not only by label) is a first contact -- a high-severity alert of its own."""

        exits = {(e.chain, e.address): e for e in self.store.trace_repository().endpoints(case_id)
                 if e.category in HIGH_SEVERITY}
        for t in self._sent.get(case_id, []):
            hit = exits.get((t.chain, t.to_address or ""))
            if hit is None or t.from_address is None:
                continue
            assert hit.category is not None
            service = hit.service or hit.category.value
            alert = Alert(t.chain, t.from_address, t.tx_hash, t.timestamp, f"contact_{hit.category.value}", t.amount,
                          t.asset, Severity.HIGH,
                          f"first contact: {units(t.amount, t.asset.decimals)} {t.asset.symbol} reached {service} "
                          f"({hit.category.value}) at {t.to_address}")
            if self.store.add_alert(alert, case_id):
                report.new_alerts.append(alert)

    def deliver(self, report: CycleReport) -> None:
        """Post the alerts not yet delivered (this cycle's and any kept from earlier ones)."""
        pending = self.store.undelivered_alerts()
        if self.sink is None:
            report.undelivered = len(pending)
            return
        delivered = self.sink.deliver(pending)
        self.store.mark_delivered(delivered)
        report.delivered = len(delivered)
        report.undelivered = len(pending) - len(delivered)


def _outgoing(adapter: ChainAdapter, address: str, since_block: int, tip: int) -> list[Transfer]:
    """Followable value the address sent since ``since_block``.

    On UTXO chains a spend is a tx with one of the address's outputs among its inputs (the address need not be the
    first input, which is what ``Transfer.from_address`` names), so the outputs of such txs are what it sent.
    """
    if isinstance(adapter, UtxoAdapter):
        sent: list[Transfer] = []
        for tx in adapter.transactions_of(address, since_block=since_block, until_block=tip):
            if any(i.address == address for i in tx.inputs):
                sent.extend(replace(output_transfer(tx, o.index), from_address=address)
                            for o in tx.outputs if o.address != address and o.amount > 0)
        return sent
    return [t for t in adapter.transfers_of(address, direction=Direction.OUT, since_block=since_block, until_block=tip)
            if t.from_address == address and t.followable]
