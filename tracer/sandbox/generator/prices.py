"""Hourly USD price series for the world's assets (served in CoinGecko's market_chart/range dialect)."""

from __future__ import annotations

import random
from decimal import Decimal

START_PRICES = {"ethereum": "2650", "bitcoin": "95500", "tether": "1", "staked-ether": "2646", "tron": "0.24"}
HOUR = 3_600


def series(rng: random.Random, t0: int, days_before: int = 3, days_after: int = 21) -> tuple[tuple[str, int, str], ...]:
    """(coin id, unix s, price as a decimal string) every hour; a seeded walk of at most ±0.4 % per hour."""
    rows: list[tuple[str, int, str]] = []
    start = t0 - t0 % HOUR - days_before * 86_400
    for coin, p0 in START_PRICES.items():
        price = Decimal(p0)
        for h in range((days_before + days_after) * 24):
            if coin != "tether":
                price = price * (Decimal(10_000 + rng.randint(-40, 40)) / Decimal(10_000))
            rows.append((coin, start + h * HOUR, str(price.quantize(Decimal("0.0001")))))
    return tuple(rows)
