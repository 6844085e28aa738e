"""The flow graph's legend and key, drawn at computed positions so that neither can overlap the graph.

The legend has one entry per fill, marker shape and line style actually used; the key gives each numbered
node its label (or abbreviated address) and value, in columns, each line wrapped, never cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import INFERRED_CATEGORY

SYMBOLS = {"ethereum": "circle", "bitcoin": "square", "tron": "diamond"}
EXIT_NAMES = set(style.EXIT_CATEGORIES)
PLOT_PX = style.WIDTH_PX - 40
X_PAD = 26
HEAD_PX = 28  # hop labels
ROW_PX = 40
KEY_LINE_PX = 17
KEY_COLUMNS = 3
KEY_CHARS = 34
SEED_FILL = style.OKABE_ITO["black"]
LABELLED_FILL = "#DDDDDD"
PLAIN_FILL = "#FFFFFF"
DARK_FILLS = {SEED_FILL, style.OKABE_ITO["blue"], style.OKABE_ITO["vermillion"], style.OKABE_ITO["purple"],
         style.OKABE_ITO["green"]}
EDGE_GREY = "#505050"
EDGE_BLUE = style.OKABE_ITO["blue"]
OVERLAY_EDGE = style.GREY  # flows into an inferred exit: the inferred layer, drawn apart (dash-dot)
OVERLAY_DASH = "dashdot"
INFERRED_PREFIX = INFERRED_CATEGORY  # node and group categories of the inferred layer (data.layer_category)


@dataclass(frozen=True)
class Key:
    """One numbered node of the figure and its key line."""

    ref: str
    x: float
    y: float
    fill: str
    symbol: str
    size: float
    line: str
    overlay: str = ""  # an exit of the inferred layer (its category): an open marker in the category's colour

    @property
    def hollow(self) -> bool:
        return bool(self.overlay)

    @property
    def marker_symbol(self) -> str:
        return f"{self.symbol}-open" if self.hollow else self.symbol


FILL_NAMES: dict[str, str] = {SEED_FILL: "seed / victim / exploiter", LABELLED_FILL: "labelled",
                              PLAIN_FILL: "no label"}
for _cat in style.EXIT_CATEGORIES:
    FILL_NAMES.setdefault(style.CATEGORY_COLOURS[_cat], f"exit: {_cat}")
FILL_ORDER = {fill: i for i, fill in enumerate(FILL_NAMES)}


def _fill_name(fill: str, overlay: str = "") -> str:
    if overlay:  # the inferred layer: named by its category, and said not to count
        return f"inferred exit: {overlay} (overlay, not counted)"
    return FILL_NAMES.get(fill, fill)


def hollow_marker(fill: str, size: float) -> dict[str, Any]:
    """The overlay's marker: an open ring in the category colour (plotly strokes open symbols with ``color``)."""
    return {"symbol": "circle-open", "size": size, "color": fill, "line": {"color": fill, "width": 3}}


def draw_legend(fig: go.Figure, annotations: list[dict[str, Any]], keys: Mapping[str, Key], nodes: pd.DataFrame,
            styles: set[tuple[str, str]], y: float) -> float:
    """Draw one entry per colour, symbol and line style used; returns the y below the legend."""
    entries: list[tuple[str, dict[str, Any]]] = []
    for fill, overlay in sorted({(k.fill, k.overlay) for k in keys.values()},
                                key=lambda fo: (fo[1] != "", FILL_ORDER.get(fo[0], len(FILL_ORDER)), fo[1])):
        marker = hollow_marker(fill, 13) if overlay else {"symbol": "circle", "size": 13, "color": fill,
                                                          "line": {"color": "#333333", "width": 1}}
        entries.append((_fill_name(fill, overlay), {"marker": marker}))
    for chain in sorted(set(nodes.chain)):
        entries.append((f"{chain}", {"marker": {"symbol": SYMBOLS.get(str(chain), "circle"), "size": 12,
                                                         "color": PLAIN_FILL, "line": {"color": "#333333", "width": 1}}}))
    dash_names = {"solid": "E1–E2", "dash": "E3–E4 heuristic", "dot": "E5 assessed",
                  OVERLAY_DASH: "inferred layer, not counted"}
    for colour, dash in sorted(styles, key=lambda cd: (cd[0] == EDGE_BLUE, list(dash_names).index(cd[1]))):
        what = "cross-chain link" if colour == EDGE_BLUE else "flow into an inferred exit" \
            if dash == OVERLAY_DASH else "transfer"
        entries.append((f"{what}, {dash_names[dash]}", {"line": {"color": style.rgba(colour, 0.7), "dash": dash,
                                                                 "width": 3}}))
    x = 0.0
    for text, spec in entries:
        width = 30 + len(text) * 7.4 + 16
        if x + width > PLOT_PX:
            x, y = 0.0, y + 22
        if "marker" in spec:
            fig.add_trace(go.Scatter(x=[x + 10], y=[y + 9], mode="markers", showlegend=False, hoverinfo="skip",
                                     marker=spec["marker"]))
        else:
            fig.add_trace(go.Scatter(x=[x, x + 24], y=[y + 9, y + 9], mode="lines", showlegend=False,
                                     hoverinfo="skip", line=spec["line"]))
        annotations.append({"text": style.esc(text), "x": x + 30, "y": y + 9, "xref": "x", "yref": "y",
                            "xanchor": "left", "yanchor": "middle", "showarrow": False,
                            "font": {"size": style.MIN_FONT_PX}})
        x += width
    return y + 22


def draw_key(annotations: list[dict[str, Any]], keys: list[Key], y: float) -> float:
    """The key under the graph in columns, each line wrapped (never cut); returns the y below it."""
    blocks = [style.wrap(f"{k.ref}  {k.line}", width=KEY_CHARS, indent="      ") for k in keys]
    per_column = math.ceil(sum(len(b) for b in blocks) / KEY_COLUMNS)
    columns: list[list[str]] = [[]]
    for block in blocks:
        if len(columns[-1]) + len(block) > per_column and len(columns) < KEY_COLUMNS:
            columns.append([])
        columns[-1].extend(block)
    for i, lines in enumerate(columns):
        annotations.append({"text": "<br>".join(lines), "x": i * PLOT_PX / KEY_COLUMNS, "y": y, "xref": "x",
                            "yref": "y", "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
                            "font": {"size": style.MIN_FONT_PX, "color": "#222222"}})
    return y + KEY_LINE_PX * max((len(c) for c in columns), default=0) + 8
