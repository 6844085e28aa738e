"""Summary table figure: exits by category, status and chain, reconciled to the total."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style

HEADERS = ("Category", "Status", "Chain", "Amount", "USD", "%", "Addr.", "Min. conf.")


def build_summary(table: pd.DataFrame, *, case: str, as_of: datetime) -> go.Figure:
    """A plotly table of :func:`tracer.figures.data.summary_table` with category colour swatches."""
    colours = [style.rgba(style.CATEGORY_COLOURS.get(str(c), "#FFFFFF"), 0.35) if c != "total" else "#EEEEEE"
               for c in table.category]
    cells = [
        [style.esc(v) for v in table.category],
        [style.esc(str(v).replace("_", " ")) for v in table.status],
        [style.esc(v) for v in table.chain],
        [style.esc(v) for v in table.amount],
        [f"{float(v):,.0f}" for v in table.usd],
        ["<0.1" if 0 < float(v) < 0.05 or (float(v) == 0 and float(u) > 0) else f"{float(v):.1f}"
         for v, u in zip(table.percent, table.usd, strict=True)],
        [str(int(v)) for v in table.addresses],
        ["" if v is None or pd.isna(v) else f"{float(v):.2f}" for v in table.min_confidence],
    ]
    row_px = 28
    height = 160 + (row_px + 2) * (len(table) + 1) + 20
    fig = go.Figure(go.Table(
        columnwidth=[100, 120, 75, 140, 95, 50, 50, 80],
        header={"values": [f"<b>{h}</b>" for h in HEADERS], "fill": {"color": "#DDDDDD"}, "align": "left",
                "font": {"size": style.MIN_FONT_PX}, "height": row_px},
        cells={"values": cells, "fill": {"color": [colours] + [["white"] * len(table)] * 7},
               "align": ["left", "left", "left", "left", "right", "right", "right", "right"],
               "font": {"size": style.MIN_FONT_PX}, "height": row_px},
    ))
    cap = style.caption(case, "amounts in whole coins; USD at exit time; % of traced + unaccounted value", as_of)
    fig.update_layout(style.base_layout(f"Where the funds are — {style.esc(case)}", cap, height=height, bottom=70))
    return fig
