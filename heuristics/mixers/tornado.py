"""Tornado-style fixed-denomination pool linking: deposit/withdrawal types, heuristics H1-H5, combination.

Heuristic family from Wang et al., "On How Zero-Knowledge Proof Blockchain Mixers Improve, and Worsen User
Privacy" (WWW 2023, arXiv:2201.09035) as implemented in pareto-xyz/tutela-app ``src/tcash/heuristic.py`` and
described in its ``whitepaper/6_tcash.tex`` (docs/methodology.md §3.1):

* H1 address match -- the withdrawal recipient is the address that made an earlier deposit in the same pool
  (Tutela "exact match").
* H2 unique gas price -- a self-relayed withdrawal (no relayer) and an earlier deposit share a gas price that
  no other pool transaction in the window uses (pre-EIP-1559 behaviour; relayers are excluded because they
  set their own prices).
* H3 linked addresses -- the depositor and the recipient are known to interact outside Tornado (Tutela: at
  least three non-Tornado transactions); supplied by the caller through :class:`TornadoCallbacks`.
* H4 multi-denomination -- the same portfolio of pools (e.g. 100 ETH x3 + 0.1 ETH x2) deposited by one address
  within a window and withdrawn by one recipient within a window (:mod:`heuristics.mixers.tornado_multi`).
* H5 here is FIFO/time matching (Cristodaro, Kraner, Tessone, arXiv:2510.09433 -- unconfirmed, v3 withdrawn),
  *not* Tutela's TORN anonymity-mining H5, which needs AP claim data we do not have. It is weak by design.

Links are combined per (deposit, withdrawal) pair by noisy-OR over the heuristics that fired,
``1 - prod(1 - c_h)``, capped at :data:`MAX_LINK_CONFIDENCE`; evidence is E4 when any of H1-H4 fired and E5
when only the FIFO rule did (methodology §1.4: speculative demixing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from heuristics.base import Finding, make_evidence
from heuristics.mixers.pools import Pool
from tracer.model import EvidenceClass

H1_CONFIDENCE = 0.9
"""Address reuse between deposit and withdrawal: near-certain same owner, but address sharing exists."""
H2_CONFIDENCE = 0.75
"""Unique shared gas price: strong but coincidences happen (Tutela found only 102 such links)."""
H3_CONFIDENCE = 0.6
"""Depositor and recipient interact outside Tornado: same owner or close counterparties."""
H2_WINDOW = timedelta(days=7)
"""Gas-price uniqueness is judged among pool transactions within this many days before the withdrawal."""
H3_WINDOW = timedelta(days=90)
"""H3 only asks the callback about withdrawals at most this long after the deposit (bounds callback calls)."""
MAX_LINK_CONFIDENCE = 0.99
"""A heuristic link is never certain."""

RULE_PREFIX = "mixers.tornado"


@dataclass(frozen=True, slots=True)
class PoolDeposit:
    """A deposit into a pool. ``depositor`` is the tx sender (None when unknown, e.g. events-only data)."""

    tx_hash: str
    block: int
    timestamp: datetime
    pool: Pool
    depositor: str | None
    gas_price: int | None  # wei; for EIP-1559 txs the effective gas price


@dataclass(frozen=True, slots=True)
class PoolWithdrawal:
    """A withdrawal from a pool. ``relayer`` is None when the recipient sent the tx itself."""

    tx_hash: str
    block: int
    timestamp: datetime
    pool: Pool
    recipient: str
    relayer: str | None
    fee: int  # base units of the pool asset paid to the relayer
    gas_price: int | None


@dataclass(frozen=True, slots=True)
class TornadoCallbacks:
    """Context the linkers may need beyond the events; every callback is optional."""

    interacted: Callable[[str, str], bool] | None = None
    """True if the two addresses transacted with each other outside Tornado (Tutela: >= 3 txs)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One heuristic's vote that ``withdrawal`` spends the note created by ``deposit``."""

    heuristic: str  # "address_match" | "unique_gas_price" | "linked_addresses" | "multi_denomination" | "fifo_time"
    deposit: PoolDeposit
    withdrawal: PoolWithdrawal
    confidence: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PoolLink(Finding):
    """A scored deposit -> withdrawal hypothesis with the heuristics that support it."""

    deposit: PoolDeposit = field(kw_only=True)
    withdrawal: PoolWithdrawal = field(kw_only=True)
    heuristics: tuple[str, ...] = field(kw_only=True)


def _precedes(d: PoolDeposit, w: PoolWithdrawal) -> bool:
    # A note must be in the tree before it is withdrawn: strictly earlier block, same pool.
    return d.pool == w.pool and d.block < w.block


