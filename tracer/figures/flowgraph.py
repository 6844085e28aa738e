"""Flow graph: addresses in hop layers left to right, the largest flows drawn, the rest in '+N' groups.

Static-first: every node carries a short number inside its marker and a key under the graph gives its label,
abbreviated address (``0x1234…abcd``; full in flowgraph_nodes.csv) and value, so no label can overlap an edge
or another label. The legend is drawn from the colours and styles actually used, and the figure is exactly as
tall as its rows, legend and key.
"""

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
from tracer.figures.flowkey import (
    DARK_FILLS,
    EDGE_BLUE,
    EDGE_GREY,
    EXIT_NAMES,
    HEAD_PX,
    INFERRED_PREFIX,
    LABELLED_FILL,
    OVERLAY_DASH,
    OVERLAY_EDGE,
    PLAIN_FILL,
    PLOT_PX,
    ROW_PX,
    SEED_FILL,
    SYMBOLS,
    X_PAD,
    Key,
    draw_key,
    draw_legend,
)


def node_text(row: Mapping[Any, Any]) -> str:
    """Key text of a node: exits by category and service, seeds and services by label, others by address.

    The marker's shape gives the chain; a labelled node is named by its label (its full address, like every
    node's, is in flowgraph_nodes.csv), an unlabelled one by its abbreviated address.
    """
    address = style.short_address(str(row["address"]))
    if row["role"] == "endpoint" and _exit_name(str(row["category"])) in EXIT_NAMES:
        return f"{row['category']}: {row['label'] or address}"
    if row["label"]:
        return str(row["label"])
    return f"seed {address}" if row["role"] == "seed" else address


def _exit_name(category: str) -> str:
    """The exit category without the overlay's ``inferred`` prefix."""
    return category.removeprefix(INFERRED_PREFIX)


def _overlay(category: str) -> str:
    """For an exit of the inferred layer, its category (drawn as the overlay: an open marker); else ''."""
    return _exit_name(category) if category.startswith(INFERRED_PREFIX) else ""


def _fill(row: Mapping[Any, Any]) -> str:
    category = _exit_name(str(row["category"]))
    if row["role"] == "endpoint" and category in style.CATEGORY_COLOURS:
        return style.CATEGORY_COLOURS[category]
    if row["category"] in ("victim", "hacker") or row["role"] == "seed":
        return SEED_FILL
    return PLAIN_FILL if not row["label"] else LABELLED_FILL


