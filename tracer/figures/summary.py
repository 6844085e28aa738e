"""Summary table figure: exits by category, status and chain, reconciled to the total, every row of summary.csv.

Drawn cell by cell (rectangles and text at computed positions) rather than as a plotly table: a plotly table
wraps long cells by itself and scrolls what no longer fits, which a static image silently cuts off. Here every
cell is wrapped to its column first, so the figure's height is known and no row can be lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import Valuation, records

HEADERS = ("Category", "Status", "Chain", "Amount", "Value", "%", "Addr.", "Min. conf.")
COLUMN_PX = (140, 90, 85, 175, 95, 50, 55, 70)  # sums to the plot width (WIDTH_PX minus the margins)
RIGHT = (False, False, False, False, True, True, True, True)
CHAR_PX = 7.6  # average glyph width of DejaVu Sans at MIN_FONT_PX (digits are wider than letters)
LINE_PX = 17
PAD_PX = 6


def inferred_named(classes: Sequence[str]) -> str:
    """``inferred (E4, E5)``: the word with the evidence classes of the case's inferred links, when known."""
    return f"inferred ({', '.join(classes)})" if classes else "inferred"


def section_note(classes: Sequence[str]) -> str:
    """The note above the inferred rows, naming the evidence classes actually behind them (never a constant: an
    instant-exchange match is E4, a mixer link E4 or E5; :func:`tracer.figures.data.inferred_evidence`)."""
    named = inferred_named(classes)
    return (f"{named[:1].upper()}{named[1:]} continuations: where value already counted above may have "
            "gone next; hypotheses, not counted in the total")


@dataclass(frozen=True)
class Row:
    """One drawn row: its cells (escaped, wrapped lines), fill of the category cell, weight."""

    cells: tuple[list[str], ...]
    swatch: str
    bold: bool = False
    span: bool = False  # one cell across the whole width (a section note)

    @property
    def lines(self) -> int:
        return max(len(c) for c in self.cells)

    @property
    def height(self) -> int:
        return LINE_PX * self.lines + 2 * PAD_PX - 2


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


def _percent(value: object, usd: object) -> str:
    if _missing(value) or _missing(usd):
        return ""
    v = float(str(value))
    return "<0.1" if 0 < v < 0.05 or (v == 0 and float(str(usd)) > 0) else f"{v:.1f}"


def _fit(text: str, column: int) -> list[str]:
    """``text`` wrapped to the column's width (whole words; a word wider than the column is broken)."""
    return style.wrap(text, width=max(4, int((COLUMN_PX[column] - 2 * PAD_PX) / CHAR_PX)))


def table_rows(table: pd.DataFrame, headers: tuple[str, ...] = HEADERS,
               inferred_classes: Sequence[str] = ()) -> list[Row]:
    """Every row of :func:`tracer.figures.data.summary_table` as drawn rows (+ the header and a section note).

    ``inferred_classes``: evidence classes of the case's inferred links, named in the note above the inferred rows.
    """
    rows = [Row(tuple(_fit(h, i) for i, h in enumerate(headers)), "#DDDDDD", bold=True)]
    noted = False
    for r in records(table):
        category = str(r.category)
        inferred = category.startswith("inferred ")
        if inferred and not noted:
            rows.append(Row((style.wrap(section_note(inferred_classes), width=int(sum(COLUMN_PX) / CHAR_PX) - 2),), "#FFFFFF",
                            span=True))
            noted = True
        name = category.removeprefix("inferred ")
        amount = str(r.amount) + (f" at {style.short_address(str(r.address))}" if inferred and r.address else "")
        cells = (
            _fit(name, 0), _fit(str(r.status).replace("_", " "), 1), _fit(str(r.chain), 2), _fit(amount, 3),
            ["not counted" if _missing(r.value) else f"{float(r.value):,.0f}"], [_percent(r.percent, r.value)],
            [str(int(r.addresses))], ["" if _missing(r.min_confidence) else f"{float(r.min_confidence):.2f}"],
        )
        colour = style.CATEGORY_COLOURS.get(name)
        swatch = "#DDDDDD" if category == "total" else style.rgba(colour, 0.18 if inferred else 0.35) if colour \
            else "#FFFFFF"
        rows.append(Row(cells, swatch, bold=category == "total"))
    return rows


