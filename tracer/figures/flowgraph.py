"""Flow graph: addresses in hop layers left to right, the largest flows drawn, exits labelled."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import Valuation, records

_SYMBOLS = {"ethereum": "circle", "bitcoin": "square", "tron": "diamond"}
_MAX_LABEL = 17
_ROW_PX = 72  # vertical room per address row: labels alternate above/below, so rows must clear two lines
_EXIT_NAMES = set(style.EXIT_CATEGORIES)


def _truncate(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[:_MAX_LABEL - 1] + "…"


def node_text(row: Mapping[Any, Any]) -> str:
    """Short on-figure label: exits by category and service, seeds and services by label, others by address."""
    if row["role"] == "endpoint" and row["category"] in _EXIT_NAMES:
        if not row["label"]:
            return style.esc(str(row["category"]))
        return style.esc(_truncate(f"{row['category']}: {row['label']}"))
    if row["label"]:
        return style.esc(_truncate(str(row["label"])))
    return style.esc(style.short_address(str(row["address"])))


def _fill(row: Mapping[Any, Any]) -> str:
    if row["role"] == "endpoint" and row["category"] in style.CATEGORY_COLOURS:
        return style.CATEGORY_COLOURS[str(row["category"])]
    if row["category"] in ("victim", "hacker") or row["role"] == "seed":
        return style.OKABE_ITO["black"]
    return "#FFFFFF" if not row["label"] else "#DDDDDD"


def build_flowgraph(nodes: pd.DataFrame, edges: pd.DataFrame, rest: pd.DataFrame, *, case: str, as_of: datetime,
                    hover_labels: dict[str, str], valuation: Valuation) -> go.Figure:
    """The flow graph from :func:`tracer.figures.graph.graph_tables` output.

    ``hover_labels`` maps node key -> every label of the address (escaped here) for the interactive hover.
    """
    pos = {str(r.key): (int(r.layer), -int(r.slot)) for r in records(nodes)}
    top = max((float(v) for v in edges.value), default=1.0) or 1.0
    fig = go.Figure()
    mid_x, mid_y, mid_text = [], [], []
    for r in records(edges):
        (x0, y0), (x1, y1) = pos[str(r.source)], pos[str(r.target)]
        cross = r.kind != "transfer"
        fig.add_trace(go.Scatter(
            x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
            line={"width": 1 + 7 * math.sqrt(float(r.value) / top), "dash": style.EVIDENCE_DASH[str(r.evidence)],
                  "color": style.rgba(style.OKABE_ITO["blue"] if cross else "#505050", 0.55)},
        ))
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        what = f"{r.kind} via {r.service}" if cross else f"{r.transfers} transfer(s)"
        mid_text.append(style.esc(f"{what}: {valuation.text(Decimal(r.value))}, evidence {r.evidence}"))
    fig.add_trace(go.Scatter(x=mid_x, y=mid_y, mode="markers", marker={"size": 6, "opacity": 0}, text=mid_text,
                             hovertemplate="%{text}<extra></extra>", showlegend=False))
    vmax = max((float(v) for v in nodes.value_in), default=1.0) or 1.0
    for chain, part in nodes.groupby("chain", sort=True):
        fig.add_trace(go.Scatter(
            x=[int(v) for v in part.layer], y=[-int(v) for v in part.slot], mode="markers+text",
            name=f"{style.esc(str(chain))} address", showlegend=False,
            marker={"symbol": _SYMBOLS.get(str(chain), "circle"),
                    "size": [10 + 12 * math.sqrt(float(v) / vmax) for v in part.value_in],
                    "color": [_fill(row) for row in part.to_dict("records")], "line": {"color": "#333333", "width": 1}},
            text=[node_text(row) for row in part.to_dict("records")],
            textposition=["top center" if int(v) % 2 == 0 else "bottom center" for v in part.layer],
            textfont={"size": style.MIN_FONT_PX},
            customdata=[style.esc(hover_labels.get(str(k), "")) for k in part.key],
            hovertext=[style.esc(f"{c}:{a}") for c, a in zip(part.chain, part.address, strict=True)],
            hovertemplate="%{hovertext}<br>%{customdata}<extra></extra>",
        ))
    used: dict[int, int] = {}
    for r in records(nodes):
        used[int(r.layer)] = max(used.get(int(r.layer), 0), int(r.slot) + 1)
    gx, gy, gtext, ghover, gcolour = [], [], [], [], []
    for r in records(rest):
        slot = used.get(int(r.layer), 0)
        used[int(r.layer)] = slot + 1
        gx.append(int(r.layer))
        gy.append(-slot)
        name = "other" if r.category == "intermediate" else str(r.category)
        gtext.append(style.esc(f"+{int(r.addresses)} {name}"))
        ghover.append(style.esc(f"{int(r.flows)} smaller flow(s) into {int(r.addresses)} {name} address(es): "
                                f"{valuation.text(Decimal(r.value))}"))
        gcolour.append(style.CATEGORY_COLOURS.get(name, "#FFFFFF"))
    if gx:
        fig.add_trace(go.Scatter(
            x=gx, y=gy, mode="markers+text", showlegend=False, text=gtext, hovertext=ghover,
            hovertemplate="%{hovertext}<extra></extra>",
            textposition=["top center" if x % 2 == 0 else "bottom center" for x in gx],
            textfont={"size": style.MIN_FONT_PX, "color": "#444444"},
            marker={"symbol": "circle", "size": 12, "color": gcolour, "opacity": 0.6,
                    "line": {"color": "#333333", "width": 1}},
        ))
    for chain in sorted(set(nodes.chain)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=style.esc(str(chain)), marker={
            "symbol": _SYMBOLS.get(str(chain), "circle"), "size": 11, "color": "#FFFFFF",
            "line": {"color": "#333333", "width": 1}}))
    present = {str(c) for c, role in zip(nodes.category, nodes.role, strict=True) if role == "endpoint"}
    for cat in style.EXIT_CATEGORIES:
        if cat in present:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"exit: {cat}",
                                     marker={"size": 11, "color": style.CATEGORY_COLOURS[cat]}))
    layers = max([int(v) for v in nodes.layer] + [int(v) for v in rest.layer] + [0])
    per_layer: dict[int, int] = {}
    for lay in [int(v) for v in nodes.layer] + [int(v) for v in rest.layer]:
        per_layer[lay] = per_layer.get(lay, 0) + 1
    rows = max(per_layer.values(), default=1) - 1  # index of the lowest row in use
    unit = "USD at transfer time" if valuation.priced else f"{valuation.unit} (no prices in the export)"
    cap = style.caption(case, unit, as_of, "Line width ∝ value; dashed = E3–E4 heuristic, dotted = E5 assessed; "
                        "blue = cross-chain link")
    layout = style.base_layout(f"Flow of funds by hop — {style.esc(case)}", cap,
                               height=max(700, 330 + _ROW_PX * (rows + 1)), bottom=170)
    if len(rest):
        layout["annotations"].append({
            "text": "+N: groups of the smaller flows, by hop and exit category (hover for their value)",
            "x": 0, "y": -rows - 0.65, "xref": "paper", "yref": "y", "xanchor": "left", "showarrow": False,
            "font": {"size": style.MIN_FONT_PX, "color": "#555555"}})
    layout.update({
        "xaxis": {"range": [-0.9, layers + 0.9], "tickmode": "array", "tickvals": list(range(layers + 1)),
                  "ticktext": [f"hop {i}" for i in range(layers + 1)], "side": "top", "showgrid": False,
                  "zeroline": False, "tickfont": {"size": style.MIN_FONT_PX}},
        "yaxis": {"range": [-rows - 0.9, 0.6], "visible": False},
        "legend": {"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top", "font": {"size": style.MIN_FONT_PX}},
        "hovermode": "closest",
    })
    fig.update_layout(layout)
    return fig
