"""Daily USD prices: import the long CSV ``date,asset,close_usd,source`` and look a price up by day.

Prices stay decimal strings in the database and :class:`decimal.Decimal` in Python -- never floats.
The bundled table ``tracer/data/prices_usd_daily.csv`` holds only MIT-licensed rows (CoinGecko via
sablier-labs/price-data); other sources (Yahoo-derived files) may be imported by the user but are not shipped.

**One USD truth.** When several sources price the same asset, the source wins by this precedence (then the
nearest earlier day, then the source name):

1. tables the analyst imported (``tracer prices import``, any other source name) -- an explicit choice;
2. ``coingecko``: daily closes fetched through the CoinGecko-compatible API adapter (archived like every
   response; the demo and ``tracer sandbox serve`` fetch the generated world's closes this way);
3. ``coingecko:sablier-labs/price-data``: the table bundled with the package (the fallback).

A case is valued with ONE source: the first export chooses the highest source that prices every stolen asset on
the theft day and records it in the case with a version (sha256 prefix of that source's rows); every later export
uses only that source, so the same incident keeps the same USD whatever is imported afterwards.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from db.models import CaseRow, PriceRow
from db.store_base import StoreBase
from tracer.errors import StoreError
from tracer.model import PricePoint

logger = logging.getLogger(__name__)

HEADER = ("date", "asset", "close_usd", "source")
MAX_GAP_DAYS = 3
BUNDLED_NAME = "prices_usd_daily.csv"
BUNDLED_SOURCE = "coingecko:sablier-labs/price-data"
API_SOURCE = "coingecko"
PRECEDENCE_TEXT = "analyst imports > coingecko API > bundled table"


def source_rank(source: str) -> int:
    """Precedence of a price source: 0 analyst imports, 1 the CoinGecko API, 2 the bundled table."""
    if source == BUNDLED_SOURCE:
        return 2
    if source == API_SOURCE:
        return 1
    return 0


@dataclass(frozen=True)
class PriceSource:
    """The source a case's USD values come from, and the version of its rows when it was chosen."""

    source: str
    version: str
    rank: int

    def as_dict(self) -> dict[str, object]:
        """JSON form (export ``meta.price_source``)."""
        return {"source": self.source, "version": self.version, "precedence": PRECEDENCE_TEXT,
                "rank": self.rank}


class PriceTable:
    """Prices stored in the ``prices`` table."""

    def __init__(self, target: Engine | StoreBase, *, only_source: str | None = None) -> None:
        self._store = target if isinstance(target, StoreBase) else StoreBase(target)
        self.only_source = only_source  # a case pinned to one source sees no other

    def restricted_to(self, source: str) -> PriceTable:
        """The same table, answering only from ``source`` (a case's pinned source)."""
        return PriceTable(self._store, only_source=source)

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

        The symbol matches case-insensitively (``steth`` finds ``stETH``). When several sources price it, the
        source of highest precedence (:func:`source_rank`) wins, then the nearest day, then the source name.
        """
        end = _as_date(day)
        start = end - timedelta(days=max_gap_days)
        with self._store.reading() as s:
            stmt = select(PriceRow.asset, PriceRow.day, PriceRow.close_usd, PriceRow.source).where(
                func.lower(PriceRow.asset) == symbol.lower(),
                PriceRow.day >= start.isoformat(),
                PriceRow.day <= end.isoformat(),
            )
            if self.only_source is not None:
                stmt = stmt.where(PriceRow.source == self.only_source)
            rows = s.execute(stmt).all()
        if not rows:
            return None
        asset, best_day, close, source = min(rows, key=lambda r: (source_rank(r[3]), _neg_day(r[1]), r[3]))
        return PricePoint(symbol=asset, day=best_day, usd=Decimal(close), source=source)

    def price_on(self, symbol: str, day: str | date, *, max_gap_days: int = MAX_GAP_DAYS) -> Decimal | None:
        """USD close of ``symbol`` on ``day`` (or up to ``max_gap_days`` earlier), or None."""
        point = self.point_on(symbol, day, max_gap_days=max_gap_days)
        return None if point is None else point.usd

    def sources(self) -> list[str]:
        """Every stored source, by precedence."""
        with self._store.reading() as s:
            found = s.scalars(select(PriceRow.source).distinct()).all()
        return sorted(found, key=lambda x: (source_rank(x), x))

    def version_of(self, source: str) -> str:
        """sha256 prefix of a source's rows (asset, day, close), sorted: changes whenever its prices do."""
        with self._store.reading() as s:
            rows = s.execute(select(PriceRow.asset, PriceRow.day, PriceRow.close_usd)
                             .where(PriceRow.source == source)
                             .order_by(PriceRow.asset, PriceRow.day)).all()
        digest = hashlib.sha256("\n".join(f"{a},{d},{c}" for a, d, c in rows).encode()).hexdigest()
        return f"{len(rows)}:{digest[:12]}"

    def choose_source(self, symbols: Iterable[str], day: str | date) -> PriceSource | None:
        """The highest-precedence source pricing every symbol on ``day`` (else the one pricing most of them)."""
        wanted = sorted(set(symbols))
        best: tuple[int, int, str] | None = None
        for source in self.sources():
            view = self.restricted_to(source)
            covered = sum(view.point_on(sym, day) is not None for sym in wanted)
            key = (-covered, source_rank(source), source)
            if covered and (best is None or key < best):
                best = key
        if best is None:
            return None
        return PriceSource(best[2], self.version_of(best[2]), source_rank(best[2]))

    def case_source(self, case_id: int) -> PriceSource | None:
        """The price source recorded for a case, or None."""
        with self._store.reading() as s:
            text = s.scalar(select(CaseRow.price_source_json).where(CaseRow.id == case_id))
        if not text:
            return None
        data = json.loads(text)
        return PriceSource(str(data["source"]), str(data["version"]), int(data.get("rank", 0)))

    def pin_case_source(self, case_id: int, source: PriceSource) -> None:
        """Record the source a case is valued with (kept for every later export)."""
        with self._store.session() as s:
            row = s.get(CaseRow, case_id)
            if row is None:
                raise StoreError(f"no case with id {case_id}")
            row.price_source_json = json.dumps(source.as_dict(), sort_keys=True)

    def for_case(self, case_id: int, symbols: Iterable[str], day: str | None) -> tuple[PriceTable, PriceSource | None]:
        """The table a case is valued with: its recorded source, else the one chosen now (and recorded)."""
        pinned = self.case_source(case_id)
        if pinned is None and day is not None:
            pinned = self.choose_source(symbols, day)
            if pinned is not None:
                self.pin_case_source(case_id, pinned)
        return (self.restricted_to(pinned.source), pinned) if pinned is not None else (self, None)

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


def write_price_csv(path: Path, points: Iterable[PricePoint]) -> int:
    """Write prices in the long format :func:`read_price_csv` reads (values exactly as held). Returns rows."""
    rows = sorted({(p.day, p.symbol, str(p.usd), p.source) for p in points})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)


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
