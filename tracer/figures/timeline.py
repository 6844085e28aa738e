"""Dispersal timeline: USD moved per day by route (stacked bars) over the count of wallets holding stolen funds."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tracer.figures import style
from tracer.figures.data import Valuation, records
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
                   valuation: Valuation, events: pd.DataFrame | None = None, stolen_text: str = "") -> go.Figure:
    """Two panels sharing a date axis; tables from :mod:`tracer.figures.series`.

    ``events`` (:func:`tracer.figures.series.events_table`) are drawn as numbered dashed lines across both
    panels and spelled out, by number, in the caption (a static page cannot show them on hover).
    """
    events = events if events is not None else pd.DataFrame(columns=["number", "date", "text"])
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
    what = valuation.usd_units("USD millions at transfer time") if valuation.priced else f"{valuation.unit} (no prices in the export)"
    floor = "100 USD" if valuation.priced else f"0.01 {valuation.unit}"
    theft = f" ({stolen_text})" if stolen_text else ""
    lines = [*style.wrap(f"Bars: value moved each day by route, tainted share (funds that move twice count twice). "
                         f"The theft bar is the stolen value{theft}; swap and bridge proceeds continue it and "
                         "never add to it.", indent="  "),
             f"Wallets: the launderer's own addresses holding ≥ {floor} of stolen value"]
    for r in records(events):
        day = date.fromisoformat(str(r.date)).strftime("%d %b %Y")
        lines += style.wrap(f"[{int(r.number)}] {day}: {r.text}", indent="      ")
    cap = style.caption(case, what, as_of, *lines)
    extra = cap.count("<br>") - 2  # the base caption has three lines
    layout = style.base_layout(f"Dispersal over time — {style.esc(case)}", cap, height=580 + 18 * extra,
                               bottom=120 + 18 * extra, left=70, top=100)
    layout.update({
        "barmode": "stack", "bargap": 0.25,
        "legend": {"orientation": "h", "x": 0, "y": 1.03, "yanchor": "bottom", "traceorder": "normal",
                   "font": {"size": style.MIN_FONT_PX}},
    })
    _draw_events(layout, events)
    layout["margin"]["r"] = 40  # room for the last date tick label
    fig.update_layout(layout)
    axis_font = {"size": style.MIN_FONT_PX}
    fig.update_yaxes(title_text=f"{unit} moved per day", row=1, col=1, gridcolor="#e5e5e5", tickfont=axis_font,
                     title_font=axis_font, rangemode="tozero")
    fig.update_yaxes(title_text="Wallets holding", row=2, col=1, gridcolor="#e5e5e5", tickfont=axis_font,
                     title_font=axis_font, rangemode="tozero", dtick=1 if holders.wallets.max() <= 10 else None)
    span = _day_span(daily, holders, events, as_of)
    days = (date.fromisoformat(span[1][:10]) - date.fromisoformat(span[0][:10])).days
    dtick = _DAY_MS if days <= 14 else None  # a tick per day until they would crowd, then plotly's choice
    fig.update_xaxes(type="date", tickformat="%d %b", dtick=dtick, tickfont=axis_font, row=2, col=1, range=span)
    fig.update_xaxes(type="date", dtick=dtick, row=1, col=1, range=span)
    if len(events):  # head room above the tallest bar for the event numbers
        top = daily.groupby("date")["value"].sum().max() if len(daily) else 0
        fig.update_yaxes(range=[0, float(top) / scale * 1.18 or 1.0], row=1, col=1)
    return fig


def _day_span(daily: pd.DataFrame, holders: pd.DataFrame, events: pd.DataFrame, as_of: datetime) -> list[str]:
    """Whole UTC days from the first bar, wallet count or event to the last (an event may predate the theft)."""
    days = [date.fromisoformat(str(d)) for d in [*daily.date, *events.date]]
    days += [date.fromisoformat(str(ts)[:10]) for ts in holders.timestamp] + [as_of.date()]
    first, last = min(days), max(days) + timedelta(days=1)
    return [f"{first.isoformat()} 00:00", f"{last.isoformat()} 00:00"]


def _draw_events(layout: dict[str, object], events: pd.DataFrame) -> None:
    """A dashed line per event day across both panels, numbered at the top of the bar panel."""
    shapes: list[dict[str, object]] = []
    annotations = layout["annotations"]
    assert isinstance(annotations, list)
    for day, part in events.groupby("date", sort=True):
        x = f"{day} 12:00"
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": style.OKABE_ITO["vermillion"], "width": 1.5, "dash": "dash"}})
        annotations.append({
            "text": "<b>" + ",".join(str(int(n)) for n in part.number) + "</b>", "x": x, "y": 1, "xref": "x",
            "yref": "y domain", "yanchor": "top", "showarrow": False, "bgcolor": "white",
            "bordercolor": style.OKABE_ITO["vermillion"], "borderwidth": 1, "borderpad": 2,
            "font": {"size": style.MIN_FONT_PX, "color": style.OKABE_ITO["vermillion"]},
        })
    layout["shapes"] = shapes
