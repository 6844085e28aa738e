"""The inferred layer in the figures, on the engine's own export (tests/fixtures/exports/sandbox_demo.json, which has
instant-exchange and mixer links): kept apart, named by the evidence it really has, never counted as a proven exit.

Before: the summary figure's note called the whole inferred layer "E5" although every inferred link of the case is
E4 (instant-exchange matches are E4; mixer links E4 or E5), and the flow graph coloured inferred endpoints (all of
their origins ``inferred:*``) as exchanges, OTC desks and dormant wallets, inside the proven exits' '+N' groups.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.figures.helpers import SAMPLE, proven_exits
from tracer.figures import data, graph
from tracer.figures.render import build_figures

SANDBOX = SAMPLE.with_name("sandbox_demo.json")
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return dict(json.loads(SANDBOX.read_text(encoding="utf-8")))


def _figure(doc: dict[str, Any], name: str) -> go.Figure:
    return {f.name: f.figure for f in build_figures(doc)}[name]


def _texts(fig: go.Figure) -> str:
    """The figure's words, wrapped lines joined (a wrap may fall inside any phrase)."""
    text = " ".join(str(a.text) for a in fig.layout.annotations)
    return " ".join(text.replace("<br>", " ").replace("&nbsp;", " ").replace("<i>", "").replace("</i>", "").split())


def _key(e: dict[str, Any]) -> str:
    return f"{e['chain']}:{e['address']}"


def test_summary_note_names_the_evidence_of_the_inferred_links(demo: dict[str, Any]) -> None:
    kinds = {(lk["kind"], lk["evidence"]) for lk in demo["links"] if lk["kind"] in ("instant_exchange", "mixer")}
    assert {k for k, _e in kinds} == {"instant_exchange", "mixer"}, "the case has both kinds of inferred link"
    assert {e for _k, e in kinds} == {"E4"}
    assert data.inferred_evidence(demo) == ("E4",)
    text = _texts(_figure(demo, "summary"))
    assert "Inferred (E4) continuations" in text and "inferred (E4) rows that are not counted" in text
    assert "E5" not in text


@pytest.mark.parametrize(("demoted", "expected"), [("tornado-style pool", ("E4", "E5")), ("all", ("E5",))])
def test_the_note_follows_the_data(demo: dict[str, Any], demoted: str, expected: tuple[str, ...]) -> None:
    """A mixer link on time order alone is E5: the note then names what the links say, not a constant."""
    doc = copy.deepcopy(demo)
    for lk in doc["links"]:
        if lk["kind"] in ("instant_exchange", "mixer") and demoted in (lk["service"], "all"):
            lk["evidence"] = "E5"
    assert data.inferred_evidence(doc) == expected
    assert f"Inferred ({', '.join(expected)}) continuations" in _texts(_figure(doc, "summary"))


def test_flow_graph_proven_exits_reconcile_with_the_proven_endpoints(demo: dict[str, Any]) -> None:
    inferred = [e for e in demo["endpoints"] if e.get("inferred") and e["reason"] != "fees"]
    assert len(inferred) >= 4  # instant-exchange payouts and demixed withdrawals that reached exits
    exits = graph.exit_totals(demo)
    proven = exits[exits.counted]
    assert not (exits.category == "not drawn").any(), "every exit is drawn, as a node or in a group"
    assert {str(c): Decimal(v) for c, v in zip(proven.category, proven.value, strict=True)} == proven_exits(demo)
    assert not any(str(c).startswith("inferred") for c in proven.category)
    overlay = exits[~exits.counted]
    assert set(overlay.category) == {f"inferred {data.exit_category(e)}" for e in inferred}
    assert int(overlay.addresses.sum()) == len({_key(e) for e in inferred})
    # with the fees and the pending rest, the proven exits are the stolen value: the overlay adds nothing
    table = data.summary_table(demo)
    fees = sum((Decimal(v) for c, s, v in zip(table.category, table.status, table.value, strict=True)
                if c == "unaccounted" and s == "fees"), Decimal(0))
    assert abs(Decimal(proven.value.sum()) + fees - data.stolen_value(demo)) <= CENT * len(proven)


def test_flow_graph_draws_inferred_exits_as_the_overlay(demo: dict[str, Any]) -> None:
    nodes, _edges, rest = graph.graph_tables(demo)
    proven_exit = {_key(e) for e in demo["endpoints"] if not e.get("inferred") and e["reason"] != "fees"}
    overlay_only = {_key(e) for e in demo["endpoints"] if e.get("inferred") and e["reason"] != "fees"} - proven_exit
    drawn = nodes[nodes.key.isin(overlay_only)]
    assert len(drawn) >= 2
    assert all(str(c).startswith("inferred ") for c in drawn.category), list(drawn.category)
    assert any(str(c).startswith("inferred ") for c in rest.category)  # grouped apart from the proven exits
    fig = _figure(demo, "flowgraph")
    points = next(t for t in fig.data if t.mode == "markers+text")
    symbols = dict(zip(points.text, points.marker.symbol, strict=True))
    for n, key in enumerate(nodes.key, start=1):
        assert symbols[str(n)].endswith("-open") == (key in overlay_only), key
    text = _texts(fig)
    assert "inferred exit: OTC (overlay, not counted)" in text
    assert "flow into an inferred exit, inferred layer, not counted" in text
    assert "Inferred overlay (open markers, dash-dot flows), not counted:" in text
    assert any(t.line.dash == "dashdot" for t in fig.data if t.mode == "lines")


def test_a_crowded_layer_keeps_the_overlay_in_its_own_group() -> None:
    """With more exit categories than groups per layer, inferred exits share one overlay group, never 'other'."""
    from tracer.figures.groups import MAX_GROUPS, group_rest

    kinds = [("exchange", False, 60), ("mixer", False, 50), ("dormant", False, 40), ("frozen", False, 30),
             ("exchange", True, 20), ("otc", True, 10)]
    rest = pd.DataFrame([{"source": "ethereum:0xseed", "target": f"ethereum:0x{i}", "value": Decimal(v)}
                         for i, (_c, _inf, v) in enumerate(kinds)])
    exits = {f"ethereum:0x{i}": {"category": c, "status": "unspent" if c == "dormant" else
                                 "frozen" if c == "frozen" else "cashed_out", "reason": "labelled_service",
                                 "inferred": inferred} for i, (c, inferred, _v) in enumerate(kinds)}
    table, member, _flow_group = group_rest(rest, {"ethereum:0xseed": 0}, {}, exits)
    assert len(table) <= MAX_GROUPS
    assert list(table.category) == ["exchange", "inferred other", "intermediate", "mixer"]
    assert {member[f"ethereum:0x{i}"] for i in (4, 5)} == {"group@1:inferred other"}
    overlay = table[table.category == "inferred other"]
    assert Decimal(overlay.value.iloc[0]) == Decimal(30)  # the overlay's value, apart from every proven group
