"""Stage Sankey: theft -> swaps -> mixers & bridges -> chains -> exits, each column summing to the stolen value."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from tracer.figures import style
from tracer.figures.data import Valuation, records
from tracer.figures.stages import STAGES, UNACCOUNTED

MARGIN_PX = 20
NODE_PX = 112  # column width: the node, with its label inside
BAND_PX = (style.WIDTH_PX - 2 * MARGIN_PX - 5 * NODE_PX) / 4  # bands run only in the gaps between columns
LABEL_CHARS = 14  # characters per label line inside a node column
LINE_PX = 17
GAP_PX = 10
SANKEY_PX = 520
TOP_PX = 70
LEGEND_PX = 34
STAGE_FILL = "#E4E4E4"


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
    return name


def _percent(value: Decimal, total: Decimal) -> str:
    if not total:
        return "–"
    pct = value * 100 / total
    if 0 < pct < Decimal("0.05"):
        return "<0.1%"
    return f"{pct:.0f}%" if pct >= 10 else f"{pct:.1f}%"


@dataclass(frozen=True)
class Placed:
    """A node's place in the plot area (px from the top-left of the Sankey domain) and its label lines."""

    stage: str
    name: str
    value: Decimal
    left: float
    top: float
    height: float
    lines: tuple[str, ...]
    label_top: float  # inside the node when it is tall enough, else just below it (still in its column)


def node_label(stage: str, name: str, value: Decimal, total: Decimal, valuation: Valuation) -> tuple[str, ...]:
    """Escaped label lines of one node, wrapped to the node's width (never cut)."""
    return (*style.wrap(_display_name(stage, name), width=LABEL_CHARS),
            style.esc(f"{valuation.text(value)} · {_percent(value, total)}"))


def place_nodes(links: pd.DataFrame, valuation: Valuation, height: float) -> list[Placed]:
    """Nodes in columns: heights ∝ value on one scale for every column, each node at least as tall as its label.

    The scale is the largest for which every column fits ``height`` with its labels and gaps, so a label
    never leaves its node's column (bands only run between columns) and never meets the next node's label.
    """
    nodes = _node_order(links)
    values = node_values(links)
    total = values.get((STAGES[0], "stolen"), Decimal(0))
    labels = {n: node_label(n[0], n[1], values.get(n, Decimal(0)), total, valuation) for n in nodes}
    need = {n: LINE_PX * len(labels[n]) + 4 for n in nodes}
    columns = {stage: [n for n in nodes if n[0] == stage] for stage in STAGES}
    scale = height / float(total) if total else 0.0
    for _ in range(4):  # shrink until every column fits; nodes shorter than their label take the label's height
        worst = scale
        for members in columns.values():
            fixed = sum(need[n] + float(values.get(n, 0)) * scale for n in members
                        if float(values.get(n, 0)) * scale < need[n])
            free = sum(float(values.get(n, 0)) for n in members if float(values.get(n, 0)) * scale >= need[n])
            room = height - GAP_PX * (len(members) - 1) - fixed
            if free and room / free < worst:
                worst = room / free
        if worst >= scale:
            break
        scale = worst
    placed: list[Placed] = []
    for i, stage in enumerate(STAGES):
        top = 0.0
        for n in columns[stage]:
            h = float(values.get(n, 0)) * scale
            text = LINE_PX * len(labels[n])
            inside = h >= need[n]
            label_top = top + (h - text) / 2 if inside else top + h + 2
            placed.append(Placed(stage, n[1], values.get(n, Decimal(0)), i * (NODE_PX + BAND_PX), top, h,
                                 labels[n], label_top))
            top += (h if inside else h + need[n]) + GAP_PX
    return placed


