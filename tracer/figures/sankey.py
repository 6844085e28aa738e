"""Stage Sankey: theft -> swaps -> mixers & bridges -> chains -> exits, each column summing to the stolen value."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import Valuation, records
from tracer.figures.stages import STAGES, UNACCOUNTED

_STAGE_X = (0.001, 0.2, 0.41, 0.62, 0.83)
_MAX_NAME = 18  # node names wider than the gap to the next column would run over it
_END_X = 0.999  # invisible sink: puts the exit labels right of their nodes, clear of the chain labels


def _node_order(links: pd.DataFrame) -> list[tuple[str, str]]:
    """(stage, name) nodes, per stage by descending value, 'unaccounted' last, exits in category order."""
    values: dict[tuple[str, str], Decimal] = {}
    for r in records(links):
        values[(str(r.target_stage), str(r.target))] = values.get((str(r.target_stage), str(r.target)),
                                                                  Decimal(0)) + Decimal(r.value)
    nodes: list[tuple[str, str]] = [(STAGES[0], "stolen")]
    exit_rank = {c: i for i, c in enumerate(style.EXIT_CATEGORIES)}
    for stage in STAGES[1:]:
        names = [n for (s, n) in values if s == stage]
        if stage == STAGES[-1]:
            names.sort(key=lambda n: exit_rank.get(n, len(exit_rank)))
        else:
            names.sort(key=lambda n: (n == UNACCOUNTED, -values[(stage, n)], n))
        nodes += [(stage, n) for n in names]
    return nodes


def node_values(links: pd.DataFrame) -> dict[tuple[str, str], Decimal]:
    """Value through each (stage, node): what enters it (the theft node: what leaves it)."""
    out: dict[tuple[str, str], Decimal] = {}
    for r in records(links):
        key = (str(r.target_stage), str(r.target))
        out[key] = out.get(key, Decimal(0)) + Decimal(r.value)
        if r.source_stage == STAGES[0]:
            out[(STAGES[0], "stolen")] = out.get((STAGES[0], "stolen"), Decimal(0)) + Decimal(r.value)
    return out


def _display_name(stage: str, name: str) -> str:
    if stage == STAGES[0]:
        return "Stolen"
    if name.islower():  # our own category/chain words; service names keep their spelling (eXch)
        return name[:1].upper() + name[1:]
    return name if len(name) <= _MAX_NAME else name[:_MAX_NAME - 1] + "…"


def _percent(value: Decimal, total: Decimal) -> str:
    if not total:
        return "–"
    pct = value * 100 / total
    if 0 < pct < Decimal("0.05"):
        return "<0.1%"
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.1f}%"  # short: labels must fit between columns


def build_sankey(links: pd.DataFrame, *, case: str, as_of: Any, stolen_text: str, valuation: Valuation) -> go.Figure:
    """The stage Sankey figure from :func:`tracer.figures.stages.sankey_links` output."""
    nodes = _node_order(links)
    index = {n: i for i, n in enumerate(nodes)}
    values = node_values(links)
    total = values.get((STAGES[0], "stolen"), Decimal(0))
    labels, colours, xs = [], [], []
    for stage, name in nodes:
        v = values.get((stage, name), Decimal(0))
        labels.append(f"{style.esc(_display_name(stage, name))}<br>{valuation.text(v)} · {_percent(v, total)}")
        colour = style.CATEGORY_COLOURS.get(name, style.STAGE_COLOUR) if stage == STAGES[-1] else style.STAGE_COLOUR
        colours.append(style.CATEGORY_COLOURS["unaccounted"] if name == UNACCOUNTED else colour)
        xs.append(_STAGE_X[STAGES.index(stage)])
    link_colours = [
        style.rgba(style.CATEGORY_COLOURS.get(str(r.category), style.GREY), style.EVIDENCE_OPACITY[str(r.evidence)])
        for r in records(links)
    ]
    sources = [index[(str(r.source_stage), str(r.source))] for r in records(links)]
    targets = [index[(str(r.target_stage), str(r.target))] for r in records(links)]
    flow = [float(r.value) for r in records(links)]
    hover = ["%{source.label} → %{target.label}<br>%{customdata}<extra></extra>"] * len(flow)
    custom = [style.esc(f"{r.category}, evidence {r.evidence}") for r in records(links)]
    end = len(nodes)
    for (stage, name), i in index.items():
        if stage == STAGES[-1]:
            sources.append(i)
            targets.append(end)
            flow.append(float(values.get((stage, name), Decimal(0))))
            link_colours.append("rgba(0,0,0,0)")
            hover.append("<extra></extra>")
            custom.append("")
    labels.append("")
    colours.append("rgba(0,0,0,0)")
    xs.append(_END_X)
    sankey = go.Sankey(
        arrangement="snap",
        valueformat="$,.0f" if valuation.priced else ",.2f",
        node={"label": labels, "color": colours, "x": xs, "pad": 34, "thickness": 14,
              "line": {"color": "white", "width": 0}},
        link={"source": sources, "target": targets, "value": flow, "color": link_colours, "customdata": custom,
              "hovertemplate": hover},
        textfont={"size": style.MIN_FONT_PX},
        domain={"x": [0, 1], "y": [0.1, 1]},
    )
    fig = go.Figure(sankey)
    # Legend entries (sankeys have none): exit categories by colour, evidence classes by opacity.
    present = {str(c) for c in links.category}
    for cat in style.EXIT_CATEGORIES:
        if cat in present:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=style.esc(cat),
                                     marker={"size": 12, "symbol": "square", "color": style.CATEGORY_COLOURS[cat]}))
    units = ("USD at theft-day prices" if valuation.priced else
             f"{valuation.unit} (unpriced: stolen assets 1:1, others at the case's bridge/swap rates)")
    cap = style.caption(case, units, as_of, f"Each column sums to the stolen {stolen_text}; "
                        "links: opaque E1–E2, medium E3–E4, faint E5")
    layout = style.base_layout(f"Where the stolen funds went — {style.esc(case)}", cap, height=700, bottom=140)
    layout.update({
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "legend": {"orientation": "h", "x": 0, "y": 0.06, "yanchor": "top", "font": {"size": style.MIN_FONT_PX}},
    })
    for i, stage in enumerate(STAGES):
        layout["annotations"].append({
            "text": f"<b>{stage}</b>", "x": _STAGE_X[i], "y": 1.0, "xref": "paper", "yref": "paper",
            "xanchor": "left", "yanchor": "bottom", "showarrow": False,
            "font": {"size": style.MIN_FONT_PX},
        })
    fig.update_layout(layout)
    return fig
