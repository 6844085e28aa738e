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
  within a window and withdrawn by one recipient within a window.
* H5 here is FIFO/time matching (Cristodaro, Kraner, Tessone, arXiv:2510.09433 -- unconfirmed, v3 withdrawn),
  *not* Tutela's TORN anonymity-mining H5, which needs AP claim data we do not have. It is weak by design and
  lives in :mod:`heuristics.mixers.tornado_time` with the anonymity-set sizes.

The methodology's laundering-batch matcher (a hacker's deposit batch vs. window withdrawals) is
``scripts/tornado_batch.py`` (a validation tool over whole pool histories, not a trace step); value types are in :mod:`heuristics.mixers.tornado_types` (re-exported).

Links are combined per (deposit, withdrawal) pair by noisy-OR over the heuristics that fired,
``1 - prod(1 - c_h)``, capped at :data:`MAX_LINK_CONFIDENCE`; evidence is E4 when any of H1-H4 fired and E5
when only the FIFO rule did (methodology §1.4: speculative demixing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from heuristics.base import make_evidence
from heuristics.mixers.pools import Pool
from heuristics.mixers.tornado_time import FIFO_CONFIDENCE, FIFO_MAX_AGE, anonymity_set_sizes, link_fifo_time
from heuristics.mixers.tornado_types import Candidate, PoolDeposit, PoolLink, PoolWithdrawal, TornadoCallbacks
from tracer.model import EvidenceClass

__all__ = [
    "FIFO_CONFIDENCE", "FIFO_MAX_AGE", "Candidate", "PoolDeposit", "PoolLink", "PoolWithdrawal", "TornadoCallbacks",
    "anonymity_set_sizes", "combine", "link_address_match", "link_fifo_time", "link_linked_addresses",
    "link_multi_denomination", "link_unique_gas_price", "link_withdrawals",
]

H1_CONFIDENCE = 0.9
"""Address reuse between deposit and withdrawal: near-certain same owner, but address sharing exists."""
H2_CONFIDENCE = 0.75
"""Unique shared gas price: strong but coincidences happen (Tutela found only 102 such links)."""
H3_CONFIDENCE = 0.6
"""Depositor and recipient interact outside Tornado: same owner or close counterparties."""
H2_WINDOW = timedelta(days=7)
"""Gas-price uniqueness is judged among pool transactions within this many days either side of the withdrawal."""
H1_BUSY_RECIPIENT = 50
"""H1 skips a recipient with more than this many withdrawals in the data: on mainnet the "depositors" receiving
1,638 and 1,417 withdrawals (scripts/validate_tornado.py) are services, and address reuse says nothing there."""
H3_WINDOW = timedelta(days=90)
"""H3 only asks the callback about withdrawals at most this long after the deposit (bounds callback calls)."""
MAX_LINK_CONFIDENCE = 0.99
"""A heuristic link is never certain."""

RULE_PREFIX = "mixers.tornado"

T = TypeVar("T")


def _precedes(d: PoolDeposit, w: PoolWithdrawal) -> bool:
    # A note must be in the tree before it is withdrawn: strictly earlier block, same pool.
    return d.pool == w.pool and d.block < w.block


def link_address_match(
    deposits: Iterable[PoolDeposit],
    withdrawals: Sequence[PoolWithdrawal],
    callbacks: TornadoCallbacks | None = None,
) -> list[Candidate]:
    """H1: withdrawal recipient == depositor of an earlier deposit in the same pool (case-insensitive).

    Recipients that ``callbacks.is_service`` flags, or with more than :data:`H1_BUSY_RECIPIENT` withdrawals in
    ``withdrawals``, are skipped (exchange hot wallets both deposit and receive)."""
    is_service = callbacks.is_service if callbacks else None
    received: dict[str, int] = defaultdict(int)
    for w in withdrawals:
        received[w.recipient.lower()] += 1
    by_owner: dict[tuple[str, str], list[PoolDeposit]] = defaultdict(list)
    for d in deposits:
        if d.depositor:
            by_owner[(d.pool.address, d.depositor.lower())].append(d)
    out: list[Candidate] = []
    for w in withdrawals:
        owner = w.recipient.lower()
        if received[owner] > H1_BUSY_RECIPIENT or (is_service is not None and is_service(owner)):
            continue
        out.extend(
            Candidate("address_match", d, w, H1_CONFIDENCE, f"address {owner}")
            for d in by_owner.get((w.pool.address, owner), ())
            if _precedes(d, w)
        )
    return out


def link_unique_gas_price(
    deposits: Iterable[PoolDeposit],
    all_deposits: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
) -> list[Candidate]:
    """H2: a self-relayed withdrawal and one earlier deposit share a gas price used by no other pool tx in the
    :data:`H2_WINDOW` either side of the withdrawal. Withdrawals through a relayer are skipped as linkable
    withdrawals but their gas prices still count against uniqueness."""
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
        start, end = w.timestamp - H2_WINDOW, w.timestamp + H2_WINDOW
        users = {h for t, h in events[w.gas_price] if start <= t <= end}
        if len(users) != 2:
            continue
        (other,) = users - {w.tx_hash}
        match = wanted.get(other)
        if match is not None and _precedes(match, w):
            out.append(Candidate("unique_gas_price", match, w, H2_CONFIDENCE, f"gas price {w.gas_price} wei"))
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
        if callbacks.is_service is not None and callbacks.is_service(a):
            continue
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


H4_WINDOW = timedelta(hours=24)
"""Tutela H4: an address's deposits (or withdrawals) within 24 h form one portfolio."""
H4_MIN_TXS = 3
"""Tutela H4 ignores portfolios with fewer than three Tornado transactions ..."""
H4_MIN_POOLS = 2
"""... or touching a single pool (a single-pool count is too common to identify anyone)."""
H4_CONFIDENCE = 0.7
"""Confidence of a unique portfolio match; divided by the number |C| of depositor portfolios that match."""
def _bursts(items: Iterable[T], owner: Callable[[T], str | None], when: Callable[[T], datetime]) -> list[list[T]]:
    """Per owner, split items (by time) into bursts spanning at most :data:`H4_WINDOW` from their first item."""
    per_owner: dict[str, list[T]] = defaultdict(list)
    for item in items:
        key = owner(item)
        if key:
            per_owner[key.lower()].append(item)
    bursts: list[list[T]] = []
    for owned in per_owner.values():
        owned.sort(key=when)
        current: list[T] = []
        for item in owned:
            if current and when(item) - when(current[0]) > H4_WINDOW:
                bursts.append(current)
                current = []
            current.append(item)
        bursts.append(current)
    return bursts


def _portfolio(pools: Iterable[Pool]) -> tuple[tuple[str, int], ...] | None:
    counts: dict[str, int] = defaultdict(int)
    for p in pools:
        counts[p.address] += 1
    if sum(counts.values()) < H4_MIN_TXS or len(counts) < H4_MIN_POOLS:
        return None
    return tuple(sorted(counts.items()))


def link_multi_denomination(
    deposits: Iterable[PoolDeposit],
    all_deposits: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
) -> list[Candidate]:
    """H4: a recipient's 24 h withdrawal portfolio equals a depositor's earlier 24 h deposit portfolio.

    Confidence ``H4_CONFIDENCE / |C|`` where C is the set of depositor portfolios that match (Tutela scores
    with the candidate-set size too). Notes of one portfolio are paired pool by pool in time order: the link is
    between the two *address sets*; which note went where inside a portfolio is not identifiable.
    """
    wanted = {d.tx_hash for d in deposits}
    index: dict[tuple[tuple[str, int], ...], list[list[PoolDeposit]]] = defaultdict(list)
    for burst in _bursts(all_deposits, lambda d: d.depositor, lambda d: d.timestamp):
        key = _portfolio(d.pool for d in burst)
        if key is not None:
            index[key].append(burst)
    out: list[Candidate] = []
    for wburst in _bursts(all_withdrawals, lambda w: w.recipient, lambda w: w.timestamp):
        key = _portfolio(w.pool for w in wburst)
        if key is None:
            continue
        first_block = min(w.block for w in wburst)
        matches = [b for b in index.get(key, ()) if max(d.block for d in b) < first_block]
        if not matches:
            continue
        conf = H4_CONFIDENCE / len(matches)
        for dburst in matches:
            if not wanted.intersection(d.tx_hash for d in dburst):
                continue
            for pool_address, _count in key:
                ds = sorted((d for d in dburst if d.pool.address == pool_address), key=lambda d: d.block)
                ws = sorted((w for w in wburst if w.pool.address == pool_address), key=lambda w: w.block)
                for d, w in zip(ds, ws, strict=True):
                    if d.tx_hash in wanted:
                        out.append(Candidate("multi_denomination", d, w, conf, f"portfolio {key}, |C|={len(matches)}"))
    return out


def link_withdrawals(
    deposits_of_interest: Iterable[PoolDeposit],
    all_deposits: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
    callbacks: TornadoCallbacks | None = None,
    *,
    use_fifo: bool = True,
    lifo: bool = True,
) -> list[PoolLink]:
    """Every withdrawal linked to a deposit of interest by H1-H5, one noisy-OR confidence per pair, best first.

    The time rule defaults to LIFO (newest unmatched deposit): on the mainnet 100/0.1 ETH pools it agreed with
    24% of lambdaclass's H1 pairs where strict FIFO agreed with none (scripts/validate_tornado.py)."""
    wanted = list(deposits_of_interest)
    cbs = callbacks or TornadoCallbacks()
    candidates = link_address_match(wanted, all_withdrawals, cbs)
    candidates += link_unique_gas_price(wanted, all_deposits, all_withdrawals)
    candidates += link_linked_addresses(wanted, all_withdrawals, cbs)
    candidates += link_multi_denomination(wanted, all_deposits, all_withdrawals)
    if use_fifo:
        candidates += link_fifo_time(wanted, all_deposits, all_withdrawals, lifo=lifo)
    return combine(candidates)
