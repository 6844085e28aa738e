"""Figures that can go into a chapter unedited (issue 14 item 1): nothing cut, hidden, unexplained or empty."""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import pytest

from tests.figures.helpers import SAMPLE
from tracer.figures import data, graph, stages, style
from tracer.figures.flowkey import FILL_NAMES
from tracer.figures.render import build_figures
from tracer.figures.sankey import NODE_PX, place_nodes

SANDBOX = SAMPLE.with_name("sandbox_demo.json")


@pytest.fixture(scope="module", params=["sample", "sandbox"])
def export(request: pytest.FixtureRequest) -> dict[str, Any]:
    path = SAMPLE if request.param == "sample" else SANDBOX
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _figures(doc: dict[str, Any]) -> dict[str, go.Figure]:
    return {f.name: f.figure for f in build_figures(doc)}


def _plain(text: str) -> str:
    return " ".join(text.replace("<br>", " ").replace("<b>", "").replace("</b>", "").replace("&nbsp;", " ").split())


def test_static_captions_never_ask_to_hover(export: dict[str, Any]) -> None:
    for name, fig in _figures(export).items():
        words = " ".join(_plain(a.text) for a in fig.layout.annotations).lower()
        assert "hover" not in words, name


def test_sankey_labels_are_whole_and_inside_their_column(export: dict[str, Any]) -> None:
    links = stages.sankey_links(export)
    fig = _figures(export)["sankey"]
    nodes = [a for a in fig.layout.annotations[1:] if "·" in a.text]  # [0] is the caption
    labels = [_plain(a.text) for a in nodes]
    names = {str(n) for n in set(links.source) | set(links.target)} - {"stolen"}
    for name in names:
        shown = name if not name.islower() else name[:1].upper() + name[1:]
        assert any(label.startswith(style.esc(shown) + " ") for label in labels), name
    assert not any("…" in label for label in labels)
    width = style.WIDTH_PX - 40
    centres = {round((p.left + NODE_PX / 2) / width, 6) for p in place_nodes(links, data.valuation(export), 520)}
    for a in nodes:  # a node label: centred on a node column, where no band runs
        assert round(a.x, 6) in centres and a.xanchor == "center"


def test_sankey_nodes_never_overlap_and_fit(export: dict[str, Any]) -> None:
    placed = place_nodes(stages.sankey_links(export), data.valuation(export), 520)
    for stage in stages.STAGES:
        column = sorted((p for p in placed if p.stage == stage), key=lambda p: p.top)
        for upper, lower in zip(column, column[1:], strict=False):
            label_bottom = upper.label_top + 17 * len(upper.lines)
            assert max(upper.top + upper.height, label_bottom) <= lower.top + 0.01, (upper.name, lower.name)
        assert column[-1].top + column[-1].height <= 520.5


def test_flow_graph_legend_lists_every_colour_used(export: dict[str, Any]) -> None:
    fig = _figures(export)["flowgraph"]
    nodes = next(t for t in fig.data if t.mode == "markers+text")
    legend = {_plain(a.text) for a in fig.layout.annotations}
    swatches = {(t.marker.color, t.marker.symbol) for t in fig.data if t.mode == "markers" and len(t.x) == 1}
    for fill, symbol in set(zip(nodes.marker.color, nodes.marker.symbol, strict=True)):
        if symbol.endswith("-open"):  # an inferred exit: the overlay's own entry, in its category's colour
            assert (fill, "circle-open") in swatches, fill
            assert any(t.startswith("inferred exit: ") and t.endswith("(overlay, not counted)") for t in legend)
        else:
            assert style.esc(FILL_NAMES[fill]) in legend, fill
    colours = {t.line.color for t in fig.data if t.mode == "lines" and t.hoverinfo == "skip" and len(t.x) == 2}
    kinds = {"transfer" if "80,80,80" in c else "flow into an inferred exit" if "153,153,153" in c
             else "cross-chain link" for c in colours}
    for kind in kinds:
        assert any(text.startswith(kind) for text in legend), kind


def test_flow_graph_groups_are_joined_and_valued(export: dict[str, Any]) -> None:
    _nodes, _edges, rest = graph.graph_tables(export)
    into = graph.group_edges(export)
    assert set(into.target) == set(rest.group)
    fig = _figures(export)["flowgraph"]
    key = " ".join(_plain(a.text) for a in fig.layout.annotations)
    for r in data.records(rest):
        assert f"+{int(r.addresses)} hop {int(r.layer)} " in key
    assert "+N" not in [t for t in fig.data if t.mode == "markers+text"][0].text


def test_flow_graph_is_as_tall_as_its_content(export: dict[str, Any]) -> None:
    fig = _figures(export)["flowgraph"]
    bottom = fig.layout.yaxis.range[0]
    lowest_node = max(max(t.y) for t in fig.data if t.mode == "markers+text")
    assert lowest_node < bottom
    plot_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    assert plot_px - bottom < 10  # the drawing area is the content, give or take the rounding to 10 px
    key = [a for a in fig.layout.annotations if a.yref == "y" and a.yanchor == "top" and a.xanchor == "left"]
    assert key, "the key table is drawn"
    for a in key:
        assert a.y + 17 * (a.text.count("<br>") + 1) <= bottom


def test_summary_figure_shows_all_rows_with_the_addresses_that_tell_them_apart() -> None:
    doc = dict(json.loads(SANDBOX.read_text(encoding="utf-8")))
    table = data.summary_table(doc)
    texts = _plain(" ".join(a.text for a in _figures(doc)["summary"].layout.annotations))
    inferred = table[table.category.str.startswith("inferred")]
    for r in data.records(inferred):
        assert style.esc(f"at {style.short_address(str(r.address))}") in texts
    assert f"All {len(table)} rows of summary.csv" in texts


def test_sankey_says_when_the_exits_do_not_hold_the_stolen_value(sample_doc: dict[str, Any]) -> None:
    assert stages.scale_note(sample_doc) == ""
    doc = json.loads(json.dumps(sample_doc))
    doc["endpoints"] = [e for e in doc["endpoints"] if e.get("service") != "OKX"]  # an export missing an exit
    note = stages.scale_note(doc)
    assert "less than was stolen" in note and "scaled by" in note
    caption = _plain(_figures(doc)["sankey"].layout.annotations[0].text)
    assert "less than was stolen" in caption


def test_every_priced_figure_names_its_price_source(export: dict[str, Any]) -> None:
    """One USD truth (issue 14 item 4): the figures say where their USD came from, as the export does."""
    doc = json.loads(json.dumps(export))
    doc.setdefault("meta", {})["price_source"] = {"source": "coingecko", "version": "412 rows #1a2b3c",
                                                  "precedence": "imports > coingecko > bundled", "rank": 1}
    priced = data.valuation(doc).priced
    for name, fig in _figures(doc).items():
        words = " ".join(_plain(a.text) for a in fig.layout.annotations)
        if priced and name != "annex":
            assert "prices: coingecko 412 rows #1a2b3c" in words, name
        else:  # an unpriced export draws asset units: no price source to name
            assert "prices:" not in words, name
