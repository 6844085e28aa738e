"""Daily USD prices: import the long CSV ``date,asset,close_usd,source`` and look a price up by day.

Prices stay decimal strings in the database and :class:`decimal.Decimal` in Python -- never floats.
The bundled table ``tracer/data/prices_usd_daily.csv`` holds only MIT-licensed rows (CoinGecko via
sablier-labs/price-data); other sources (Yahoo-derived files) may be imported by the user but are not shipped.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from db.models import PriceRow
from db.store_base import StoreBase
from tracer.errors import StoreError
from tracer.model import PricePoint

logger = logging.getLogger(__name__)

HEADER = ("date", "asset", "close_usd", "source")
MAX_GAP_DAYS = 3
BUNDLED_NAME = "prices_usd_daily.csv"


class PriceTable:
    """Prices stored in the ``prices`` table."""

    def __init__(self, target: Engine | StoreBase) -> None:
        self._store = target if isinstance(target, StoreBase) else StoreBase(target)

    def add_points(self, points: Iterable[PricePoint]) -> int:
        """Store prices; a (symbol, day, source) already stored is kept as is. Returns rows offered."""
        rows = {(p.symbol, p.day, p.source): {"asset": p.symbol, "day": p.day, "close_usd": str(p.usd),
                                              "source": p.source} for p in points}
        if not rows:
            return 0
        with self._store.session() as s:
            stmt = self._store.insert(PriceRow).on_conflict_do_nothing(index_elements=["asset", "day", "source"])
            s.execute(stmt, list(rows.values()))
        return len(rows)

    def import_csv(self, path: Path, *, sources: Iterable[str] | None = None) -> int:
        """Import a long-format price CSV idempotently; ``sources`` keeps only rows whose source starts with
        one of the given prefixes (e.g. ``["coingecko:"]``). Returns the number of rows read and kept.

        May raise: StoreError naming the file and line of a malformed row.
        """
        prefixes = tuple(sources) if sources is not None else None
        points = [p for p in read_price_csv(path) if prefixes is None or p.source.startswith(prefixes)]
        self.add_points(points)
        logger.info("imported %d price rows from %s", len(points), path)
        return len(points)

    def import_bundled(self) -> int:
        """Import the MIT-licensed table shipped in ``tracer/data`` (0 when it is absent)."""
        resource = resources.files("tracer.data").joinpath(BUNDLED_NAME)
        if not resource.is_file():
            return 0
        with resources.as_file(resource) as path:
            return self.import_csv(path)

    def point_on(self, symbol: str, day: str | date, *, max_gap_days: int = MAX_GAP_DAYS) -> PricePoint | None:
        """Close of ``symbol`` on ``day``, else on the nearest EARLIER day at most ``max_gap_days`` back.

        The symbol matches case-insensitively (``steth`` finds ``stETH``). When several sources have the
        chosen day, the alphabetically first source wins (deterministic).
        """
        end = _as_date(day)
        start = end - timedelta(days=max_gap_days)
        with self._store.reading() as s:
            rows = s.execute(
                select(PriceRow.asset, PriceRow.day, PriceRow.close_usd, PriceRow.source).where(
                    func.lower(PriceRow.asset) == symbol.lower(),
                    PriceRow.day >= start.isoformat(),
                    PriceRow.day <= end.isoformat(),
                )
            ).all()
        if not rows:
            return None
        asset, best_day, close, source = min(rows, key=lambda r: (_neg_day(r[1]), r[3]))
        return PricePoint(symbol=asset, day=best_day, usd=Decimal(close), source=source)

    def price_on(self, symbol: str, day: str | date, *, max_gap_days: int = MAX_GAP_DAYS) -> Decimal | None:
        """USD close of ``symbol`` on ``day`` (or up to ``max_gap_days`` earlier), or None."""
        point = self.point_on(symbol, day, max_gap_days=max_gap_days)
        return None if point is None else point.usd

    def count(self) -> int:
        """Number of stored price rows."""
        with self._store.reading() as s:
            return int(s.scalar(select(func.count()).select_from(PriceRow)) or 0)


def read_price_csv(path: Path) -> Iterator[PricePoint]:
    """Rows of a long-format price CSV as :class:`PricePoint`s (value strings kept exactly).

    May raise: StoreError naming the file and line of a malformed row.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = tuple(next(reader, ()))
            if header != HEADER:
                raise StoreError(f"{path}:1: expected header {','.join(HEADER)}, got {','.join(header)!r}")
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                yield _point(path, line, row)
    except OSError as exc:
        raise StoreError(f"cannot read price file {path}: {exc.strerror or exc}") from exc


def _point(path: Path, line: int, row: list[str]) -> PricePoint:
    if len(row) != len(HEADER):
        raise StoreError(f"{path}:{line}: expected {len(HEADER)} fields, got {len(row)}")
    day, asset, close, source = (field.strip() for field in row)
    try:
        date.fromisoformat(day)
        usd = Decimal(close)
    except (ValueError, InvalidOperation) as exc:
        raise StoreError(f"{path}:{line}: bad date or price ({day!r}, {close!r})") from exc
    if not usd.is_finite() or usd < 0 or not asset or not source:
        raise StoreError(f"{path}:{line}: price must be a non-negative number with asset and source")
    # Keep the source's own digits: Decimal(str) round-trips the text exactly.
    return PricePoint(symbol=asset, day=day, usd=usd, source=source)


def _as_date(day: str | date) -> date:
    if isinstance(day, datetime):  # a timestamp: its UTC calendar day
        return day.astimezone(UTC).date() if day.tzinfo else day.date()
    return day if isinstance(day, date) else date.fromisoformat(day)


def _neg_day(day: str) -> int:
    return -date.fromisoformat(day).toordinal()
