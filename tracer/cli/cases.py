"""``tracer cases`` (what is stored, and in what state) and ``tracer export`` (JSON, CSV, GraphML, STIX 2.1)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from db.records import CaseInfo, CaseStatus
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import check_output, fatal, print_json, run, stdout
from tracer.cli.tables import add_rows, make_table
from tracer.cli.trace import open_store
from tracer.export import build_export
from tracer.exporters import FORMATS, write_export

JUST_CREATED = timedelta(seconds=60)
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")
# The words the CLI uses for the stored lifecycle (``finished`` is stored, ``done`` is shown).
STATUS_WORDS = {CaseStatus.RUNNING.value: "running", CaseStatus.INTERRUPTED.value: "interrupted",
                CaseStatus.FAILED.value: "failed", CaseStatus.FINISHED.value: "done"}


def process_alive(runner: str | None) -> bool | None:
    """Whether the ``host:pid`` process still runs: None when it ran on another host (cannot tell)."""
    if not runner:
        return False
    host, _, pid_text = runner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def settle_stale(store: Store, case: CaseInfo) -> CaseInfo:
    """A case stored as running whose process is gone (kill -9, power loss) is recorded as interrupted."""
    if case.status != CaseStatus.RUNNING.value or process_alive(case.runner) is not False:
        return case
    if case.runner is None and datetime.now(UTC) - case.updated_at < JUST_CREATED:
        return case  # created a moment ago; its process records itself right after
    why = f"its process ({case.runner}) is gone" if case.runner else "no running process was recorded"
    store.set_case_status(case.id, CaseStatus.INTERRUPTED, reason=f"{why}; re-run the same command to resume")
    return store.case_by_id(case.id) or case


@app.command("cases")
def cases_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List stored cases: status (running, interrupted, failed, done), since when and why."""

    def body() -> None:
        store = open_store()
        rows = [{"name": c.name, "status": STATUS_WORDS.get(c.status, c.status), "since": c.updated_at.isoformat(),
                 "why": c.status_reason, "runner": c.runner, "created_at": c.created_at.isoformat(),
                 "seeds": [str(s.address) for s in c.seeds], "model": c.params.model.value}
                for c in (settle_stale(store, c) for c in store.list_cases())]
        if json_out:
            print_json(rows)
            return
        table = make_table(f"{len(rows)} cases", ("name", "status", "since (UTC)", "why", "seeds", "model"))
        add_rows(table, ((r["name"], r["status"], f"{str(r['since'])[:19].replace('T', ' ')}", r["why"] or "",
                          "\n".join(r["seeds"]), r["model"]) for r in rows))  # type: ignore[arg-type]
        stdout.print(table)

    run(body)


@app.command("export")
def export_command(
    case: str = typer.Argument(..., help="Case name (see `tracer cases`)."),
    fmt: str = typer.Option("json", "--format", help="json | csv (a folder of tables) | graphml | stix (STIX 2.1)."),
    output: Path = typer.Option(..., "-o", "--output", help="Output file (csv: a folder of tables)."),
    tlp: str = typer.Option("amber", "--tlp", help="TLP 2.0 marking of a STIX bundle: clear | green | amber | "
                                                   "amber+strict | red."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file (or fill a non-empty folder)."),
) -> None:
    """Export a case (offline, from the store): JSON per tracer/schemas/case_export.schema.json, CSV, GraphML, or a
    STIX 2.1 bundle for MISP / OpenCTI / TAXII."""

    def body() -> None:
        if fmt not in FORMATS:
            fatal(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}", 2)
        if tlp not in TLP_LEVELS:
            fatal(f"--tlp must be one of {', '.join(TLP_LEVELS)}, got {tlp!r}", 2)
        check_output(output, force, folder=fmt == "csv")
        store = open_store()
        from db.labels import LabelStore
        from tracer.labels.index import load_index

        doc = build_export(store, case, load_index(LabelStore(store.engine)))
        for path in write_export(doc, fmt, output, tlp=tlp):
            stdout.print(str(path), soft_wrap=True, markup=False)

    run(body)