def build_sankey(links: pd.DataFrame, *, case: str, as_of: Any, stolen_text: str, valuation: Valuation,
                 note: str = "") -> go.Figure:
    """The stage Sankey figure from :func:`tracer.figures.stages.sankey_links` output.

    Nodes are wide columns with their label inside (wrapped, never cut); the bands run in the gaps between
    columns, so no text lies on a band. Positions are computed here (plotly's ``fixed`` arrangement).
    """
    placed = place_nodes(links, valuation, SANKEY_PX)
    index = {(p.stage, p.name): i for i, p in enumerate(placed)}
    width = float(style.WIDTH_PX - 2 * MARGIN_PX)
    colours = []
    for p in placed:
        colour = style.CATEGORY_COLOURS.get(p.name, STAGE_FILL) if p.stage == STAGES[-1] else STAGE_FILL
        colours.append(style.rgba(style.CATEGORY_COLOURS["unaccounted"], 1.0) if p.name == UNACCOUNTED else
                       style.rgba(colour, 0.45) if colour != STAGE_FILL else STAGE_FILL)
    rows = records(links)
    # plotly sizes nodes by its own scale, (height - gaps) / value of the fullest column; a transparent pair of
    # nodes in the first column, linked to each other, brings that scale down to the one the labels need.
    total = float(sum((p.value for p in placed if p.stage == STAGES[0]), Decimal(0)))
    tallest = max((p.top + p.height for p in placed), default=0.0)
    scale = max((p.height / float(p.value) for p in placed if p.value > 0), default=0.0)
    pad_value = SANKEY_PX / scale - total if scale > 0 else 0.0
    xs = [(p.left + NODE_PX / 2) / width for p in placed] + [0.5, 0.5]
    ys = [(p.top + p.height / 2) / SANKEY_PX for p in placed] + [3.0, 3.0]  # far below the figure
    lines = ["#777777"] * len(placed) + ["rgba(0,0,0,0)"] * 2
    colours += ["rgba(0,0,0,0)"] * 2
    sources = [index[(str(r.source_stage), str(r.source))] for r in rows] + [len(placed)]
    targets = [index[(str(r.target_stage), str(r.target))] for r in rows] + [len(placed) + 1]
    flows = [float(r.value) for r in rows] + [pad_value]
    link_colours = [style.rgba(style.CATEGORY_COLOURS.get(str(r.category), style.GREY),
                               style.EVIDENCE_OPACITY[str(r.evidence)]) for r in rows] + ["rgba(0,0,0,0)"]
    hover = [style.esc(f"{r.source} → {r.target}: {r.category}, evidence {r.evidence}") for r in rows] + [""]
    assert tallest <= SANKEY_PX + 0.5, "place_nodes must fit the Sankey's height"
    sankey = go.Sankey(
        arrangement="fixed",
        valueformat="$,.0f" if valuation.priced else ",.2f",
        node={"label": [""] * len(xs), "color": colours, "pad": 0, "thickness": NODE_PX, "x": xs, "y": ys,
              "line": {"color": lines, "width": 0.5}, "hoverinfo": "skip"},
        link={"source": sources, "target": targets, "value": flows, "color": link_colours, "customdata": hover,
              "hovertemplate": "%{customdata}<br>%{value}<extra></extra>"},
        domain={"x": [0, 1], "y": [0, 1]},
    )
    fig = go.Figure(sankey)
    # Legend entries (sankeys have none): exit categories by colour, evidence classes by opacity.
    present = {str(c) for c in links.category}
    for cat in style.EXIT_CATEGORIES:
        if cat in present:
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=style.esc(cat),
                                     marker={"size": 12, "symbol": "square", "color": style.CATEGORY_COLOURS[cat]}))
    units = (valuation.usd_units("USD at theft-day prices") if valuation.priced else
             f"{valuation.unit} (unpriced: stolen assets 1:1, others at the case's bridge/swap rates)")
    cap = style.caption(case, units, as_of, *style.wrap(
        f"Each column sums to the stolen {stolen_text}; swap and bridge proceeds continue that value. Band "
        "colour: exit category; opacity: evidence (opaque E1–E2, medium E3–E4, faint E5). " + note, indent="  "))
    bottom = LEGEND_PX + 18 * (cap.count("<br>") + 1) + 14
    layout = style.base_layout(f"Where the stolen funds went — {style.esc(case)}", cap,
                               height=TOP_PX + SANKEY_PX + bottom, bottom=bottom, top=TOP_PX, left=MARGIN_PX)
    layout["margin"]["r"] = MARGIN_PX
    layout.update({
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "legend": {"orientation": "h", "x": 0, "y": 0, "yanchor": "top", "yref": "paper",
                   "font": {"size": style.MIN_FONT_PX}},
    })
    for i, stage in enumerate(STAGES):
        layout["annotations"].append({
            "text": f"<b>{stage}</b>", "x": (i * (NODE_PX + BAND_PX) + NODE_PX / 2) / width, "y": 1.0,
            "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "bottom", "yshift": 4,
            "showarrow": False, "font": {"size": style.MIN_FONT_PX},
        })
    for p in placed:
        layout["annotations"].append({
            "text": "<br>".join(p.lines), "x": (p.left + NODE_PX / 2) / width, "y": 1 - p.label_top / SANKEY_PX,
            "xref": "paper", "yref": "paper", "xanchor": "center", "yanchor": "top", "showarrow": False,
            "align": "center", "font": {"size": style.MIN_FONT_PX, "color": "#111111"},
        })
    fig.update_layout(layout)
    return fig
