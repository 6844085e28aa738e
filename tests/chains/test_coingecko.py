"""CoinGecko client and daily closes over real loopback HTTP: exact decimals, archive reuse, key handling."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from chains.coingecko.client import CoinGeckoClient
from chains.coingecko.prices import COIN_IDS, CoinGeckoPrices, coin_id
from chains.http import RetryPolicy
from chains.testing import FixtureServer, HttpReply, HttpRequest, LoopbackServer, MemoryArchive
from db.archive import SqlResponseArchive
from db.base import Base
from db.models import ApiResponseRow
from db.session import make_engine
from tracer.errors import ApiRejected
from tracer.model import PricePoint

SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "coingecko" / "range_and_history"
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC).timestamp()


SERVED = SCENARIO  # the folder tests/chains/conftest.py serves over loopback for this module


def prices(url: str, archive: SqlResponseArchive | None = None, now: float = NOW) -> CoinGeckoPrices:
    client = CoinGeckoClient(requests.Session(), url + "/api/v3", rate=0, archive=archive, now=lambda: now,
                             retry=RetryPolicy(max_attempts=2, base_delay=0.0, cap=0.0), sleep=lambda s: None)
    return CoinGeckoPrices(client)


def test_daily_close_is_last_point_of_each_utc_day(server: FixtureServer) -> None:
    closes = prices(server.url).daily_closes("ETH", date(2025, 2, 19), date(2025, 2, 21))
    assert closes == [
        PricePoint("ETH", "2025-02-19", Decimal("2724.4404602628556"), "coingecko"),
        PricePoint("ETH", "2025-02-20", Decimal("2730.8512464961154"), "coingecko"),
        PricePoint("ETH", "2025-02-21", Decimal("2642.874510659083"), "coingecko"),
    ]
    assert all(type(p.usd) is Decimal for p in closes)


def test_integer_and_fractional_numbers_stay_exact(server: FixtureServer) -> None:
    (point,) = prices(server.url).daily_closes("usdt", date(2025, 2, 21), date(2025, 2, 21))
    assert point.usd == Decimal("0.99981234") and point.symbol == "USDT"


def test_history_price(server: FixtureServer) -> None:
    feed = prices(server.url)
    point = feed.price_on("ETH", date(2025, 2, 21))
    assert point == PricePoint("ETH", "2025-02-21", Decimal("2642.874510659083"), "coingecko")
    assert feed.price_on("ETH", date(2013, 1, 1)) is None


def test_past_ranges_are_immutable_and_reused(server: FixtureServer, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    Base.metadata.create_all(engine)
    archive = SqlResponseArchive(engine)
    first = prices(server.url, archive).daily_closes("ETH", date(2025, 2, 19), date(2025, 2, 21))
    again = prices(server.url, archive)
    assert again.daily_closes("ETH", date(2025, 2, 19), date(2025, 2, 21)) == first
    assert len(server.requests) == 1 and again.client.http.stats.archive_hits == 1
    with engine.connect() as conn:
        rows = conn.execute(select(ApiResponseRow.request_key).where(ApiResponseRow.immutable.is_(True))).all()
    assert len(rows) == 1


def test_range_reaching_today_is_not_immutable(server: FixtureServer, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    Base.metadata.create_all(engine)
    archive = SqlResponseArchive(engine)
    today = datetime(2025, 2, 21, 18, tzinfo=UTC).timestamp()  # the range's last day is still running
    prices(server.url, archive, now=today).daily_closes("ETH", date(2025, 2, 19), date(2025, 2, 21))
    prices(server.url, archive, now=today).daily_closes("ETH", date(2025, 2, 19), date(2025, 2, 21))
    assert len(server.requests) == 2


def test_symbol_map() -> None:
    assert coin_id("stETH") == "staked-ether" and coin_id("AVAX") == "avalanche-2"
    assert coin_id("POL") == "polygon-ecosystem-token" and coin_id("bnb") == "binancecoin"
    assert set(COIN_IDS) == {"BTC", "ETH", "USDT", "TRX", "BNB", "STETH", "AVAX", "POL", "USDC"}
    with pytest.raises(ApiRejected):
        coin_id("NOPE")


def test_demo_key_is_a_header_never_archived_nor_logged(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[HttpRequest] = []

    def coingecko(request: HttpRequest) -> HttpReply:
        seen.append(request)
        if (request.path, request.query) != ("/coins/ethereum/history", {"date": "21-02-2025",
                                                                           "localization": "false"}):
            return HttpReply.json({"error": "not found"}, 404)
        return HttpReply.json({"market_data": {"current_price": {"usd": 2642.874510659083}}})

    archive = MemoryArchive()
    caplog.set_level(logging.DEBUG)
    with LoopbackServer(coingecko) as server:
        client = CoinGeckoClient(requests.Session(), server.url, "CG-secret", rate=0, archive=archive)
        assert client.history("ethereum", date(2025, 2, 21)) == Decimal("2642.874510659083")
    assert [r.headers.get("x-cg-demo-api-key") for r in seen] == ["CG-secret"]
    assert archive.rows and all("CG-secret" not in k for k in archive.rows)
    assert "CG-secret" not in caplog.text


def test_rejected_key() -> None:
    body = {"status": {"error_code": 10002, "error_message": "API Key Missing"}}
    with FixtureServer(responder=lambda *a: {"request": {}, "response": {"status": 401, "body": body}}) as srv:
        with pytest.raises(ApiRejected):
            prices(srv.url).price_on("ETH", date(2025, 2, 21))
