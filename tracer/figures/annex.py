"""The evidence annex as a spreadsheet: one row per transaction, explorer links, frozen header, metadata sheet."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from tracer.figures.data import as_of

_FORMULA_START = ("=", "+", "-", "@")
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


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
    for row in annex.to_dict("records"):
        ws.append([_cell(row[c]) for c in columns])
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
    _pin_zip_times(path, stamp)


def _pin_zip_times(path: Path, stamp: datetime) -> None:
    """Rewrite the xlsx zip with every member dated ``stamp`` (openpyxl uses the wall clock)."""
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(path, "w") as dst:
        for name, payload in members:
            if name == "docProps/core.xml":  # openpyxl stamps 'modified' with the save time
                payload = _MODIFIED.sub(b"\\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + b"\\g<2>",
                                        payload)
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, payload)


