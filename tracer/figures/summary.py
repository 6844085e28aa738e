"""Summary table figure: exits by category, status and chain, reconciled to the total."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import Valuation

HEADERS = ("Category", "Status", "Chain", "Amount", "Value", "%", "Addr.", "Min. conf.")


def _missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


def _percent(value: object, usd: object) -> str:
    if _missing(value) or _missing(usd):
        return ""
    v = float(str(value))
    return "<0.1" if 0 < v < 0.05 or (v == 0 and float(str(usd)) > 0) else f"{v:.1f}"


def build_summary(table: pd.DataFrame, *, case: str, as_of: datetime, valuation: Valuation) -> go.Figure:
    """A plotly table of :func:`tracer.figures.data.summary_table` with category colour swatches."""
    colours = [style.rgba(style.CATEGORY_COLOURS.get(str(c), "#FFFFFF"), 0.35) if c != "total" else "#DDDDDD"
               for c in table.category]
    cells = [
        [style.esc(v) for v in table.category],
        [style.esc(str(v).replace("_", " ")) for v in table.status],
        [style.esc(v) for v in table.chain],
        [style.esc(v) for v in table.amount],
        ["not counted" if _missing(v) else f"{float(v):,.0f}" for v in table.value],
        [_percent(v, u) for v, u in zip(table.percent, table.value, strict=True)],
        [str(int(v)) for v in table.addresses],
        ["" if _missing(v) else f"{float(v):.2f}" for v in table.min_confidence],
    ]
    row_px = 28
    height = 160 + (row_px + 2) * (len(table) + 1) + 20
    fig = go.Figure(go.Table(
        columnwidth=[125, 110, 75, 135, 95, 50, 50, 75],
        header={"values": [f"<b>{h}</b>" if h != "Value" else f"<b>{valuation.label}</b>" for h in HEADERS], "fill": {"color": "#DDDDDD"}, "align": "left",
                "font": {"size": style.MIN_FONT_PX}, "height": row_px},
        cells={"values": cells, "fill": {"color": [colours] + [["white"] * len(table)] * 7},
               "align": ["left", "left", "left", "left", "right", "right", "right", "right"],
               "font": {"size": style.MIN_FONT_PX}, "height": row_px},
    ))
    value = "USD at theft-day prices" if valuation.priced else f"{valuation.unit} (no prices in the export)"
    cap = style.caption(case, value, as_of, "Amounts in whole coins at the exit; inferred (E5) rows are not counted")
    fig.update_layout(style.base_layout(f"Where the funds are — {style.esc(case)}", cap, height=height, bottom=90))
    return fig
