"""Every figure's totals reconcile with the export and its summary, on traced sandbox worlds (issue 14 item 1).

Issue 13: on the demo world the timeline's theft day showed $15,551,570 against $12,456,666 stolen, because
the Curve stETH->ETH swap's output (landing on the exploiter at hop 0) was counted as theft.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.figures.helpers import proven_exits
from tests.figures.worlds import SEEDS, traced_world
from tracer.figures import data, graph, series, stages, style
from tracer.figures.render import build_figures
from tracer.figures.summary import table_rows
from tracer.schemas import export_errors

CENT = Decimal("0.01")


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return traced_world(request.param, tmp_path_factory.mktemp(f"world{request.param.replace(':', '-')}"))


def test_export_is_valid_and_priced(world: dict[str, Any]) -> None:
    assert export_errors(world) == []
    assert world["events"] == []
    assert data.valuation(world).priced


def test_timeline_theft_bar_is_the_stolen_value(world: dict[str, Any]) -> None:
    daily = series.daily_routes(world)
    theft = sum((Decimal(v) for v in daily[daily.route == "theft"].value), Decimal(0))
    stolen = sum((Decimal(s["usd"]) for s in world["summary"]["stolen"]), Decimal(0))
    assert abs(theft - stolen) <= CENT * len(daily), (theft, stolen)
    swap_links = [lk for lk in world["links"] if lk["kind"] == "swap"]
    if swap_links:  # the swap's proceeds are drawn as a swap, not as theft
        assert "swap" in set(daily.route)


def test_sankey_columns_equal_the_stolen_value_and_the_summary(world: dict[str, Any]) -> None:
    stolen = data.stolen_value(world)
    links = stages.sankey_links(world)
    for stage, total in stages.column_totals(links).items():
        assert abs(total - stolen) <= Decimal("0.05"), (stage, total, stolen)
    # Unscaled: what the exits hold is what the summary table counts (no silent rescaling hides a gap).
    flows = stages.flows_table(world)
    table = data.summary_table(world)
    total = Decimal(table[table.category == "total"].iloc[0].value)
    assert abs(sum((Decimal(v) for v in flows.value_exit), Decimal(0)) - total) <= CENT
    exits = {r: Decimal(v) for r, v in links[links.target_stage == "Exits"].groupby("target")["value"].sum().items()}
    counted = table[~table.category.str.startswith("inferred") & (table.category != "total")]
    for category, part in counted.groupby("category"):
        assert abs(exits[str(category)] - sum((Decimal(v) for v in part.value), Decimal(0))) <= CENT * (len(part) + 2)


def test_summary_table_matches_the_export_summary(world: dict[str, Any]) -> None:
    table = data.summary_table(world)
    counted = table[~table.category.str.startswith("inferred") & (table.category != "total")]
    total = Decimal(table[table.category == "total"].iloc[0].value)
    assert abs(sum((Decimal(v) for v in counted.value), Decimal(0)) - total) <= CENT * len(counted)
    by_status = sum((Decimal(r["usd"]) for r in world["summary"]["by_status"]), Decimal(0))
    pending = sum((Decimal(u["usd"] or 0) for u in data.extra_unaccounted(world)), Decimal(0))
    assert abs(total - (by_status + pending)) <= CENT * len(counted)
    stolen = sum((Decimal(s["usd"]) for s in world["summary"]["stolen"]), Decimal(0))
    assert abs(total - stolen) <= CENT * len(counted), "exits must add up to the stolen value"
    inferred = [e for e in world["endpoints"] if e.get("inferred")]
    assert len(table) == len(counted) + 1 + len(inferred)


def test_summary_figure_draws_every_row(world: dict[str, Any]) -> None:
    table = data.summary_table(world)
    drawn = [r for r in table_rows(table)[1:] if not r.span]
    assert len(drawn) == len(table)
    figure = {f.name: f for f in build_figures(world)}["summary"].figure
    texts = [a.text for a in figure.layout.annotations]
    for amount in table.amount:
        if amount:
            assert any(style.esc(str(amount).split(" ")[0]) in t for t in texts), amount


def test_flow_graph_accounts_for_every_flow(world: dict[str, Any]) -> None:
    nodes, edges, rest = graph.graph_tables(world)
    everything = graph.flow_edges(world)
    fees = {f"{e['chain']}:{e['address']}" for e in world["endpoints"] if e["reason"] == "fees"}
    roles = {f"{a['chain']}:{a['address']}": a["role"] for a in world["addresses"]}
    counted = everything[(everything.kind == "transfer") & ~everything.target.isin(
        [k for k in fees if roles.get(k, "endpoint") == "endpoint"])]
    drawn = edges[edges.kind == "transfer"]
    assert len(drawn) + int(rest.flows.sum()) == len(counted)
    assert abs(Decimal(drawn.value.sum()) + Decimal(rest.value.sum()) - Decimal(counted.value.sum())) <= CENT
    group_edges = graph.group_edges(world)
    assert set(group_edges.target) == set(rest.group), "every +N group has its incoming edges"
    assert set(group_edges.source) <= set(nodes.key) | set(rest.group), "and each starts at a drawn node"
    assert abs(Decimal(group_edges.value.sum()) - Decimal(rest.value.sum())) <= CENT


def test_flow_graph_proven_exits_reconcile_with_the_proven_endpoints(world: dict[str, Any]) -> None:
    """The flow graph's exits (nodes and '+N' groups) hold the export's proven endpoints; inferred ones are apart."""
    exits = graph.exit_totals(world)
    assert not (exits.category == "not drawn").any()
    proven = exits[exits.counted]
    assert {str(c): Decimal(v) for c, v in zip(proven.category, proven.value, strict=True)} == proven_exits(world)
    inferred = {f"{e['chain']}:{e['address']}": e for e in world["endpoints"]
                if e.get("inferred") and e["reason"] != "fees"}
    overlay = exits[~exits.counted]
    assert set(overlay.category) == {f"inferred {data.exit_category(e)}" for e in inferred.values()}
    nodes, _edges, rest = graph.graph_tables(world)
    proven_keys = {f"{e['chain']}:{e['address']}" for e in world["endpoints"]
                   if not e.get("inferred") and e["reason"] != "fees"}
    for key, category in zip(nodes.key, nodes.category, strict=True):
        if key in inferred and key not in proven_keys:
            assert str(category).startswith("inferred "), (key, category)


def test_summary_note_names_the_evidence_present(world: dict[str, Any]) -> None:
    # instant-exchange and mixer links are always the inferred layer (E4/E5); a memo-matched bridge may be too
    assert all(lk["evidence"] in ("E4", "E5") for lk in world["links"] if lk["kind"] in ("instant_exchange", "mixer"))
    classes = sorted({str(lk["evidence"]) for lk in world["links"] if lk["evidence"] in ("E4", "E5")})
    text = " ".join(str(a.text) for a in {f.name: f for f in build_figures(world)}["summary"].figure.layout.annotations)
    text = " ".join(text.replace("<br>", " ").replace("&nbsp;", " ").replace("<i>", "").replace("</i>", "").split())
    if any(e.get("inferred") for e in world["endpoints"]):
        assert f"Inferred ({', '.join(classes)}) continuations" in text
    assert "(E5)" not in text or "E5" in classes


def test_every_figure_renders_with_the_events(world: dict[str, Any], tmp_path: Path) -> None:
    doc = {**world, "events": [{"date": world["meta"]["as_of"][:10], "text": "Tether freezes the TRON wallets"}]}
    figures = {f.name: f for f in build_figures(doc)}
    timeline = figures["timeline"].figure
    assert any("Tether freezes the TRON wallets" in a.text for a in timeline.layout.annotations)
    assert len(timeline.layout.shapes) == 1
    for fig in figures.values():
        caption = fig.figure.layout.annotations[0].text
        assert "hover" not in caption.lower()
