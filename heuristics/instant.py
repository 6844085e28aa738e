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
from dataclasses import dataclass
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