def link_address_match(deposits: Iterable[PoolDeposit], withdrawals: Iterable[PoolWithdrawal]) -> list[Candidate]:
    """H1: withdrawal recipient == depositor of an earlier deposit in the same pool (case-insensitive)."""
    by_owner: dict[tuple[str, str], list[PoolDeposit]] = defaultdict(list)
    for d in deposits:
        if d.depositor:
            by_owner[(d.pool.address, d.depositor.lower())].append(d)
    out: list[Candidate] = []
    for w in withdrawals:
        for d in by_owner.get((w.pool.address, w.recipient.lower()), ()):
            if _precedes(d, w):
                out.append(Candidate("address_match", d, w, H1_CONFIDENCE, f"address {w.recipient.lower()}"))
    return out


def link_unique_gas_price(
    deposits: Iterable[PoolDeposit],
    all_deposits: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
) -> list[Candidate]:
    """H2: a self-relayed withdrawal and one earlier deposit share a gas price used by no other pool tx in the
    :data:`H2_WINDOW` before the withdrawal. Withdrawals through a relayer are skipped."""
    events: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for d in all_deposits:
        if d.gas_price is not None:
            events[d.gas_price].append((d.timestamp, d.tx_hash))
    for w in all_withdrawals:
        if w.gas_price is not None:
            events[w.gas_price].append((w.timestamp, w.tx_hash))
    wanted = {d.tx_hash: d for d in deposits if d.gas_price is not None}
    out: list[Candidate] = []
    for w in all_withdrawals:
        if w.relayer is not None or w.gas_price is None:
            continue
        start = w.timestamp - H2_WINDOW
        users = {h for t, h in events[w.gas_price] if start <= t <= w.timestamp}
        if len(users) != 2:
            continue
        (other,) = users - {w.tx_hash}
        d = wanted.get(other)
        if d is not None and _precedes(d, w):
            out.append(Candidate("unique_gas_price", d, w, H2_CONFIDENCE, f"gas price {w.gas_price} wei"))
    return out


def link_linked_addresses(
    deposits: Iterable[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
    callbacks: TornadoCallbacks,
) -> list[Candidate]:
    """H3: the depositor and a later recipient in the same pool interact (``callbacks.interacted``)."""
    if callbacks.interacted is None:
        return []
    memo: dict[tuple[str, str], bool] = {}
    out: list[Candidate] = []
    for d in deposits:
        if not d.depositor:
            continue
        a = d.depositor.lower()
        for w in all_withdrawals:
            b = w.recipient.lower()
            if a == b or not _precedes(d, w) or w.timestamp - d.timestamp > H3_WINDOW:
                continue
            if (a, b) not in memo:
                memo[(a, b)] = callbacks.interacted(a, b)
            if memo[(a, b)]:
                out.append(Candidate("linked_addresses", d, w, H3_CONFIDENCE, f"{a} interacted with {b}"))
    return out


def combine(candidates: Iterable[Candidate]) -> list[PoolLink]:
    """Merge candidates per (deposit, withdrawal) pair into :class:`PoolLink`s by noisy-OR, best first."""
    grouped: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for c in candidates:
        grouped[(c.deposit.tx_hash, c.withdrawal.tx_hash)].append(c)
    links: list[PoolLink] = []
    for group in grouped.values():
        best: dict[str, Candidate] = {}
        for c in group:  # one vote per heuristic: keep its strongest candidate for this pair
            if c.heuristic not in best or c.confidence > best[c.heuristic].confidence:
                best[c.heuristic] = c
        miss = 1.0
        for c in best.values():
            miss *= 1.0 - c.confidence
        conf = min(MAX_LINK_CONFIDENCE, 1.0 - miss)
        names = tuple(sorted(best))
        strong = any(n != "fifo_time" for n in names)
        first = group[0]
        facts: dict[str, object] = {
            "pool": first.deposit.pool.name,
            "pool_address": first.deposit.pool.address,
            "deposit_tx": first.deposit.tx_hash,
            "withdrawal_tx": first.withdrawal.tx_hash,
            "recipient": first.withdrawal.recipient.lower(),
            "depositor": first.deposit.depositor,
            "heuristics": ",".join(names),
            "combination": "noisy-or",
        }
        for n, c in best.items():
            facts[f"{n}.confidence"] = c.confidence
            if c.detail:
                facts[f"{n}.detail"] = c.detail
        rule = f"{RULE_PREFIX}.{names[0]}" if len(names) == 1 else f"{RULE_PREFIX}.combined"
        evidence = make_evidence(EvidenceClass.E4 if strong else EvidenceClass.E5, rule, conf, facts)
        links.append(PoolLink(evidence, deposit=first.deposit, withdrawal=first.withdrawal, heuristics=names))
    links.sort(key=lambda lk: (-lk.confidence, lk.withdrawal.block, lk.withdrawal.tx_hash))
    return links
