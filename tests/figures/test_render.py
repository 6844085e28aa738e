"""The figure package on disk: files, PNG size and content, SVG text, determinism, escaping, no-Chromium path."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.figures.helpers import png_info, requires_chromium, svg_text
from tracer.figures import render_case
from tracer.figures.render import FIGURES, build_figures
from tracer.figures.style import SCALE, WIDTH_PX

INJECTION = "</script><script>alert(1)</script>"


@pytest.fixture(scope="module")
def package(sample_doc: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full render (HTML + PNG/SVG/PDF) of the sample case, shared by this module."""
    from tests.figures.helpers import chromium_missing

    if chromium_missing():
        pytest.skip("Chromium not installed")
    out = tmp_path_factory.mktemp("figures")
    result = render_case(sample_doc, out)
    assert result.static and result.note is None
    return out


@requires_chromium
def test_package_lists_every_output_with_its_hash(package: Path) -> None:
    manifest = json.loads((package / "manifest.json").read_text())
    expected = {f"{name}.{ext}" for name in FIGURES for ext in ("html", "png", "svg", "pdf")}
    expected |= {"sankey.csv", "timeline_daily.csv", "timeline_wallets.csv", "timeline_events.csv",
                 "flowgraph_nodes.csv", "flowgraph_edges.csv", "flowgraph_rest.csv", "flowgraph_group_edges.csv",
                 "flowgraph_exits.csv", "summary.csv", "annex.csv", "annex.xlsx", "plotly.min.js"}
    assert set(manifest["files"]) == expected
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((package / name).read_bytes()).hexdigest() == digest, name
    assert manifest["block_heights"] == {"ethereum": 21957000, "bitcoin": 885700, "tron": 69980000}
    assert manifest["as_of"] == "2025-03-03T12:00:00Z"
    assert manifest["label_versions"]["ofac_sdn"] == "2025-02-28"
    assert manifest["parameters"]["max_hops"] == 5


@requires_chromium
@pytest.mark.parametrize("name", FIGURES)
def test_pngs_are_a4_width_at_300_dpi_and_not_blank(package: Path, sample_doc: dict[str, Any], name: str) -> None:
    heights = {f.name: int(f.figure.layout.height) for f in build_figures(sample_doc)}
    width, height, distinct = png_info(package / f"{name}.png")
    assert width == round(WIDTH_PX * SCALE) == 2480
    assert height == round(heights[name] * SCALE)
    assert distinct > 20  # text, colours and white: a blank image has one or two byte values


@requires_chromium
def test_svgs_carry_category_names_units_and_as_of(package: Path) -> None:
    sankey = svg_text((package / "sankey.svg").read_text())
    for name in ("Exchange", "OTC", "Instant exchange", "Mixer", "Frozen", "Dormant", "Unknown", "Unaccounted",
                 "THORChain", "Tornado Cash", "Uniswap V3", "Bitcoin", "Ethereum"):
        assert f" {name} " in sankey, name  # whole, never cut: a long name is wrapped onto lines
    for svg in (package / f"{n}.svg" for n in FIGURES):
        text = svg.read_text()
        assert "as of 2025-03-03 12:00 UTC" in text, svg.name
        assert "Units:" in text, svg.name
    assert "$28.0M · 100%" in sankey
    assert "stolen 10,000 ETH + 500,000 USDT ($28.0M)" in sankey


@requires_chromium
def test_second_render_is_byte_identical(package: Path, sample_doc: dict[str, Any], tmp_path: Path) -> None:
    render_case(copy.deepcopy(sample_doc), tmp_path, formats=("svg",))
    for name in FIGURES:
        for ext in ("svg", "html"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == (package / f"{name}.{ext}").read_bytes(), name
    for name in ("annex.xlsx", "annex.csv", "sankey.csv"):
        assert (tmp_path / name).read_bytes() == (package / name).read_bytes(), name


def test_html_is_offline_and_deterministic(sample_doc: dict[str, Any], tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    render_case(sample_doc, a, static=False)
    render_case(sample_doc, b, static=False)
    for name in FIGURES:
        html = (a / f"{name}.html").read_text()
        assert html == (b / f"{name}.html").read_text()
        assert '<script charset="utf-8" src="plotly.min.js"></script>' in html
        assert "cdn.plot.ly" not in html
        assert f'id="tracer-{name}"' in html
    assert (a / "plotly.min.js").stat().st_size > 1_000_000


@requires_chromium
def test_label_injection_is_escaped(doc: dict[str, Any], tmp_path: Path) -> None:
    okx = next(e for e in doc["endpoints"] if e["service"] == "OKX")
    okx["service"] = "<b>OKX</b>" + INJECTION
    render_case(doc, tmp_path, formats=("svg",))
    for name in FIGURES:
        html = (tmp_path / f"{name}.html").read_text()
        assert "alert(1)</script>" not in html
        assert html.count("<script") == html.count("</script>")  # only plotly's own tags
    graph_html = (tmp_path / "flowgraph.html").read_text()
    assert "&lt;\\u002fscript&gt;&lt;script&gt;alert(1)" in graph_html  # imported label, hover text
    svg = (tmp_path / "flowgraph.svg").read_text()
    # The browser serialises the literal "<" of the label text as a numeric entity: shown as text, not markup.
    assert "&#60;b&#62;OKX" in svg or "&lt;b&gt;OKX" in svg
    shown = "".join(svg_text(svg).split())  # the long label is wrapped over key lines
    assert "exchange:<b>OKX</b></script><script>alert(1)</script>" in shown  # shown as text, not markup
    assert "<script" not in svg and "font-weight: bold" not in svg.split("exchange:")[1][:400]


def test_missing_chromium_still_writes_html_and_says_how(doc: dict[str, Any], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    result = render_case(doc, tmp_path / "out")
    assert not result.static
    assert result.note is not None and "apt-get install -y chromium" in result.note
    assert result.messages == [result.note]
    assert "\n" not in result.note
    files = set(result.files)
    assert {f"{n}.html" for n in FIGURES} <= files
    assert not any(f.endswith((".png", ".svg", ".pdf")) for f in files)
    assert not list((tmp_path / "out").glob("*.png"))
    manifest = json.loads(result.manifest.read_text())
    assert manifest["static_images"] is False and manifest["note"] == result.note


def test_invalid_export_is_refused(doc: dict[str, Any], tmp_path: Path) -> None:
    from tracer.schemas import ExportInvalid

    doc["transfers"][3]["amount"] = "-5"
    with pytest.raises(ExportInvalid, match="transfers/3/amount"):
        render_case(doc, tmp_path, static=False)
    assert not (tmp_path / "manifest.json").exists()