def build_flowgraph(nodes: pd.DataFrame, edges: pd.DataFrame, rest: pd.DataFrame, *, case: str, as_of: datetime,
                    hover_labels: dict[str, str], valuation: Valuation,
                    group_edges: pd.DataFrame | None = None, exits: pd.DataFrame | None = None) -> go.Figure:
    """The flow graph from :func:`tracer.figures.graph.graph_tables` (+ :func:`~tracer.figures.graph.group_edges`).

    ``hover_labels`` maps node key -> every label of the address, for the interactive page's hover only.
    ``exits`` (:func:`tracer.figures.graph.exit_totals`) is printed under the graph: what the proven exits hold,
    and apart from it the inferred overlay, which is not counted.
    """
    group_edges = group_edges if group_edges is not None else pd.DataFrame(
        columns=["source", "target", "value", "flows"])
    layers = max([int(v) for v in nodes.layer] + [int(v) for v in rest.layer] + [0])
    dx = (PLOT_PX - 2 * X_PAD) / max(layers, 1)
    vmax = max([float(v) for v in nodes.value_in] + [float(v) for v in rest.value] + [1.0]) or 1.0
    keys: dict[str, Key] = {}
    used: dict[int, int] = {}
    for n, row in enumerate(nodes.to_dict("records"), start=1):
        lay, slot = int(row["layer"]), int(row["slot"])
        used[lay] = max(used.get(lay, 0), slot + 1)
        overlay = _overlay(str(row["category"])) if row["role"] == "endpoint" else ""
        keys[str(row["key"])] = Key(str(n), X_PAD + lay * dx, HEAD_PX + ROW_PX * (slot + 0.5), _fill(row),
                                    SYMBOLS.get(str(row["chain"]), "circle"), _size(float(row["value_in"]), vmax),
                                    f"{node_text(row)}" + (f" · {valuation.text(Decimal(row['value_in']))}"
                                                           if Decimal(row["value_in"]) > 0 else "")
                                    + (" (not counted)" if overlay else ""), overlay)
    for r in records(rest):
        lay = int(r.layer)
        slot = used.get(lay, 0)
        used[lay] = slot + 1
        name = "other" if r.category == "intermediate" else str(r.category)
        keys[str(r.group)] = Key(
            f"+{int(r.addresses)}", X_PAD + lay * dx, HEAD_PX + ROW_PX * (slot + 0.5),
            style.CATEGORY_COLOURS.get(_exit_name(name), style.GREY if _overlay(name) else PLAIN_FILL), "circle",
            _size(float(r.value), vmax), f"hop {lay} {name}, {int(r.flows)} flow{'s' if int(r.flows) > 1 else ''}, "
            f"{valuation.text(Decimal(r.value))}" + (" (not counted)" if _overlay(name) else ""), _overlay(name))
    rows = max(used.values(), default=1)
    graph_bottom = HEAD_PX + ROW_PX * rows
    fig = go.Figure()
    top = max([float(v) for v in edges.value] + [float(v) for v in group_edges.value] + [1.0]) or 1.0
    styles: set[tuple[str, str]] = set()
    mid_x, mid_y, mid_text = [], [], []
    all_edges = [(str(r.source), str(r.target), str(r.kind), str(r.service), float(r.value), int(r.transfers),
                  str(r.evidence)) for r in records(edges)]
    all_edges += [(str(r.source), str(r.target), "group", "", float(r.value), int(r.flows), "E1")
                  for r in records(group_edges) if str(r.source) in keys and str(r.target) in keys]
    for source, target, kind, service, value, count, evidence in all_edges:
        a, b = keys[source], keys[target]
        cross = kind not in ("transfer", "group")
        into_overlay = b.hollow and not cross  # what reaches an inferred exit is inferred value: the overlay
        colour = EDGE_BLUE if cross else OVERLAY_EDGE if into_overlay else EDGE_GREY
        dash = OVERLAY_DASH if into_overlay else style.EVIDENCE_DASH[evidence]
        styles.add((colour, dash))
        fig.add_trace(go.Scatter(
            x=[a.x, b.x], y=[a.y, b.y], mode="lines", hoverinfo="skip", showlegend=False,
            line={"width": 1 + 7 * math.sqrt(value / top), "dash": dash, "color": style.rgba(colour, 0.55)}))
        mid_x.append((a.x + b.x) / 2)
        mid_y.append((a.y + b.y) / 2)
        what = f"{kind} via {service}" if cross else f"{count} transfer(s)"
        mid_text.append(style.esc(f"{what}: {valuation.text(Decimal(str(value)))}, evidence {evidence}"))
    fig.add_trace(go.Scatter(x=mid_x, y=mid_y, mode="markers", marker={"size": 6, "opacity": 0}, text=mid_text,
                             hovertemplate="%{text}<extra></extra>", showlegend=False))
    hover = {k: style.esc(hover_labels.get(k, "")) for k in keys}
    points = list(keys.items())
    fig.add_trace(go.Scatter(
        x=[k.x for _, k in points], y=[k.y for _, k in points], mode="markers+text", showlegend=False,
        marker={"symbol": [k.marker_symbol for _, k in points], "size": [k.size for _, k in points],
                "color": [k.fill for _, k in points],
                "line": {"color": [k.fill if k.hollow else "#333333" for _, k in points],
                         "width": [3 if k.hollow else 1 for _, k in points]}},
        text=[style.esc(k.ref) for _, k in points], textposition="middle center",
        textfont={"size": style.MIN_FONT_PX,
                  "color": ["white" if k.fill in DARK_FILLS and not k.hollow else "#111111" for _, k in points]},
        customdata=[hover[name] for name, _ in points], hovertext=[style.esc(k.line) for _, k in points],
        hovertemplate="%{hovertext}<br>%{customdata}<extra></extra>"))
    annotations: list[dict[str, Any]] = [
        {"text": f"hop {i}", "x": X_PAD + i * dx, "y": 4, "xref": "x", "yref": "y", "yanchor": "top",
         "showarrow": False, "font": {"size": style.MIN_FONT_PX}} for i in range(layers + 1)]
    y = draw_legend(fig, annotations, keys, nodes, styles, graph_bottom + 12)
    y = draw_key(annotations, list(keys.values()), y + 8)
    unit = valuation.usd_units("USD at transfer time") if valuation.priced else f"{valuation.unit} (no prices in the export)"
    cap = style.caption(case, unit, as_of, *style.wrap(
        "Numbers in the markers refer to the key: label or address and the value received (full addresses in "
        "flowgraph_nodes.csv). Line width ∝ value. +N: N more addresses reached by the smaller flows, grouped "
        "by hop and exit category, with their edges and total value.", indent="  "),
        *(style.wrap(line, indent="  ") if (line := exit_line(exits, valuation)) else []))
    bottom = 24 + 18 * (cap.count("<br>") + 1)
    layout = style.base_layout(f"Flow of funds by hop — {style.esc(case)}", cap, height=int(40 + y + bottom),
                               bottom=bottom, top=40)
    layout["annotations"] = list(layout["annotations"]) + annotations
    layout.update({
        "xaxis": {"range": [0, PLOT_PX], "visible": False, "fixedrange": True},
        "yaxis": {"range": [y, 0], "visible": False, "fixedrange": True},
        "showlegend": False, "hovermode": "closest",
    })
    fig.update_layout(layout)
    return fig


def _size(value: float, vmax: float) -> float:
    return 24 + 8 * math.sqrt(max(value, 0.0) / vmax)  # room for a two-digit number at the minimum font size


def exit_line(exits: pd.DataFrame | None, valuation: Valuation) -> str:
    """The caption line of exit totals: proven exits (they sum to summary.csv's counted exits, fees aside), then
    the inferred overlay (open markers), which is never added to them."""
    if exits is None or exits.empty:
        return ""

    def part(r: Any) -> str:
        return f"{_exit_name(str(r.category))} {valuation.text(Decimal(r.value))} ({int(r.addresses)})"
    proven = [r for r in records(exits) if r.counted]
    overlay = [r for r in records(exits) if not r.counted]
    total = sum((Decimal(r.value) for r in proven), Decimal(0))
    text = ("Proven exits (value held, addresses): " + " · ".join(part(r) for r in proven)
            + f"; together {valuation.text(total)}." if proven else "No proven exits.")
    if overlay:
        text += " Inferred overlay (open markers, dash-dot flows), not counted: " + \
            " · ".join(part(r) for r in overlay) + "."
    return text
