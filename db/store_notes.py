"""Case notes: dated public events of a case (an FBI attribution, a freeze, a delisting) for its timeline.

Usage::

    notes = NoteStore(store.engine)
    notes.add_note(case_id, date(2025, 2, 26), "FBI attributes the theft to TraderTraitor")
    notes.notes(case_id)    # oldest first

Kept apart from the trace tables: a note is the analyst's statement about the world, never a traced fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select

from db.models import CaseNoteRow
from db.records import now_utc, utc
from db.store_base import StoreBase

MAX_NOTE_CHARS = 500  # a caption line, not a report: longer text belongs in the report itself


@dataclass(frozen=True, slots=True)
class CaseNote:
    """One dated event of a case."""

    id: int
    day: date
    text: str
    created_at: datetime


class NoteStore(StoreBase):
    """The ``case_notes`` table on one engine (SQLite or PostgreSQL)."""

    def add_note(self, case_id: int, day: date, text: str) -> tuple[CaseNote, bool]:
        """Record an event; (the note, True) when new, (the stored note, False) when the same one exists.

        May raise: ValueError for empty or over-long text.
        """
        clean = " ".join(text.split())  # one line: it is printed in a figure caption
        if not clean:
            raise ValueError("the note text is empty")
        if len(clean) > MAX_NOTE_CHARS:
            raise ValueError(f"the note is {len(clean)} characters; keep it under {MAX_NOTE_CHARS}")
        with self.session() as s:
            found = s.scalars(select(CaseNoteRow).where(CaseNoteRow.case_id == case_id,
                                                        CaseNoteRow.day == day.isoformat(),
                                                        CaseNoteRow.text == clean)).first()
            if found is not None:
                return _note(found), False
            row = CaseNoteRow(case_id=case_id, day=day.isoformat(), text=clean, created_at=now_utc())
            s.add(row)
            s.flush()
            return _note(row), True

    def notes(self, case_id: int) -> list[CaseNote]:
        """The case's events, oldest first (same day: in the order they were added)."""
        with self.reading() as s:
            rows = s.scalars(select(CaseNoteRow).where(CaseNoteRow.case_id == case_id)
                             .order_by(CaseNoteRow.day, CaseNoteRow.id)).all()
            return [_note(r) for r in rows]

    def remove_note(self, case_id: int, note_id: int) -> bool:
        """Delete one event of the case; False when the case has no such note."""
        with self.session() as s:
            result = s.execute(delete(CaseNoteRow).where(CaseNoteRow.case_id == case_id,
                                                         CaseNoteRow.id == note_id))
            return bool(getattr(result, "rowcount", 0))


def _note(row: CaseNoteRow) -> CaseNote:
    return CaseNote(id=row.id, day=date.fromisoformat(row.day), text=row.text, created_at=utc(row.created_at))
