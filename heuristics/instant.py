"""Instant / no-KYC exchange payout matching (docs/methodology.md §4.6).

Custodial swappers (eXch, FixedFloat, …) pay out from pooled hot wallets, possibly on another chain, so no
protocol link exists and the default is a terminal "instant exchange". On request the engine proposes
hypotheses: payouts within ``window`` after the deposit whose value ≈ a_d × rate × (1 − fee) with the fee in
``fee_band``. Score s = W_AMOUNT·(1 − fee/φmax) + W_TIME·(1 − Δt/window); confidence (E4 "instant.amount_time")
is BASE + SCORE·s ≤ MAX_CONFIDENCE (0.7) for a unique candidate and that divided by the number of candidates
otherwise, so one of many always scores lower than a unique match. Treat every match as a lead: methodology
§4.6 asks for corroboration (the payout address later converging with other flows) before reporting it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from heuristics.base import Finding, make_evidence
from heuristics.bridges.generic import expected_amount
from tracer.model import Asset, EvidenceClass, Transfer

DEFAULT_FEE_BAND = (0.0, 0.03)  # instant swappers quote ~0.5-2 % plus network fee [D]
DEFAULT_WINDOW = timedelta(hours=2)  # methodology §4.6: payouts within [t, t + 2 h]
W_AMOUNT, W_TIME = 0.6, 0.4
BASE_CONFIDENCE = 0.4
SCORE_CONFIDENCE = 0.3
MAX_CONFIDENCE = 0.7

Rates = Mapping[str, Decimal] | Callable[[Asset], Decimal | None]
"""Whole payout units per whole deposit unit, by payout ``Asset.key`` (or symbol), or a function of the asset."""


@dataclass(frozen=True, slots=True)
class InstantPayoutMatch(Finding):
    """A payout that could be the instant exchange's settlement of ``deposit``."""

    deposit: Transfer
    payout: Transfer
    expected_amount: int  # a_d × rate in payout base units, before fees
    fee_fraction: float
    delay: timedelta
    score: float
    rank: int
    candidates: int


def _rate(rates: Rates, deposit: Asset, payout: Asset) -> Decimal | None:
    if callable(rates):
        found = rates(payout)
    else:
        found = rates.get(payout.key, rates.get(payout.symbol))
    if found is None and payout.symbol.upper() == deposit.symbol.upper():
        return Decimal(1)
    return found


def match_instant_payouts(
    deposit: Transfer,
    payouts: Sequence[Transfer],
    *,
    rates: Rates,
    fee_band: tuple[float, float] = DEFAULT_FEE_BAND,
    window: timedelta = DEFAULT_WINDOW,
    service: str | None = None,
) -> list[InstantPayoutMatch]:
    """Rank candidate payouts (any chain) for an instant-exchange ``deposit``; best first, [] when none fits."""
    fee_min, fee_max = Fraction(str(fee_band[0])), Fraction(str(fee_band[1]))
    scored: list[tuple[float, Transfer, Fraction, Fraction, timedelta]] = []
    for payout in payouts:
        if not payout.followable or payout.id == deposit.id:
            continue
        delay = payout.timestamp - deposit.timestamp
        if not timedelta(0) <= delay <= window:
            continue
        rate = _rate(rates, deposit.asset, payout.asset)
        if rate is None or rate <= 0:
            continue
        expected = expected_amount(deposit, payout.asset, rate)
        fee = 1 - Fraction(payout.amount) / expected
        if not fee_min <= fee <= fee_max:
            continue
        amount_score = 1 - float(fee / fee_max) if fee_max else 1.0
        score = W_AMOUNT * amount_score + W_TIME * (1 - delay / window if window else 1.0)
        scored.append((score, payout, expected, fee, delay))
    scored.sort(key=lambda item: (-item[0], item[1].timestamp, item[1].id))
    n = len(scored)
    matches = []
    for rank, (score, payout, expected, fee, delay) in enumerate(scored, start=1):
        confidence = min(MAX_CONFIDENCE, BASE_CONFIDENCE + SCORE_CONFIDENCE * score) / n
        evidence = make_evidence(
            EvidenceClass.E4, "instant.amount_time", confidence, service=service, deposit=deposit.id,
            payout=payout.id, payout_chain=payout.chain.value, expected_amount=int(expected), fee_fraction=float(fee),
            delay_s=int(delay.total_seconds()), score=score, rank=rank, candidates=n,
        )
        matches.append(InstantPayoutMatch(
            evidence=evidence, deposit=deposit, payout=payout, expected_amount=int(expected),
            fee_fraction=float(fee), delay=delay, score=score, rank=rank, candidates=n,
        ))
    return matches


