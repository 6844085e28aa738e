"""Figures for the sandbox case: an export written by the real engine (`tracer demo`, seed 7) with no prices.

tests/fixtures/exports/sandbox_demo.json is `export.json` of `tracer demo --out DIR --no-figures` (generated_at
pinned to meta.as_of). It checks the figures against what the exporter really emits: unpriced values, origins per
endpoint, fee endpoints, THORChain refunds.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.figures.helpers import SAMPLE, png_info, requires_chromium, svg_text
from tracer.figures import data, render_case, stages
from tracer.figures.render import FIGURES
from tracer.schemas import export_errors

SANDBOX = SAMPLE.with_name("sandbox_demo.json")


@pytest.fixture(scope="module")
def sandbox() -> dict[str, Any]:
    return dict(json.loads(SANDBOX.read_text(encoding="utf-8")))


def test_engine_export_matches_the_schema(sandbox: dict[str, Any]) -> None:
    assert export_errors(sandbox) == []


def test_unpriced_export_uses_stolen_units_and_columns_sum(sandbox: dict[str, Any]) -> None:
    v = data.valuation(sandbox)
    assert not v.priced and v.unit == "ETH-eq"
    assert v.prices["BTC"] > 10  # BTC valued through the THORChain payouts, ETH-per-BTC
    stolen = data.stolen_value(sandbox, v)
    assert stolen == Decimal("4798.2") + Decimal("1200")
    totals = stages.column_totals(stages.sankey_links(sandbox))
    for stage, total in totals.items():
        assert abs(total - stolen) <= Decimal("0.05"), (stage, total)
    # The summary's exits add up to the stolen amount (origin amounts are conserved by the engine).
    table = data.summary_table(sandbox)
    total = table[table.category == "total"].iloc[0].value
    assert abs(total - stolen) < Decimal("0.01")


@requires_chromium
def test_sandbox_figures_render(sandbox: dict[str, Any], tmp_path: Path) -> None:
    result = render_case(sandbox, tmp_path, formats=("png", "svg"))
    assert result.static
    for name in FIGURES:
        width, _height, distinct = png_info(tmp_path / f"{name}.png")
        assert width == 2480 and distinct > 20
    sankey = svg_text((tmp_path / "sankey.svg").read_text())
    for word in ("Dormant", "Exchange", "Mixer", "Instant exchange", "Bitcoin", "Ethereum", "ETH-eq"):
        assert word in sankey, word
    assert "as of 2025-02-27 13:41 UTC" in sankey


def test_flow_graph_groups_the_long_tail(sandbox: dict[str, Any]) -> None:
    from tracer.figures import graph, groups

    nodes, edges, rest = graph.graph_tables(sandbox, top=25)
    drawn = edges[edges.kind == "transfer"]
    assert 0 < len(drawn) <= 25
    assert rest.groupby("layer").size().max() <= groups.MAX_GROUPS
    # Every flow (fee sinks aside) is either drawn or counted in a group.
    everything = graph.flow_edges(sandbox)
    fee_sinks = {f"{e['chain']}:{e['address']}" for e in sandbox["endpoints"] if e["reason"] == "fees"}
    roles = {f"{a['chain']}:{a['address']}": a["role"] for a in sandbox["addresses"]}
    counted = everything[(everything.kind == "transfer") & ~everything.target.isin(
        [k for k in fee_sinks if roles.get(k, "endpoint") == "endpoint"])]
    assert len(drawn) + rest.flows.sum() == len(counted)
    assert "network fee" not in set(nodes.label)
