"""``tracer figures CASE -o DIR``: the fund-flow figure package (Sankey, timeline, flow graph, summary, annex)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from tracer.cli.app import app
from tracer.cli.common import STATE, console, fatal, print_json, run, stdout


def _load_export(case: str, from_export: Path | None) -> dict[str, Any]:
    if from_export is not None:
        try:
            doc = json.loads(from_export.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            fatal(f"{from_export} is not JSON: {exc}")
        if not isinstance(doc, dict):
            fatal(f"{from_export} is not a case export (top level is not an object)")
        if doc.get("case") != case:
            console.print(f"note: export holds case {doc.get('case')!r}, rendering it as given")
        return doc
    try:
        from tracer.export import build_export
    except ImportError as exc:
        fatal(f"cannot build the export from the store ({exc}); pass --from-export FILE.json")
    from db.labels import LabelStore
    from db.store import Store
    from tracer.labels.index import load_index

    store = Store.open(STATE.get_settings().database_url)
    try:  # the same labels as `tracer export`, so the figures name what the export names
        return dict(build_export(store, case, load_index(LabelStore(store.engine))))
    finally:
        store.close()


@app.command("figures")
def figures_command(
    case: str = typer.Argument(..., help="Case name (as in `tracer cases`)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the package into."),
    from_export: Path | None = typer.Option(None, "--from-export", help="Render from an export JSON file "
                                            "instead of the store."),
    no_static: bool = typer.Option(False, "--no-static", help="Write HTML, tables and annex only."),
    top: int = typer.Option(25, "--top", min=1, help="Largest flows drawn in the flow graph (the rest grouped)."),
    json_out: bool = typer.Option(False, "--json", help="Print the manifest's file list as JSON."),
) -> None:
    """Write the stage Sankey, dispersal timeline, flow graph and summary table (HTML + PNG/SVG/PDF), their CSV
    tables, the transaction annex (CSV, XLSX) and manifest.json with the sha256 of every file."""

    def body() -> None:
        from tracer.figures import render_case

        doc = _load_export(case, from_export)
        result = render_case(doc, out, static=not no_static, top_flows=top,
                             progress=lambda msg: console.print(f"  {msg}") if STATE.verbose else None)
        if result.note:  # one line on stderr, also with --json
            console.print(result.note, soft_wrap=True, markup=False)
        if json_out:
            print_json({"out_dir": str(result.out_dir), "static": result.static, "note": result.note,
                        "files": dict(result.files)})
            return
        stdout.print(f"wrote {len(result.files)} files + manifest.json to {result.out_dir}")

    run(body)