@dataclass(frozen=True, slots=True)
class MatchTerms:
    """How one service's orders are matched: ``rates(deposit, payout_asset)`` gives whole payout units per whole
    deposited unit; payouts count within ``window`` after a deposit and ``fee_band`` of its value."""

    rates: Callable[[Transfer, Asset], Decimal | None]
    fee_band: tuple[float, float] = DEFAULT_FEE_BAND
    window: timedelta = DEFAULT_WINDOW
    service: str | None = None

    def candidates(self, deposit: Transfer, payouts: Sequence[Transfer], rate_of: Transfer | None = None
                   ) -> list[InstantPayoutMatch]:
        """:func:`match_instant_payouts` under these terms, priced at ``rate_of``'s rates (default: the deposit's)."""
        reference = deposit if rate_of is None else rate_of
        return match_instant_payouts(deposit, payouts, rates=lambda asset: self.rates(reference, asset),
                                     fee_band=self.fee_band, window=self.window, service=self.service)


def unique_payout(deposit: Transfer, payouts: Sequence[Transfer], deposits: Sequence[Transfer],
                  terms: MatchTerms) -> InstantPayoutMatch | None:
    """The payout of ``deposit`` when the match is unique both ways, else None.

    Amount and time alone cannot tell two customers' near-equal orders apart, so a link needs: exactly one payout
    fits ``deposit`` (fee band, window), and no other deposit in ``deposits`` (every customer's deposit into the
    service) fits that payout.
    """
    matches = terms.candidates(deposit, payouts)
    if len(matches) != 1:
        return None
    payout = matches[0].payout
    if any(d.id != deposit.id and terms.candidates(d, [payout]) for d in deposits):
        return None
    return matches[0]


QUOTE_TOLERANCE = Fraction(1, 1_000)  # two orders priced at one quote imply fees within 0.1 % of each other
MIN_QUOTE_SUPPORT = 2  # other customers' settled orders that must share the quote


def consistent_quote_payout(deposit: Transfer, payouts: Sequence[Transfer], deposits: Sequence[Transfer],
                            terms: MatchTerms) -> InstantPayoutMatch | None:
    """Tell near-equal orders apart by the quote: a service prices orders minutes apart at one rate, so the true
    settlements of the window's deposits imply the same fee. Each candidate payout of ``deposit`` implies a fee;
    at that fee (within QUOTE_TOLERANCE) the window's orders settle one-to-one in at most N ways, N the size of a
    maximum matching. The service's quote is the fee that explains the most orders: a payout is returned (E4
    "instant.consistent_quote") when its fee alone explains the most, at least MIN_QUOTE_SUPPORT other deposits
    share it, and every one-to-one settlement at it pairs ``deposit`` with it (a rival that could take it must
    take another payout). None when the quote does not single one payout out (rates that moved, look-alike
    orders, two fees explaining as many orders).

    Why the most orders and not any consistent fee: orders whose sizes step evenly (1,059, 1,080, 1,091, 1,101
    ETH) also line up one step shifted, at a fee off the quote, with two or three orders; the true quote explains
    all of them (large world, seed 1).
    """
    def fits(d: Transfer) -> list[InstantPayoutMatch]:
        # one reference rate for the whole window (our deposit's day): orders either side of midnight were
        # priced at one market, not at two daily closes
        return terms.candidates(d, payouts, rate_of=deposit)

    ours = fits(deposit)
    near = [d for d in deposits if d.id != deposit.id and abs(d.timestamp - deposit.timestamp) <= terms.window]
    pairs = [(d.id, m) for d in [deposit, *near] for m in (ours if d.id == deposit.id else fits(d))]
    scored: list[tuple[int, bool, InstantPayoutMatch]] = []  # (orders explained at its fee, singled out, match)
    for mine in ours:
        fee = Fraction(mine.fee_fraction)
        edges = {(d, m.payout.id) for d, m in pairs if abs(Fraction(m.fee_fraction) - fee) <= QUOTE_TOLERANCE}
        support = {d for d, _p in edges} - {deposit.id}
        singled = len(support) >= MIN_QUOTE_SUPPORT and _forced(edges, (deposit.id, mine.payout.id))
        scored.append((_max_matching(edges), singled, mine))
    explained = max((n for n, _s, _m in scored), default=0)
    chosen = [m for n, singled, m in scored if singled and n == explained]
    if len(chosen) != 1:
        return None
    best = chosen[0]
    # candidates at the same fee (within the tolerance) are one quote, told apart by the forcing; another fee
    # explaining as many orders is another quote as good as this one
    fee = Fraction(best.fee_fraction)
    runner_up = max((n for n, _s, m in scored if abs(Fraction(m.fee_fraction) - fee) > QUOTE_TOLERANCE), default=0)
    if runner_up >= explained:
        return None
    evidence = make_evidence(EvidenceClass.E4, "instant.consistent_quote", best.confidence * len(ours),
                             best.evidence.facts, candidates=len(ours), quote_orders=explained,
                             next_quote_orders=runner_up)
    return InstantPayoutMatch(evidence=evidence, deposit=best.deposit, payout=best.payout,
                              expected_amount=best.expected_amount, fee_fraction=best.fee_fraction,
                              delay=best.delay, score=best.score, rank=1, candidates=len(ours))


