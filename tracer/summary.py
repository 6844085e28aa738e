"""Reconciliation of a case: where the stolen value is, by category, status and chain, in origin units and USD.

Amounts are in the stolen (origin) asset's units: swaps and bridges change the asset a holding is in, never how
much of the theft it represents (heuristics.taint). USD is valued at the theft day's close of the origin asset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tracer.engine.ports import PriceLookup
from tracer.model import Asset, Category, Endpoint, StopReason
from tracer.units import units, usd

UNACCOUNTED_REASONS = frozenset({StopReason.BELOW_MIN_VALUE, StopReason.HOP_LIMIT, StopReason.ADDRESS_BUDGET,
                                 StopReason.KEEPS_RECEIVING, StopReason.UNRESOLVED, StopReason.FEES,
                                 StopReason.UNREADABLE})
INFERRED_PREFIX = "inferred:"


@dataclass(frozen=True)
class Origin:
    """A stolen asset: how much, and its USD price on the theft day (None if unpriced)."""

    asset: Asset
    amount: int
    price: Decimal | None


def value_usd(origin: Origin, amount: int) -> Decimal | None:
    """USD value of ``amount`` base units of the origin asset."""
    if origin.price is None:
        return None
    return origin.asset.to_units(amount) * origin.price


def origins_of(stolen: Mapping[str, int], assets: Mapping[str, Asset], prices: PriceLookup | None,
               theft_day: str | None) -> dict[str, Origin]:
    """Origins with their theft-day prices."""
    out: dict[str, Origin] = {}
    for key, amount in sorted(stolen.items()):
        asset = assets[key]
        price = prices.price_on(asset.symbol, theft_day) if prices and theft_day else None
        out[key] = Origin(asset, amount, price)
    return out


def breakdown(endpoints: Iterable[Endpoint], origins: Mapping[str, Origin], key: str) -> list[dict[str, str | None]]:
    """Sum origin amounts of proven endpoints by ``key`` (category | status | chain)."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for e in endpoints:
        if e.origin.startswith(INFERRED_PREFIX) or e.origin not in origins:
            continue
        if key == "category":
            k = _category_key(e)
        elif key == "status":
            k = e.status.value
        else:
            k = e.chain.value
        sums[(k, e.origin)] += e.origin_amount
    rows = []
    for (k, origin_key), amount in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0])):
        origin = origins[origin_key]
        rows.append({"key": k, "asset": origin.asset.key, "amount": units(amount, origin.asset.decimals),
                     "usd": usd(value_usd(origin, amount))})
    return rows


def _category_key(e: Endpoint) -> str:
    if e.reason is StopReason.FEES:
        return "fees"
    if e.category is not None:
        return e.category.value
    if e.reason is StopReason.UNSPENT:
        return "dormant"
    return "unknown"


def unaccounted(endpoints: Iterable[Endpoint], origins: Mapping[str, Origin],
                pending: Mapping[str, int] | None = None) -> list[dict[str, str | None]]:
    """Value that stopped for a limit (not at an exit): fees, thresholds, budgets, unresolved bridges, pending."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for e in endpoints:
        # an instant exchange is an exit even when its payout is unresolved (the value reached the service)
        if e.reason in UNACCOUNTED_REASONS and e.origin in origins and e.category is not Category.INSTANT_EXCHANGE:
            sums[(e.reason.value, e.origin)] += e.origin_amount
    for origin_key, amount in (pending or {}).items():
        if origin_key in origins and amount:
            sums[("pending", origin_key)] += amount
    return [{"reason": reason, "asset": origins[o].asset.key, "amount": units(a, origins[o].asset.decimals),
             "usd": usd(value_usd(origins[o], a))} for (reason, o), a in sorted(sums.items())]


def conservation_error(endpoints: Sequence[Endpoint], origins: Mapping[str, Origin],
                       pending: Mapping[str, int] | None = None) -> float:
    """Max over origins of |stolen − (endpoints + pending)| / stolen (docs/methodology.md §7.1 M3)."""
    worst = 0.0
    for key, origin in origins.items():
        if origin.amount == 0:
            continue
        held = sum(e.origin_amount for e in endpoints if e.origin == key) + (pending or {}).get(key, 0)
        worst = max(worst, abs(origin.amount - held) / origin.amount)
    return worst
