"""LabelStore: versioned label sets over the ``label_sets`` / ``labels`` tables.

A label set is one (source, version) import. :meth:`LabelStore.import_sets` stores one or more sets in ONE
transaction with bulk inserts: a failure stores nothing. Re-importing an existing (source, version) is a no-op,
so imports are idempotent. Only active sets are used by lookups (``active_labels``, ``find``, ``search``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from db.models import LabelRow, LabelSetRow
from tracer.errors import StoreError
from tracer.model import Category, Chain, Label

_CHUNK = 5000  # rows per executemany: well under SQLite's variable limit, big enough to be fast


@dataclass(frozen=True)
class LabelSetInfo:
    """One stored label set."""

    id: int
    source: str
    version: str
    imported_at: datetime
    path: str | None
    sha256: str
    count: int
    active: bool


@dataclass(frozen=True)
class NewLabelSet:
    """A label set to store: its identity, provenance and labels."""

    source: str
    version: str
    sha256: str
    labels: Sequence[Label]
    path: str | None = None


@dataclass(frozen=True)
class StoredSet:
    """Outcome of storing one set: ``created`` False when that (source, version) was already there."""

    info: LabelSetInfo
    created: bool


class LabelStore:
    """Label sets in the case store (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Writers take SQLite's write lock at BEGIN: a deferred transaction that reads, then writes, fails at once
        # with "database is locked" when another process wrote in between (two first traces on a fresh database
        # both installing the bundled set). On PostgreSQL the option is ignored.
        self._writer = engine.execution_options(tracer_begin="BEGIN IMMEDIATE")

    def import_sets(self, sets: Sequence[NewLabelSet], *, now: datetime | None = None) -> list[StoredSet]:
        """Store every set in one transaction; sets already stored (same source and version) are left as they are.

        Duplicate (chain, address, label) rows inside a set are stored once.
        May raise: StoreError (nothing is stored).
        """
        try:
            return self._import_sets(sets, now or datetime.now(UTC))
        except IntegrityError:  # another process stored the same (source, version) first: it is there now
            try:
                return self._import_sets(sets, now or datetime.now(UTC))
            except IntegrityError as exc:
                raise StoreError(f"label import failed, nothing stored: {exc}".splitlines()[0]) from exc

    def _import_sets(self, sets: Sequence[NewLabelSet], stamp: datetime) -> list[StoredSet]:
        results: list[StoredSet] = []
        try:
            with Session(self._writer) as session, session.begin():
                for new in sets:
                    existing = session.scalars(select(LabelSetRow).where(
                        LabelSetRow.source == new.source, LabelSetRow.version == new.version)).first()
                    if existing is not None:
                        results.append(StoredSet(_info(existing), created=False))
                        continue
                    rows = _rows(new.labels)
                    row = LabelSetRow(source=new.source, version=new.version, imported_at=stamp, path=new.path,
                                      sha256=new.sha256, count=len(rows), active=True)
                    session.add(row)
                    session.flush()
                    for start in range(0, len(rows), _CHUNK):
                        chunk = rows[start:start + _CHUNK]
                        for item in chunk:
                            item["label_set_id"] = row.id
                        # Core executemany on the table: no ORM bookkeeping per row.
                        session.connection().execute(insert(LabelRow), chunk)
                    results.append(StoredSet(_info(row), created=True))
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:  # the transaction rolled back: nothing stored
            raise StoreError(f"label import failed, nothing stored: {type(exc).__name__}: {exc}".splitlines()[0]) from exc
        return results

    def sets(self) -> list[LabelSetInfo]:
        """Every stored set, by source then import time."""
        with Session(self.engine) as session:
            rows = session.scalars(select(LabelSetRow).order_by(LabelSetRow.source, LabelSetRow.imported_at,
                                                                LabelSetRow.id))
            return [_info(row) for row in rows]

    def versions_of(self, source: str) -> list[LabelSetInfo]:
        """Stored versions of one source, oldest import first."""
        return [info for info in self.sets() if info.source == source]

    def set_active(self, source: str, version: str | None, active: bool) -> int:
        """Activate/deactivate one version (or every version when ``version`` is None); returns sets changed."""
        stmt = update(LabelSetRow).where(LabelSetRow.source == source)
        if version is not None:
            stmt = stmt.where(LabelSetRow.version == version)
        with Session(self._writer) as session, session.begin():
            result = session.execute(stmt.values(active=active))
            return int(getattr(result, "rowcount", 0) or 0)

    def active_versions(self) -> dict[str, str]:
        """source -> version of every active set (what a case records as the labels it used)."""
        out: dict[str, str] = {}
        for info in self.sets():
            if info.active:
                out[info.source] = info.version if info.source not in out else f"{out[info.source]},{info.version}"
        return out

    def labels_of_set(self, source: str, version: str) -> list[Label]:
        """Every label of one stored set (active or not)."""
        query = _label_query().where(LabelSetRow.source == source, LabelSetRow.version == version)
        return self._labels(query)

    def active_labels(self) -> list[Label]:
        """Every label of every active set (to build a :class:`tracer.labels.index.LabelIndex`).

        Reads plain columns (no ORM objects): ~3x faster on 100k+ labels.
        """
        cols = (LabelRow.chain, LabelRow.address, LabelRow.label, LabelRow.category, LabelSetRow.source,
                LabelRow.confidence, LabelRow.entity, LabelRow.program, LabelRow.valid_from, LabelRow.valid_to,
                LabelSetRow.version)
        query = select(*cols).join(LabelSetRow, LabelRow.label_set_id == LabelSetRow.id).where(
            LabelSetRow.active.is_(True)).order_by(LabelRow.id)
        chains = {chain.value: chain for chain in Chain}
        categories = {category.value: category for category in Category}
        with Session(self.engine) as session:
            return [Label(chains[c], a, lab, categories[cat], src, conf, ent, prog, _aware(vf), _aware(vt), ver)
                    for c, a, lab, cat, src, conf, ent, prog, vf, vt, ver in session.execute(query)]

    def find(self, chain: Chain, address: str, *, case_insensitive: bool = False) -> list[Label]:
        """Labels of one address in active sets; also its lower-cased form (case-folded OFAC keys).

        ``case_insensitive`` matches any case (for a lower-cased base58 address typed by a user); it scans
        the chain's labels instead of using the index, so it is meant for the CLI, not for tracing.
        """
        match = func.lower(LabelRow.address) == address.lower() if case_insensitive else \
            LabelRow.address.in_({address, address.lower()})
        query = _label_query().where(LabelSetRow.active.is_(True), LabelRow.chain == chain.value, match)
        return self._labels(query)

    def search(self, text: str, limit: int = 200) -> list[Label]:
        """Labels whose label, entity or program contains ``text`` (case-insensitive), active sets only."""
        # Escape LIKE wildcards so "%" or "_" in the search text match literally.
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        columns = (LabelRow.label, LabelRow.entity, LabelRow.program, LabelRow.address)
        query = _label_query().where(LabelSetRow.active.is_(True), or_(
            *(func.lower(column).like(pattern, escape="\\") for column in columns))).limit(limit)
        return self._labels(query)

    def count(self) -> int:
        """Number of stored label rows (all sets)."""
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count(LabelRow.id))) or 0)

    def _labels(self, query: object) -> list[Label]:
        with Session(self.engine) as session:
            return [_label(row, source, version) for row, source, version in session.execute(query)]  # type: ignore[call-overload]