def settle_payouts(ours: Sequence[Transfer], payouts: Sequence[Transfer], deposits: Sequence[Transfer],
                   terms: MatchTerms, min_confidence: float = 0.0) -> dict[str, InstantPayoutMatch]:
    """The payouts of our orders ``ours`` (earliest first), by deposit id: :func:`unique_payout` or else
    :func:`consistent_quote_payout` for each, repeated until nothing new is singled out.

    An order is settled by one payout, so a deposit already linked is no longer a rival for the other payouts: a
    later order whose payout an earlier, linked order also fitted is unique both ways once that order is settled
    (and an earlier order may be singled out only after a later one is, hence the passes to a fixed point). A
    linked payout leaves the unique-match candidates of the rest, and is never linked twice; the quote's matching
    keeps it, with its order. Matches under ``min_confidence`` are not links.
    """
    matched: dict[str, InstantPayoutMatch] = {}
    taken: set[str] = set()
    progress = True
    while progress:
        progress = False
        for deposit in ours:
            if deposit.id in matched:
                continue
            free = [p for p in payouts if p.id not in taken]
            rivals = [d for d in deposits if d.id not in matched]
            best = unique_payout(deposit, free, rivals, terms)
            if best is not None:
                best = _resting_on(best, [matched[d.id] for d in deposits if d.id in matched
                                          and d.id != deposit.id and terms.candidates(d, [best.payout])])
            else:
                # The quote's one-to-one matching keeps every order and every payout: without a settled order's
                # own payout, the settled order would seem free to take ours.
                best = consistent_quote_payout(deposit, payouts, deposits, terms)
            if best is not None and best.payout.id not in taken and best.confidence >= min_confidence:
                matched[deposit.id] = best
                taken.add(best.payout.id)
                progress = True
    return matched


def _resting_on(match: InstantPayoutMatch, settled: Sequence[InstantPayoutMatch]) -> InstantPayoutMatch:
    """A unique match that is unique only because ``settled`` orders were linked first: it names them (fact
    ``settled_rivals``) and is no surer than the least sure of those links."""
    if not settled:
        return match
    confidence = min(match.confidence, *(m.confidence for m in settled))
    evidence = make_evidence(match.evidence.evidence_class, match.rule, confidence, match.evidence.facts,
                             settled_rivals=",".join(sorted(m.deposit.tx_hash for m in settled)))
    return replace(match, evidence=evidence)


def _max_matching(edges: set[tuple[str, str]]) -> int:
    """Size of a maximum one-to-one matching of deposits to payouts (Kuhn's augmenting paths; small graphs)."""
    adjacent: dict[str, list[str]] = {}
    for d, p in sorted(edges):
        adjacent.setdefault(d, []).append(p)
    owner: dict[str, str] = {}

    def augment(d: str, seen: set[str]) -> bool:
        for p in adjacent[d]:
            if p not in seen:
                seen.add(p)
                if p not in owner or augment(owner[p], seen):
                    owner[p] = d
                    return True
        return False

    return sum(augment(d, set()) for d in adjacent)


def _forced(edges: set[tuple[str, str]], edge: tuple[str, str]) -> bool:
    """Whether ``edge`` is in every maximum matching: it is in one, and without it the maximum shrinks."""
    full = _max_matching(edges)
    deposit, payout = edge
    fixed = {(d, p) for d, p in edges if d != deposit and p != payout}
    return _max_matching(fixed) + 1 == full and _max_matching(edges - {edge}) < full
