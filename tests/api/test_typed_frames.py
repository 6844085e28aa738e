"""The notebook API returns typed DataFrames: exact Decimal amounts, float USD, UTC timestamps, categories."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from tests.demo_world import DEMO_CASE, database_url, run_demo
from tracer.api import CaseView, open_case, typed_frame


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[CaseView, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    export = json.loads((out / "export.json").read_text(encoding="utf-8"))
    return open_case(DEMO_CASE, database_url(out)), export


def test_transfer_usd_sums_to_a_number_equal_to_the_export(demo: tuple[CaseView, dict[str, Any]]) -> None:
    case, export = demo
    frame = case.transfers()
    total = frame.usd.sum()
    assert isinstance(total, float)  # before: a concatenation of strings
    expected = sum(Decimal(t["usd"]) for t in export["transfers"] if t["usd"] is not None)
    assert expected > 0 and math.isclose(total, float(expected), rel_tol=1e-12)


def test_amounts_are_exact_decimals(demo: tuple[CaseView, dict[str, Any]]) -> None:
    case, export = demo
    frame = case.transfers()
    assert all(isinstance(v, Decimal) for v in frame.amount)
    assert sum(frame.taint_amount, Decimal(0)) == sum(Decimal(t["taint_amount"]) for t in export["transfers"])
    assert frame.amount_float.dtype == "float64"
    stolen = case.summary("stolen")
    assert sum(stolen.amount, Decimal(0)) == sum(Decimal(s["amount"]) for s in export["summary"]["stolen"])


def test_column_types(demo: tuple[CaseView, dict[str, Any]]) -> None:
    case, _ = demo
    frame = case.transfers()
    assert str(frame.timestamp.dtype) == "datetime64[ns, UTC]"
    assert frame.usd.dtype == "float64" and frame.hop.dtype == "int64"
    assert isinstance(frame.chain.dtype, pd.CategoricalDtype) and isinstance(frame.evidence.dtype, pd.CategoricalDtype)
    ends = case.endpoints()
    assert isinstance(ends.status.dtype, pd.CategoricalDtype) and ends.usd.dtype == "float64"
    assert ends.usd.sum() > 0
    assert isinstance(case.links().kind.dtype, pd.CategoricalDtype)
    assert str(case.alerts().timestamp.dtype) == "datetime64[ns, UTC]"  # typed even with no alerts


def test_graph_edges_carry_numbers(demo: tuple[CaseView, dict[str, Any]]) -> None:
    case, export = demo
    graph = case.graph()
    usd = [d["usd"] for *_, d in graph.edges(data=True) if "usd" in d and not math.isnan(d["usd"])]
    assert math.isclose(sum(usd), sum(float(t["usd"]) for t in export["transfers"]
                                      if t["usd"] is not None and t["from"] and t["to"]), rel_tol=1e-9)


def test_price_source_is_named(demo: tuple[CaseView, dict[str, Any]]) -> None:
    case, _ = demo
    assert case.price_source.get("source")


def test_empty_table_keeps_its_types() -> None:
    frame = typed_frame([], ("timestamp", "amount", "usd", "chain"))
    assert frame.usd.sum() == 0.0 and str(frame.timestamp.dtype) == "datetime64[ns, UTC]"
