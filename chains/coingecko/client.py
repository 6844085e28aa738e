"""CoinGecko v3 client: ``/coins/{id}/market_chart/range`` and ``/coins/{id}/history``.

Numbers are parsed from the JSON text as :class:`~decimal.Decimal` (never through float). The demo key is
sent as the ``x-cg-demo-api-key`` header, which HttpClient never logs nor archives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import requests

from chains.base import ResponseArchive
from chains.coingecko import parse
from chains.http import HttpAnswer, HttpClient, RetryPolicy
from tracer.errors import ApiRejected

KEY_HEADER = "x-cg-demo-api-key"


class CoinGeckoClient:
    """Raw CoinGecko calls; ``now`` is injectable so "fully in the past" is testable."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        api_key: str | None = None,
        *,
        rate: float = 0.5,
        archive: ResponseArchive | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        timeout: float = 20.0,
    ) -> None:
        headers = {KEY_HEADER: api_key} if api_key else {}
        self.http = HttpClient(session, base_url, rate=rate, timeout=timeout, archive=archive, retry=retry,
                               sleep=sleep, headers=headers, name="coingecko")
        self._now = now

    def market_chart_range(self, coin_id: str, start: int, end: int) -> list[tuple[int, Decimal]]:
        """``prices`` of ``/market_chart/range`` between unix seconds ``start`` and ``end``: (ms, usd) pairs.

        A range ending before the current UTC day began is complete and archived as immutable.
        """
        today = _day_start(self._now())
        answer = self.http.get(f"/coins/{coin_id}/market_chart/range",
                               {"vs_currency": "usd", "from": start, "to": end},
                               check=_checker(lambda data: parse.price_points(data, coin_id)), immutable=end < today)
        return parse.price_points(parse.decimal_json(answer.text), coin_id)

    def history(self, coin_id: str, day: date) -> Decimal | None:
        """``market_data.current_price.usd`` of ``/coins/{id}/history`` for ``day``; None when absent."""
        today = _day_start(self._now())
        started = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        answer = self.http.get(f"/coins/{coin_id}/history",
                               {"date": day.strftime("%d-%m-%Y"), "localization": "false"},
                               check=_checker(lambda data: parse.history_price(data, coin_id)),
                               immutable=started < today)
        return parse.history_price(parse.decimal_json(answer.text), coin_id)


def _day_start(ts: float) -> int:
    return int(ts) - int(ts) % 86400


def _checker(validate: Callable[[Any], object]) -> Callable[[HttpAnswer], None]:
    """:func:`_check`, then the exact-decimal body through ``validate`` (inside the funnel: asked once more)."""
    def check(answer: HttpAnswer) -> None:
        _check(answer)
        validate(parse.decimal_json(answer.text))

    return check


def _check(answer: HttpAnswer) -> None:
    if answer.status in (401, 403):
        raise ApiRejected(f"coingecko: HTTP {answer.status} (key rejected or plan limit): {answer.text[:80]}")
    if answer.status >= 300:
        raise ApiRejected(f"coingecko: HTTP {answer.status}: {answer.text.strip()[:80]}")
