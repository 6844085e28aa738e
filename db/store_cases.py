"""Cases: create, read, list, update status and start-of-case facts, delete."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import CaseRow, SeedRow
from db.records import CaseInfo, CaseStatus, dumps, now_utc, params_from_json, params_to_json, utc
from db.store_base import StoreBase
from tracer.errors import StoreError
from tracer.model import Address, CaseParameters, Chain, Seed


class CaseExists(StoreError):
    """A case with that name is already stored."""


class CaseStoreMixin(StoreBase):
    """Case rows and their seeds."""

    def create_case(self, name: str, params: CaseParameters, seeds: Sequence[Seed]) -> int:
        """Store a new case with its seeds; returns its id.

        May raise: CaseExists when ``name`` is taken.
        """
        with self.session() as s:
            if s.scalar(select(CaseRow.id).where(CaseRow.name == name)) is not None:
                raise CaseExists(f"case {name!r} already exists")
            now = now_utc()
            row = CaseRow(name=name, created_at=now, updated_at=now, parameters_json=params_to_json(params),
                          label_versions_json="{}", tips_json="{}", status=CaseStatus.RUNNING.value)
            s.add(row)
            s.flush()
            seen: set[tuple[str, str]] = set()
            for seed in seeds:
                key = (seed.address.chain.value, seed.address.value)
                if key in seen:  # the same seed twice is one seed
                    continue
                seen.add(key)
                s.add(SeedRow(case_id=row.id, chain=key[0], address=key[1], tx_hash=seed.tx_hash, since=seed.since))
            s.flush()
            return row.id

    def get_case(self, name: str) -> CaseInfo | None:
        """The case called ``name``, or None."""
        with self.reading() as s:
            row = s.scalar(select(CaseRow).where(CaseRow.name == name))
            return None if row is None else _info(s, row)

    def case_by_id(self, case_id: int) -> CaseInfo | None:
        """The case with this id, or None."""
        with self.reading() as s:
            row = s.get(CaseRow, case_id)
            return None if row is None else _info(s, row)

    def list_cases(self) -> list[CaseInfo]:
        """Every case, oldest first."""
        with self.reading() as s:
            rows = s.scalars(select(CaseRow).order_by(CaseRow.created_at, CaseRow.id)).all()
            return [_info(s, row) for row in rows]

    def set_case_status(self, case_id: int, status: CaseStatus | str, *, reason: str | None = None,
                        runner: str | None = None) -> None:
        """Mark a case running, interrupted, failed or finished; ``reason`` says why, ``runner`` (``host:pid``)
        which process runs it (kept only while running, to tell a live run from one whose process is gone).

        May raise: ValueError for an unknown status, StoreError for an unknown case.
        """
        value = CaseStatus(status).value
        with self.session() as s:
            row = _row(s, case_id)
            row.status = value
            row.status_reason = reason
            row.runner = runner if value == CaseStatus.RUNNING.value else None
            row.updated_at = now_utc()

    def set_case_meta(
        self,
        case_id: int,
        *,
        label_versions: Mapping[str, str] | None = None,
        tips: Mapping[str, int] | None = None,
        stolen_amount: int | None = None,
        seed_asset: str | None = None,
    ) -> None:
        """Record start-of-case facts. ``label_versions`` and ``tips`` (chain -> tip height) are MERGED
        into what is stored (a chain first touched later adds its tip); other fields replace when given.

        May raise: StoreError for an unknown case.
        """
        with self.session() as s:
            row = _row(s, case_id)
            if label_versions is not None:
                merged = {**json.loads(row.label_versions_json or "{}"), **dict(label_versions)}
                row.label_versions_json = dumps(merged)
            if tips is not None:
                merged_tips = {**json.loads(row.tips_json or "{}"), **{str(k): int(v) for k, v in tips.items()}}
                row.tips_json = dumps(merged_tips)
            if stolen_amount is not None:
                row.stolen_amount = stolen_amount
            if seed_asset is not None:
                row.seed_asset = seed_asset
            row.updated_at = now_utc()

    def delete_case(self, case_id: int) -> bool:
        """Delete a case and everything recorded for it (shared transfers stay); False if unknown."""
        with self.session() as s:
            found = s.get(CaseRow, case_id) is not None
            if found:
                # ON DELETE CASCADE (foreign keys are ON for SQLite too) removes seeds, edges, endpoints...
                s.execute(delete(CaseRow).where(CaseRow.id == case_id))
                s.expunge_all()
            return found


def _row(s: Session, case_id: int) -> CaseRow:
    row = s.get(CaseRow, case_id)
    if row is None:
        raise StoreError(f"no case with id {case_id}")
    return row


def _info(s: Session, row: CaseRow) -> CaseInfo:
    seeds = s.scalars(select(SeedRow).where(SeedRow.case_id == row.id).order_by(SeedRow.id)).all()
    return CaseInfo(
        id=row.id,
        name=row.name,
        params=params_from_json(row.parameters_json),
        seeds=tuple(
            Seed(address=Address(Chain(r.chain), r.address), tx_hash=r.tx_hash, since=r.since) for r in seeds
        ),
        status=row.status,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        label_versions=dict(json.loads(row.label_versions_json or "{}")),
        tips={k: int(v) for k, v in json.loads(row.tips_json or "{}").items()},
        stolen_amount=row.stolen_amount,
        seed_asset=row.seed_asset,
        status_reason=row.status_reason,
        runner=row.runner,
    )
