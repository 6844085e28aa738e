"""Dispersal timeline: USD moved per day by route (stacked bars) over the count of wallets holding stolen funds."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tracer.figures import style
from tracer.figures.data import Valuation
from tracer.figures.series import ROUTES

_DAY_MS = 86_400_000
ROUTE_COLOURS: dict[str, str] = {
    "theft": style.OKABE_ITO["black"],
    "layering": style.OKABE_ITO["yellow"],
    "swap": "#666666",
    "bridge": style.OKABE_ITO["sky_blue"],
    "mixer": style.CATEGORY_COLOURS["mixer"],
    "instant exchange": style.CATEGORY_COLOURS["instant exchange"],
    "exchange": style.CATEGORY_COLOURS["exchange"],
    "OTC": style.CATEGORY_COLOURS["OTC"],
}


def build_timeline(daily: pd.DataFrame, holders: pd.DataFrame, *, case: str, as_of: datetime,
                   valuation: Valuation) -> go.Figure:
    """Two panels sharing a date axis; tables from :mod:`tracer.figures.series`."""
    scale = 1e6 if valuation.priced else 1.0
    unit = "USD M" if valuation.priced else valuation.unit
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1, row_heights=[0.62, 0.38])
    for route in ROUTES:
        part = daily[daily.route == route]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            # Centre each day's bar on noon so it spans its own UTC day on the shared time axis.
            x=[f"{d} 12:00" for d in part.date], y=[float(v) / scale for v in part.value], name=route,
            width=[_DAY_MS * 0.8] * len(part),
            marker={"color": ROUTE_COLOURS[route], "line": {"color": "#333333", "width": 0.5}},
            hovertemplate=f"{route}<br>%{{x|%d %b %Y}}: %{{y:,.2f}} {unit}<extra></extra>",
        ), row=1, col=1)
    if not holders.empty:
        times = [ts.replace("T", " ").rstrip("Z") for ts in holders.timestamp]
        counts = list(holders.wallets)
        times.append(as_of.strftime("%Y-%m-%d %H:%M:%S"))  # hold the last count up to the as-of date
        counts.append(counts[-1])
        fig.add_trace(go.Scatter(
            x=times, y=counts, mode="lines+markers", line={"shape": "hv", "color": "#000000"},
            marker={"size": 4}, name="wallets holding", showlegend=False,
            hovertemplate="%{x}: %{y} wallets<extra></extra>",
        ), row=2, col=1)
    what = "USD millions at transfer time" if valuation.priced else f"{valuation.unit} (no prices in the export)"
    floor = "100 USD" if valuation.priced else f"0.01 {valuation.unit}"
    cap = style.caption(case, f"{what}, tainted share", as_of,
                        f"Wallets: the launderer's own addresses holding ≥ {floor} of stolen value")
    layout = style.base_layout(f"Dispersal over time — {style.esc(case)}", cap, height=580, bottom=120, left=70,
                               top=100)
    layout.update({
        "barmode": "stack", "bargap": 0.25,
        "legend": {"orientation": "h", "x": 0, "y": 1.03, "yanchor": "bottom", "traceorder": "normal",
                   "font": {"size": style.MIN_FONT_PX}},
    })
    layout["margin"]["r"] = 40  # room for the last date tick label
    fig.update_layout(layout)
    axis_font = {"size": style.MIN_FONT_PX}
    fig.update_yaxes(title_text=f"{unit} moved per day", row=1, col=1, gridcolor="#e5e5e5", tickfont=axis_font,
                     title_font=axis_font, rangemode="tozero")
    fig.update_yaxes(title_text="Wallets holding", row=2, col=1, gridcolor="#e5e5e5", tickfont=axis_font,
                     title_font=axis_font, rangemode="tozero", dtick=1 if holders.wallets.max() <= 10 else None)
    fig.update_xaxes(type="date", tickformat="%d %b", dtick=_DAY_MS, tickfont=axis_font, row=2, col=1)
    fig.update_xaxes(type="date", dtick=_DAY_MS, row=1, col=1)
    return fig