def build_summary(table: pd.DataFrame, *, case: str, as_of: datetime, valuation: Valuation,
                  inferred_classes: Sequence[str] = ()) -> go.Figure:
    """The table of :func:`tracer.figures.data.summary_table`, all rows, with category colour swatches.

    ``inferred_classes`` (:func:`tracer.figures.data.inferred_evidence`) names the inferred rows' evidence.
    """
    rows = table_rows(table, tuple(valuation.label if h == "Value" else h for h in HEADERS), inferred_classes)
    width = sum(COLUMN_PX)
    shapes: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    y = 0
    for n, row in enumerate(rows):
        bottom = y + row.height
        fill = "#DDDDDD" if n == 0 or row.bold else None
        if fill:
            shapes.append(_rect(0, y, width, bottom, fill))
        elif not row.span:
            shapes.append(_rect(0, y, COLUMN_PX[0], bottom, row.swatch))
        shapes.append({"type": "line", "x0": 0, "x1": width, "y0": bottom, "y1": bottom, "xref": "x", "yref": "y",
                       "line": {"color": "#BBBBBB", "width": 0.6}})
        x = 0
        cells = row.cells if not row.span else (row.cells[0],)
        for i, lines in enumerate(cells):
            text = "<br>".join(lines)
            if (row.bold or n == 0) and text:
                text = "<br>".join(f"<b>{line}</b>" for line in lines)
            if row.span:
                text = "<br>".join(f"<i>{line}</i>" for line in lines)
            right = RIGHT[i] and not row.span
            texts.append({"text": text, "x": x + (COLUMN_PX[i] - PAD_PX if right else PAD_PX), "y": y + PAD_PX,
                          "xref": "x", "yref": "y", "xanchor": "right" if right else "left", "yanchor": "top",
                          "align": "right" if right else "left", "showarrow": False,
                          "font": {"size": style.MIN_FONT_PX, "color": "#444444" if row.span else "#222222"}})
            x += COLUMN_PX[i]
        y = bottom
    value = valuation.usd_units("USD at theft-day prices") if valuation.priced else f"{valuation.unit} (no prices in the export)"
    counted = sum(1 for c in table.category if not str(c).startswith("inferred") and c != "total")
    inferred = sum(1 for c in table.category if str(c).startswith("inferred"))
    cap = style.caption(case, value, as_of, *style.wrap(
        f"All {len(table)} rows of summary.csv: {counted} exits that sum to the total, the total, and {inferred} "
        f"{inferred_named(inferred_classes)} rows that are not counted. Amounts in whole coins at the exit; the inferred rows name the "
        "address (full in summary.csv).", indent="  "))
    bottom_px = 40 + 18 * (cap.count("<br>") + 1)
    layout = style.base_layout(f"Where the funds are — {style.esc(case)}", cap, height=55 + y + bottom_px,
                               bottom=bottom_px, top=55)
    layout["annotations"] = list(layout["annotations"]) + texts
    layout.update({
        "shapes": shapes,
        "xaxis": {"range": [0, width], "visible": False, "fixedrange": True},
        "yaxis": {"range": [y, 0], "visible": False, "fixedrange": True},
        "showlegend": False,
    })
    fig = go.Figure(go.Scatter(x=[], y=[], hoverinfo="skip"))  # an empty trace: axes for the drawn cells
    fig.update_layout(layout)
    return fig


def _rect(x0: float, y0: float, x1: float, y1: float, fill: str) -> dict[str, Any]:
    return {"type": "rect", "x0": x0, "x1": x1, "y0": y0, "y1": y1, "xref": "x", "yref": "y",
            "fillcolor": fill, "line": {"width": 0}, "layer": "below"}
