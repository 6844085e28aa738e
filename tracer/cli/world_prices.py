"""The generated world's daily USD closes, fetched through the real CoinGecko adapter from the sandbox server.

The demo stores them directly; ``tracer sandbox serve`` writes them to ``prices.csv`` for ``tracer prices import``.
Both go through this one function, so the same incident gets the same prices (source ``coingecko``) either way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chains.coingecko.client import CoinGeckoClient
from chains.coingecko.prices import CoinGeckoPrices
from db.archive import SqlResponseArchive
from tracer.cli.wiring import build_session
from tracer.model import PricePoint
from tracer.sandbox.launch import RunningSandbox

WORLD_SYMBOLS = ("ETH", "stETH", "BTC", "USDT", "TRX")
PRICE_DAYS = 30
LOCAL_RATE = 500.0  # requests/s against the local sandbox


def world_price_points(sandbox: RunningSandbox, archive: SqlResponseArchive | None = None) -> list[PricePoint]:
    """Daily closes of the world's assets over the ``PRICE_DAYS`` before its tip."""
    end = datetime.fromtimestamp(sandbox.world.time_of("ethereum", sandbox.world.tip("ethereum", 2)), UTC).date()
    client = CoinGeckoClient(build_session(), sandbox.urls()["coingecko"], rate=LOCAL_RATE, archive=archive)
    feed = CoinGeckoPrices(client)
    return [p for symbol in WORLD_SYMBOLS for p in feed.daily_closes(symbol, end - timedelta(days=PRICE_DAYS), end)]
