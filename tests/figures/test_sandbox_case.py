"""Figures for the sandbox case: an export written by the real engine (`tracer demo`, seed 7).

tests/fixtures/exports/sandbox_demo.json is `export.json` of `tracer demo --out DIR --no-figures` (generated_at
pinned to meta.as_of); regenerate it the same way when the engine's output changes. It checks the figures against
what the exporter really emits: origins per endpoint (inferred ones among them), fee endpoints, THORChain refunds,
instant-exchange and mixer links. The demo imports the world's prices; the ``unpriced`` copy (every ``usd`` set to
null, the price source removed) is what an export looks like without a price import.

The old fixture came from an engine that counted the Curve stETH->ETH swap output as stolen (4,798.2 ETH stolen
instead of 3,600); :func:`test_fixture_is_conserved_and_swap_output_is_not_stolen` catches such a stale export.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
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


def _without_prices(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: None if k == "usd" else _without_prices(v) for k, v in node.items() if k != "price_source"}
    if isinstance(node, list):
        return [_without_prices(v) for v in node]
    return node


@pytest.fixture(scope="module")
def unpriced(sandbox: dict[str, Any]) -> dict[str, Any]:
    """The same export as it reads without a price import: every usd null, no price source."""
    return dict(_without_prices(copy.deepcopy(sandbox)))


def test_engine_export_matches_the_schema(sandbox: dict[str, Any], unpriced: dict[str, Any]) -> None:
    assert export_errors(sandbox) == []
    assert export_errors(unpriced) == []


def test_fixture_is_conserved_and_swap_output_is_not_stolen(sandbox: dict[str, Any]) -> None:
    """Per stolen origin, in base units: proven endpoints + fees = stolen, and stolen = what the victim sent."""
    stolen = {s["asset"]: Decimal(s["amount"]) for s in sandbox["summary"]["stolen"]}
    taken: dict[str, Decimal] = defaultdict(Decimal)
    for t in sandbox["transfers"]:
        if t["rule"] == "seed.stolen_inflow":
            taken[t["asset"]] += Decimal(t["taint_amount"])
    assert stolen == dict(taken), "a swap's output (or anything else) counted as stolen"
    assert any(lk["kind"] == "swap" for lk in sandbox["links"])  # the stETH->ETH swap is there, as a swap
    ended: dict[str, int] = defaultdict(int)
    for e in sandbox["endpoints"]:  # fee endpoints included; inferred origins are an overlay, not counted
        for origin, amount in (e.get("origins") or {}).items():
            if not origin.startswith("inferred:"):
                ended[origin] += int(amount)
    pending = {u["asset"]: Decimal(u["amount"]) for u in sandbox["summary"]["unaccounted"] if u["reason"] == "pending"}
    for asset, amount in stolen.items():  # both stolen assets (ETH, stETH) have 18 decimals
        assert ended[asset] == int((amount - pending.get(asset, Decimal(0))) * 10**18), asset
    assert any(e.get("inferred") for e in sandbox["endpoints"]), "the demo's inferred layer is in the fixture"


def test_unpriced_export_uses_stolen_units_and_columns_sum(unpriced: dict[str, Any]) -> None:
    v = data.valuation(unpriced)
    assert not v.priced and v.unit == "ETH-eq"
    assert v.prices["BTC"] > 10  # BTC valued through the THORChain payouts, ETH-per-BTC
    stolen = data.stolen_value(unpriced, v)
    assert stolen == Decimal("3600") + Decimal("1200")
    totals = stages.column_totals(stages.sankey_links(unpriced))
    for stage, total in totals.items():
        assert abs(total - stolen) <= Decimal("0.05"), (stage, total)
    # The summary's exits add up to the stolen amount (origin amounts are conserved by the engine); an exit that
    # also received inferred value counts only its proven origins.
    table = data.summary_table(unpriced)
    total = table[table.category == "total"].iloc[0].value
    assert abs(total - stolen) < Decimal("0.01"), (total, stolen)


@requires_chromium
def test_sandbox_figures_render(unpriced: dict[str, Any], tmp_path: Path) -> None:
    result = render_case(unpriced, tmp_path, formats=("png", "svg"))
    assert result.static
    for name in FIGURES:
        width, _height, distinct = png_info(tmp_path / f"{name}.png")
        assert width == 2480 and distinct > 20
    sankey = svg_text((tmp_path / "sankey.svg").read_text())
    for word in ("Dormant", "Exchange", "Mixer", "Instant exchange", "Bitcoin", "Ethereum", "ETH-eq"):
        assert word in sankey, word
    assert "as of 2025-02-28 21:31 UTC" in sankey


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
