"""CSV formula injection (OWASP "CSV Injection"): one helper for every CSV the tracer writes for people.

Label text comes from public, adversary-influenced sources; a cell such as ``=HYPERLINK("http://evil", "x")``,
``@SUM(1+1)*cmd|' /C calc'!A0`` or ``+1+1`` is run as a formula by Excel and LibreOffice when the CSV is opened.
A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote,
which spreadsheets show as text and never evaluate.

Numbers stay numbers: int/float/Decimal values are never touched, and neither is text that is exactly a plain
decimal number (``-5``, ``-0.25``, ``+1e3``) -- a spreadsheet reads those as the number, not a formula, and an
amount column must stay numeric. ``-1+2`` or ``-A1`` are not plain numbers and are neutralised.

Label *data* files (the sandbox's ``labels.csv``, the bundled label set) are inputs of the label importer, not
spreadsheets, and keep label text byte-exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value``, or ``"'" + value`` when it is text a spreadsheet would evaluate as a formula.

    A bare carriage return becomes a newline: writers that end lines with ``\n`` do not quote a cell holding only
    ``\r``, and readers then split the row there -- a second way to smuggle a formula into a cell of its own.
    """
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + text
    return text


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A dict row (``csv.DictWriter``) with every cell made safe."""
    return {key: safe_cell(value) for key, value in row.items()}


def safe_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """List rows (``csv.writer``) with every cell made safe."""
    return [[safe_cell(value) for value in row] for row in rows]


def safe_frame(frame: Any) -> Any:
    """A copy of a pandas DataFrame whose text cells are made safe (numeric columns are left as they are).

    Typed ``Any`` so that this module does not import pandas.
    """
    out = frame.copy()
    for column in out.columns:
        if getattr(out[column].dtype, "kind", "O") not in "biufcmM":  # text (object / string dtypes), not numbers
            out[column] = out[column].map(safe_cell)
    return out
