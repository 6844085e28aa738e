"""Public events of a case: ``tracer case note`` -> case_notes table -> export ``events`` -> the timeline."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from db.store import Store
from db.store_notes import NoteStore
from tests.figures.test_cli import tracer
from tracer.export import build_export
from tracer.figures import series
from tracer.figures.render import build_figures
from tracer.model import Address, CaseParameters, Chain, Seed
from tracer.schemas import export_errors

EXPLOITER = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
PG_URL = os.environ.get("TRACER_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend (PostgreSQL when TRACER_TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'case.db'}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:  # a fresh schema: the next open migrates from scratch, case_notes included
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return PG_URL


def _case(url: str, name: str = "bybit") -> int:
    store = Store.open(url)
    try:
        return store.create_case(name, CaseParameters(), [Seed(Address(Chain.ETHEREUM, EXPLOITER))])
    finally:
        store.close()


def test_notes_are_stored_once_in_date_order_and_go_with_their_case(db_url: str) -> None:
    url = db_url
    case_id = _case(url)
    store = Store.open(url)
    notes = NoteStore(store.engine)
    later, new = notes.add_note(case_id, date(2025, 2, 26), "FBI attributes the theft to  TraderTraitor\n")
    assert new and later.text == "FBI attributes the theft to TraderTraitor"  # one caption line
    again, new_again = notes.add_note(case_id, date(2025, 2, 26), "FBI attributes the theft to TraderTraitor")
    assert not new_again and again.id == later.id
    notes.add_note(case_id, date(2025, 2, 21), "Bybit reports the theft")
    assert [(n.day.isoformat(), n.text) for n in notes.notes(case_id)] == [
        ("2025-02-21", "Bybit reports the theft"), ("2025-02-26", "FBI attributes the theft to TraderTraitor")]
    with pytest.raises(ValueError, match="empty"):
        notes.add_note(case_id, date(2025, 2, 21), "   ")
    assert notes.remove_note(case_id, later.id) and not notes.remove_note(case_id, later.id)
    assert store.delete_case(case_id)
    assert notes.notes(case_id) == []
    store.close()


def test_export_lists_the_events_and_the_schema_checks_them(tmp_path: Path, sample_doc: dict[str, object]) -> None:
    url = f"sqlite:///{tmp_path / 'case.db'}"
    case_id = _case(url)
    store = Store.open(url)
    NoteStore(store.engine).add_note(case_id, date(2025, 2, 27), "Tether freezes 181,000 USDT")
    doc = build_export(store, "bybit")
    store.close()
    assert doc["events"] == [{"date": "2025-02-27", "text": "Tether freezes 181,000 USDT"}]
    assert export_errors({**sample_doc, "events": doc["events"]}) == []  # (an empty case has no stolen value)
    assert export_errors({**sample_doc, "events": [{"date": "27 Feb", "text": "x"}]}) != []


def test_sample_timeline_marks_each_event_and_spells_it_out(sample_doc: dict[str, object]) -> None:
    doc = {**sample_doc, "events": [{"date": "2025-02-26", "text": "FBI attributes the theft to TraderTraitor"},
                                    {"date": "2025-02-21", "text": "Bybit reports the theft"},
                                    {"date": "2025-02-26", "text": "eXch <b>closes</b>"}]}
    events = series.events_table(doc)
    assert list(events.number) == [1, 2, 3] and list(events.date) == ["2025-02-21", "2025-02-26", "2025-02-26"]
    figure = {f.name: f for f in build_figures(doc)}["timeline"].figure
    caption = figure.layout.annotations[0].text
    assert "[1] 21 Feb 2025: Bybit reports the theft" in caption
    assert "[3] 26 Feb 2025: eXch &lt;b&gt;closes&lt;/b&gt;" in caption  # imported text is never markup
    marks = [a.text for a in figure.layout.annotations if a.yref == "y domain"]
    assert marks == ["<b>1</b>", "<b>2,3</b>"]  # one mark per day
    assert len(figure.layout.shapes) == 2


def test_cli_note_notes_and_forget(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'case.db'}"
    _case(url)
    env = {"TRACER_DATABASE_URL": url}
    out = tracer("case", "note", "bybit", "--date", "2025-02-26", "--text", "FBI attributes the theft", "--json",
                 env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"id": 1, "date": "2025-02-26", "text": "FBI attributes the theft", "new": True}
    listed = tracer("case", "notes", "bybit", "--json", env=env, cwd=tmp_path)
    assert json.loads(listed.stdout) == [{"id": 1, "date": "2025-02-26", "text": "FBI attributes the theft"}]
    table = tracer("case", "notes", "bybit", env=env, cwd=tmp_path)
    assert "FBI attributes the theft" in table.stdout and "2025-02-26" in table.stdout
    bad = tracer("case", "note", "bybit", "--date", "26/02/2025", "--text", "x", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    missing = tracer("case", "note", "nope", "--date", "2025-02-26", "--text", "x", env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "no case named 'nope'" in missing.stderr
    gone = tracer("case", "forget-note", "bybit", "1", env=env, cwd=tmp_path)
    assert gone.returncode == 0 and "removed note #1" in gone.stdout
    again = tracer("case", "forget-note", "bybit", "1", env=env, cwd=tmp_path)
    assert again.returncode == 1
