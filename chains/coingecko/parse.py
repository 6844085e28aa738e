"""CoinGecko answers -> exact prices, validated (issue 15): no NaN, no negative or absurd price, sane times.

Prices are parsed from the body with ``parse_float=Decimal`` so fractions stay exact; a point is ``[ms, usd]``
with ms in the :mod:`chains.wire` time window and ``0 <= usd <= MAX_USD``. Anything else raises
:class:`~tracer.errors.InvalidAnswer`; the client runs these inside the HTTP funnel so it is asked once more.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from chains import wire
from tracer.errors import InvalidAnswer

MAX_USD = Decimal(10) ** 12
"""No asset we price is worth a trillion dollars a unit; a larger number is garbage, not a price."""


def decimal_json(text: str) -> Any:
    """The body with every JSON number that has a fraction as an exact Decimal. May raise: InvalidAnswer."""
    if wire.json_too_deep(text):
        raise InvalidAnswer("coingecko: body nested too deep")
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise InvalidAnswer("coingecko: body is not JSON") from None


def usd(value: Any, context: str) -> Decimal:
    """A finite price in ``0 .. MAX_USD``. May raise: InvalidAnswer."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise InvalidAnswer(f"coingecko {context}: price must be a number, got {type(value).__name__}")
    try:
        price = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidAnswer(f"coingecko {context}: price is not a number: {str(value)[:40]!r}") from None
    if not price.is_finite() or price < 0 or price > MAX_USD:
        raise InvalidAnswer(f"coingecko {context}: price out of range: {str(value)[:40]}")
    return price


def price_points(data: Any, context: str) -> list[tuple[int, Decimal]]:
    """``prices`` of a ``/market_chart/range`` answer as ``(ms, usd)`` pairs. May raise: InvalidAnswer."""
    prices = data.get("prices") if isinstance(data, dict) else None
    if not isinstance(prices, list):
        raise InvalidAnswer(f"coingecko {context}: no 'prices' list")
    out = []
    for point in prices:
        if not isinstance(point, list) or len(point) != 2:
            raise InvalidAnswer(f"coingecko {context}: a price point is not [ms, usd]")
        ms = point[0]
        if isinstance(ms, Decimal) and ms == ms.to_integral_value():
            ms = int(ms)
        out.append((wire.unix_millis(ms, "ms", f"coingecko {context}"), usd(point[1], context)))
    return out


def history_price(data: Any, context: str) -> Decimal | None:
    """``market_data.current_price.usd`` of a ``/coins/{id}/history`` answer; None when absent."""
    if not isinstance(data, dict):
        raise InvalidAnswer(f"coingecko {context}: answer is not an object")
    market = data.get("market_data") or {}
    current = market.get("current_price") if isinstance(market, dict) else None
    value = current.get("usd") if isinstance(current, dict) else None
    return None if value is None else usd(value, context)
