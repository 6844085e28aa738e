"""``tracer case note|notes|forget-note``: dated public events of a case, drawn on its timeline and exported."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from db.store_notes import CaseNote, NoteStore
from tracer.cli.app import app
from tracer.cli.common import fatal, print_json, run, stdout
from tracer.cli.trace import open_store
from tracer.errors import CaseNotFound

case_app = typer.Typer(help="Case records kept beside the trace: public events for the timeline.",
                       no_args_is_help=True)
app.add_typer(case_app, name="case")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fatal(f"--date must be YYYY-MM-DD, got {text!r}", code=2)


def _notes_and_case(case: str) -> tuple[NoteStore, int]:
    store = open_store()
    found = store.get_case(case)
    if found is None:
        raise CaseNotFound(f"no case named {case!r} (see `tracer cases`)")
    return NoteStore(store.engine), found.id


def _as_json(note: CaseNote) -> dict[str, object]:
    return {"id": note.id, "date": note.day.isoformat(), "text": note.text}


@case_app.command("note")
def note_command(
    case: str = typer.Argument(..., help="Case name (as in `tracer cases`)."),
    day: str = typer.Option(..., "--date", help="Day of the event, YYYY-MM-DD (UTC)."),
    text: str = typer.Option(..., "--text", help="What happened, one line (e.g. \"FBI attributes the theft to "
                                                 "TraderTraitor\")."),
    json_out: bool = typer.Option(False, "--json", help="Print the stored note as JSON."),
) -> None:
    """Record a public event (an attribution, a freeze, a delisting): marked on the timeline, listed in the export."""

    def body() -> None:
        notes, case_id = _notes_and_case(case)
        try:
            note, new = notes.add_note(case_id, _parse_day(day), text)
        except ValueError as exc:
            fatal(str(exc), code=2)
        if json_out:
            print_json({**_as_json(note), "new": new})
            return
        stdout.print(f"{'noted' if new else 'already noted'} #{note.id}: {note.day.isoformat()} {note.text}",
                     soft_wrap=True, markup=False)

    run(body)


@case_app.command("notes")
def notes_command(
    case: str = typer.Argument(..., help="Case name (as in `tracer cases`)."),
    json_out: bool = typer.Option(False, "--json", help="Print the notes as JSON."),
) -> None:
    """List the case's public events, oldest first."""

    def body() -> None:
        notes, case_id = _notes_and_case(case)
        found = notes.notes(case_id)
        if json_out:
            print_json([_as_json(n) for n in found])
            return
        if not found:
            stdout.print(f"no notes for {case}; add one with `tracer case note {case} --date YYYY-MM-DD --text …`",
                         soft_wrap=True, markup=False)
            return
        table = Table(title=f"{case}: public events")
        table.add_column("id", justify="right")
        table.add_column("date", no_wrap=True)
        table.add_column("event", overflow="fold")
        for n in found:
            table.add_row(str(n.id), n.day.isoformat(), n.text)
        stdout.print(table)

    run(body)


@case_app.command("forget-note")
def forget_note_command(
    case: str = typer.Argument(..., help="Case name (as in `tracer cases`)."),
    note_id: int = typer.Argument(..., help="Note id (from `tracer case notes CASE`)."),
) -> None:
    """Delete one public event of the case."""

    def body() -> None:
        notes, case_id = _notes_and_case(case)
        if not notes.remove_note(case_id, note_id):
            fatal(f"case {case} has no note #{note_id}")
        stdout.print(f"removed note #{note_id} from {case}")

    run(body)
