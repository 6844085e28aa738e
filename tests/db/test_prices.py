"""USD prices: idempotent CSV import, nearest-earlier-day lookup, exact decimals, the bundled MIT table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from db.prices import PriceTable, read_price_csv
from db.store import Store
from tests.shared_data import SHARED_DATA
from tracer.errors import StoreError

SHARED = SHARED_DATA / "prices" / "close_usd_daily_2022-01-01_2025-12-31.csv"
BUNDLED = Path(__file__).resolve().parents[2] / "tracer" / "data" / "prices_usd_daily.csv"


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "prices.csv"
    path.write_text(
        "date,asset,close_usd,source\n"
        "2025-02-19,ETH,2716.50,yahoo:KaushalParkar/dataset\n"
        "2025-02-21,BTC,96125.55,yahoo:KaushalParkar/dataset\n"
        "2025-02-21,ETH,2659.66,yahoo:KaushalParkar/dataset\n"
        "2025-02-21,ETH,2642.874510659083,coingecko:sablier-labs/price-data\n"
        "2025-02-21,stETH,2653.44,yahoo:KaushalParkar/dataset\n"
        "2025-02-21,USDT,0.999522,yahoo:KaushalParkar/dataset\n",
        encoding="utf-8",
    )
    return path


def test_import_is_idempotent_and_lookup_exact(store: Store, small_csv: Path) -> None:
    prices = PriceTable(store)
    assert prices.import_csv(small_csv) == 6
    assert prices.import_csv(small_csv) == 6
    assert prices.count() == 6
    # Two sources on the Bybit day: by the documented precedence an analyst's import beats the bundled table.
    point = prices.point_on("ETH", "2025-02-21")
    assert point is not None
    assert (point.usd, point.source) == (Decimal("2659.66"), "yahoo:KaushalParkar/dataset")
    bundled = prices.restricted_to("coingecko:sablier-labs/price-data").point_on("ETH", "2025-02-21")
    assert bundled is not None and bundled.usd == Decimal("2642.874510659083")  # digits kept exactly
    assert prices.price_on("USDT", date(2025, 2, 21)) == Decimal("0.999522")
    assert prices.price_on("steth", "2025-02-21") == Decimal("2653.44")  # case-insensitive symbol
    assert prices.price_on("BTC", datetime(2025, 2, 21, 23, 30, tzinfo=UTC)) == Decimal("96125.55")


def test_nearest_earlier_day_within_three_days(store: Store, small_csv: Path) -> None:
    prices = PriceTable(store)
    prices.import_csv(small_csv, sources=["yahoo:"])
    assert prices.count() == 5
    assert prices.price_on("ETH", "2025-02-20") == Decimal("2716.50")  # one day after 02-19
    assert prices.price_on("ETH", "2025-02-24") == Decimal("2659.66")  # three days after 02-21
    assert prices.price_on("ETH", "2025-02-25") is None  # four days: too far
    assert prices.price_on("ETH", "2025-02-18") is None  # never a later day
    assert prices.price_on("POL", "2025-02-21") is None


def test_malformed_rows_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,asset,close_usd,source\n2025-02-21,ETH,2659.66,yahoo:x\n2025-02-22,ETH,abc,yahoo:x\n")
    with pytest.raises(StoreError, match=r"bad\.csv:3: bad date or price"):
        list(read_price_csv(bad))
    header = tmp_path / "header.csv"
    header.write_text("day,symbol,usd\n")
    with pytest.raises(StoreError, match=r"header\.csv:1: expected header date,asset,close_usd,source"):
        list(read_price_csv(header))


def test_shared_combined_table_hack_dates(store: Store) -> None:
    if not SHARED.exists():
        pytest.skip("shared price data not present")
    prices = PriceTable(store)
    assert prices.import_csv(SHARED) == 10_496
    assert prices.import_csv(SHARED) == 10_496
    assert prices.count() == 10_496
    assert prices.price_on("ETH", "2025-02-21") == Decimal("2659.66")  # Bybit
    assert prices.price_on("BTC", "2022-03-23") == Decimal("42892.96")  # Ronin (README sanity table)
    assert prices.price_on("BTC", "2025-11-22") == Decimal("91465.99")  # 2025-11-19 is the last BTC day
    assert prices.price_on("BTC", "2025-11-23") is None
    assert prices.price_on("POL", "2024-06-01") is None  # no POL before 2025


def test_bundled_table_is_coingecko_only(store: Store) -> None:
    sources = {p.source for p in read_price_csv(BUNDLED)}
    assert sources == {"coingecko:sablier-labs/price-data"}
    prices = PriceTable(store)
    assert prices.import_bundled() == 3_621
    assert prices.price_on("POL", "2025-02-21") == Decimal("0.2909983011213038")
    assert prices.price_on("ETH", "2025-02-21") == Decimal("2642.874510659083")
    assert (BUNDLED.parent / "NOTICE.prices").read_text().count("MIT") >= 1
