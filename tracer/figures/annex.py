"""The evidence annex as a spreadsheet: one row per transaction, explorer links, frozen header, metadata sheet."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from tracer.figures.data import as_of

_FORMULA_START = ("=", "+", "-", "@")


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (labels come from imported files) is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_annex_xlsx(annex: pd.DataFrame, path: Path, doc: Mapping[str, Any]) -> None:
    """Write ``annex`` to ``path`` with clickable explorer links and an 'about' sheet (case, as-of, units)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "transactions"
    columns = list(annex.columns)
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    link_col = columns.index("explorer_url") + 1 if "explorer_url" in columns else None
    for row in annex.itertuples(index=False):
        ws.append([_cell(v) for v in row])
        if link_col is not None:
            cell = ws.cell(row=ws.max_row, column=link_col)
            if cell.value:
                cell.hyperlink = str(cell.value)
                cell.style = "Hyperlink"
    ws.freeze_panes = "A2"
    for i, name in enumerate(columns, start=1):
        width = max([len(str(name))] + [len(str(v)) for v in annex[name].head(200)]) + 2
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width, 70)
    about = wb.create_sheet("about")
    meta = doc.get("meta") or {}
    for key, value in (("case", doc["case"]), ("as_of_utc", meta.get("as_of")),
                       ("generated_at_utc", doc["generated_at"]), ("tool_version", meta.get("tool_version")),
                       ("amounts", "whole units of the asset (decimal strings, exact)"),
                       ("usd", "USD at transfer time for the tainted share; empty when unpriced"),
                       ("evidence", "E1 on-chain, E2 protocol, E3-E4 heuristic, E5 assessed")):
        about.append([key, _cell(str(value) if value is not None else "")])
    # Fixed document times so the workbook does not change between renders of the same case.
    stamp = as_of(doc).replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "tracer"
    wb.save(path)


