"""Generic bridge matching when no protocol identifier exists (docs/methodology.md §4.4).

For a deposit (chain s, token k, amount a_d, time t_d, declared receiver r if any), candidates on the
destination chain are releases/mints with

* time:    t_w ∈ [t_d + min_delay, t_d + window]
* amount:  a_w ∈ [â·(1 − φmax), â·(1 − φmin)], â = a_d converted to the candidate's units (price ratio or
  same-asset assumption, then decimals)
* address: r == recipient, or the depositor's own address on the destination (EVM↔EVM addresses are
  usually identical -- Yan, Huang & Tessone, Ledger 2025).

Score s = W_AMOUNT·(1 − fee used/φmax) + W_TIME·(1 − Δt/window) + W_RECIPIENT·[recipient matches]. A
declared recipient overrides: when any candidate pays it, the others are dropped. Confidence (E4
"bridges.generic.amount_time"): 0.5 + 0.3·s for a unique candidate; with several, the leader keeps most of
it only when it beats the runner-up by MARGIN, otherwise every candidate gets conf/|set| (ambiguity set).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from heuristics.base import Finding, make_evidence
from tracer.model import Asset, EvidenceClass, Transfer

DEFAULT_FEE_BAND = (0.0, 0.05)
DEFAULT_WINDOW = timedelta(hours=6)
W_AMOUNT, W_TIME, W_RECIPIENT = 0.4, 0.3, 0.3
MARGIN = 0.2  # score lead the best candidate needs over the runner-up to be preferred
BASE_CONFIDENCE = 0.5
SCORE_CONFIDENCE = 0.3  # confidence added for a perfect score: a unique, exact, instant match reaches 0.8
LEADER_DISCOUNT = 0.8  # a clear leader among several still carries some doubt


@dataclass(frozen=True, slots=True)
class BridgeMatch(Finding):
    """A candidate release on the destination chain for a bridge deposit, with its score."""

    deposit: Transfer
    candidate: Transfer
    expected_amount: int  # â in the candidate's base units (before fees)
    fee_fraction: float  # 1 − a_w/â
    delay: timedelta
    recipient_match: bool
    score: float
    rank: int  # 1 = best
    candidates: int  # size of the ambiguity set


def _same_asset(a: Asset, b: Asset) -> bool:
    """Same-asset assumption across chains: equal symbols, ignoring a wrapped ``W`` prefix and ``.e`` suffix."""
    def norm(symbol: str) -> str:
        return symbol.upper().removesuffix(".E")
    x, y = norm(a.symbol), norm(b.symbol)
    return x == y or x == "W" + y or y == "W" + x


def expected_amount(deposit: Transfer, target: Asset, price_ratio: Decimal | Fraction | None) -> Fraction:
    """a_d in ``target`` base units: × price ratio (whole target per whole deposit unit) × decimal shift."""
    ratio = Fraction(1) if price_ratio is None else Fraction(price_ratio)
    return Fraction(deposit.amount) * ratio * Fraction(10) ** (target.decimals - deposit.asset.decimals)


def match_bridge_out(
    deposit: Transfer,
    candidates: Sequence[Transfer],
    *,
    fee_band: tuple[float, float] = DEFAULT_FEE_BAND,
    window: timedelta = DEFAULT_WINDOW,
    min_delay: timedelta = timedelta(0),
    price_ratio: Decimal | Fraction | None = None,
    declared_recipient: str | None = None,
    protocol: str | None = None,
) -> list[BridgeMatch]:
    """Rank ``candidates`` that could be the release of ``deposit``; best first, [] when none fits.

    ``price_ratio`` converts between different assets; without it only same-asset candidates qualify.
    ``declared_recipient`` is the destination read from calldata or an event, when the bridge states one.
    """
    fee_min, fee_max = Fraction(str(fee_band[0])), Fraction(str(fee_band[1]))
    scored: list[tuple[float, Transfer, Fraction, Fraction, bool]] = []
    for cand in candidates:
        if not cand.followable or cand.id == deposit.id:
            continue
        if price_ratio is None and not _same_asset(deposit.asset, cand.asset):
            continue
        delay = cand.timestamp - deposit.timestamp
        if not min_delay <= delay <= window:
            continue
        expected = expected_amount(deposit, cand.asset, price_ratio)
        if expected <= 0:
            continue
        fee = 1 - Fraction(cand.amount) / expected
        if not fee_min <= fee <= fee_max:
            continue
        recipient = cand.to_address is not None and (
            (declared_recipient is not None and cand.to_address.lower() == declared_recipient.lower())
            or (declared_recipient is None and deposit.from_address is not None
                and cand.to_address.lower() == deposit.from_address.lower()))
        amount_score = 1 - float(fee / fee_max) if fee_max else 1.0
        time_score = 1 - delay / window if window else 1.0
        score = W_AMOUNT * amount_score + W_TIME * time_score + W_RECIPIENT * recipient
        scored.append((score, cand, expected, fee, recipient))
    if declared_recipient is not None and any(item[4] for item in scored):
        scored = [item for item in scored if item[4]]
    scored.sort(key=lambda item: (-item[0], item[1].timestamp, item[1].id))
    return [_build(deposit, scored, i, protocol) for i in range(len(scored))]


def _build(
    deposit: Transfer, scored: list[tuple[float, Transfer, Fraction, Fraction, bool]], i: int, protocol: str | None
) -> BridgeMatch:
    score, cand, expected, fee, recipient = scored[i]
    n = len(scored)
    confidence = BASE_CONFIDENCE + SCORE_CONFIDENCE * score
    clear_leader = n > 1 and scored[0][0] - scored[1][0] >= MARGIN
    if n > 1:
        confidence = confidence * LEADER_DISCOUNT if i == 0 and clear_leader else confidence / n
    delay = cand.timestamp - deposit.timestamp
    evidence = make_evidence(
        EvidenceClass.E4, "bridges.generic.amount_time", confidence,
        protocol=protocol, deposit=deposit.id, candidate=cand.id, expected_amount=int(expected),
        fee_fraction=float(fee), delay_s=int(delay.total_seconds()), recipient_match=recipient,
        score=score, rank=i + 1, candidates=n,
    )
    return BridgeMatch(evidence=evidence, deposit=deposit, candidate=cand, expected_amount=int(expected),
                       fee_fraction=float(fee), delay=delay, recipient_match=recipient, score=score, rank=i + 1,
                       candidates=n)
