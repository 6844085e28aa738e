"""Daily USD closes per asset symbol from CoinGecko (``PricePoint`` per UTC day)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from chains.coingecko.client import CoinGeckoClient
from tracer.errors import ApiRejected
from tracer.model import PricePoint

COIN_IDS: Mapping[str, str] = MappingProxyType({
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "USDT": "tether",
    "TRX": "tron",
    "BNB": "binancecoin",
    "STETH": "staked-ether",
    "AVAX": "avalanche-2",
    "POL": "polygon-ecosystem-token",
    "USDC": "usd-coin",
})
"""Symbol (upper-case) -> CoinGecko coin id."""

SOURCE = "coingecko"


def coin_id(symbol: str) -> str:
    """CoinGecko id of a symbol (case-insensitive: ``stETH`` -> ``staked-ether``).

    May raise: ApiRejected for a symbol without a known id.
    """
    try:
        return COIN_IDS[symbol.upper()]
    except KeyError:
        raise ApiRejected(f"coingecko: no coin id known for symbol {symbol!r}") from None


class CoinGeckoPrices:
    """Daily closes: the last price point of each UTC day in a ``market_chart/range`` series."""

    def __init__(self, client: CoinGeckoClient, *, source: str = SOURCE) -> None:
        self.client = client
        self.source = source

    def daily_closes(self, symbol: str, start: date, end: date) -> list[PricePoint]:
        """One :class:`PricePoint` per UTC day from ``start`` to ``end`` inclusive that has data, ascending."""
        t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        last = end + timedelta(days=1)
        t1 = int(datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()) - 1
        closes: dict[str, tuple[int, PricePoint]] = {}
        for ms, usd in self.client.market_chart_range(coin_id(symbol), t0, t1):
            day = datetime.fromtimestamp(ms // 1000, tz=UTC).date()
            if not start <= day <= end:
                continue
            key = day.isoformat()
            if key not in closes or ms >= closes[key][0]:
                closes[key] = (ms, PricePoint(symbol=symbol.upper(), day=key, usd=usd, source=self.source))
        return [closes[k][1] for k in sorted(closes)]

    def price_on(self, symbol: str, day: date) -> PricePoint | None:
        """The ``/history`` price of ``day`` (CoinGecko's 00:00 UTC snapshot), or None when it has none."""
        usd = self.client.history(coin_id(symbol), day)
        if usd is None:
            return None
        return PricePoint(symbol=symbol.upper(), day=day.isoformat(), usd=usd, source=self.source)