def _label_query():  # type: ignore[no-untyped-def]
    return select(LabelRow, LabelSetRow.source, LabelSetRow.version).join(
        LabelSetRow, LabelRow.label_set_id == LabelSetRow.id).order_by(LabelRow.id)


def _rows(labels: Iterable[Label]) -> list[dict[str, object]]:
    seen: set[tuple[str, str, str]] = set()
    rows: list[dict[str, object]] = []
    for label in labels:
        key = (label.chain.value, label.address, label.label)
        if key in seen:
            continue
        seen.add(key)
        rows.append({
            "chain": label.chain.value, "address": label.address, "label": label.label,
            "category": label.category.value, "confidence": label.confidence, "entity": label.entity,
            "program": label.program, "valid_from": label.valid_from, "valid_to": label.valid_to,
        })
    return rows


def _aware(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes even for timezone-aware columns; everything we store is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _label(row: LabelRow, source: str, version: str) -> Label:
    return Label(
        chain=Chain(row.chain), address=row.address, label=row.label, category=Category(row.category),
        source=source, confidence=row.confidence, entity=row.entity, program=row.program,
        valid_from=_aware(row.valid_from), valid_to=_aware(row.valid_to), source_version=version,
    )


def _info(row: LabelSetRow) -> LabelSetInfo:
    return LabelSetInfo(id=row.id, source=row.source, version=row.version, imported_at=_aware(row.imported_at)
                        or row.imported_at, path=row.path, sha256=row.sha256, count=row.count, active=row.active)
