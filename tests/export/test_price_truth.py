"""One USD truth: a documented precedence of price sources, one source recorded per case, and the same incident
valued the same through the demo and through ``tracer sandbox serve`` + the ordinary commands."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from db.prices import API_SOURCE, BUNDLED_SOURCE, PriceTable
from db.store import Store
from tests.demo_world import DEMO_CASE, clean_env, database_url, run_demo
from tracer.export import build_export
from tracer.model import PricePoint


def _points(source: str, usd: str) -> list[PricePoint]:
    return [PricePoint("ETH", "2025-02-21", Decimal(usd), source), PricePoint("BTC", "2025-02-21", Decimal(usd), source)]


def test_precedence_analyst_then_api_then_bundled(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}")
    table = PriceTable(store)
    table.add_points(_points(BUNDLED_SOURCE, "2642.87"))
    assert table.point_on("ETH", "2025-02-21").source == BUNDLED_SOURCE  # type: ignore[union-attr]
    table.add_points(_points(API_SOURCE, "2582.96"))
    assert table.price_on("ETH", "2025-02-21") == Decimal("2582.96")
    table.add_points([PricePoint("ETH", "2025-02-20", Decimal("2700"), "yahoo:analyst")])
    assert table.point_on("ETH", "2025-02-21").source == "yahoo:analyst"  # type: ignore[union-attr]
    # an analyst table that lacks BTC does not value a case that needs both: the API source covers both
    chosen = table.choose_source(["ETH", "BTC"], "2025-02-21")
    assert chosen is not None and chosen.source == API_SOURCE and chosen.version.startswith("2:")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out, json.loads((out / "export.json").read_text(encoding="utf-8"))


def test_a_case_keeps_its_source_after_new_imports(demo: tuple[Path, dict[str, Any]]) -> None:
    out, export = demo
    source = export["meta"]["price_source"]
    assert source["source"] == API_SOURCE and source["version"] and "bundled" in source["precedence"]
    store = Store.open(database_url(out))
    PriceTable(store).add_points([PricePoint("ETH", "2025-02-21", Decimal("1"), "zz:later-import")])
    again = build_export(store, DEMO_CASE)
    assert again["summary"]["stolen"] == export["summary"]["stolen"]  # same incident, same USD
    assert again["meta"]["price_source"] == source


def test_demo_and_sandbox_serve_give_the_same_usd(demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    _, export = demo
    serve = subprocess.Popen([sys.executable, "-m", "tracer", "sandbox", "serve", "--labels",
                              str(tmp_path / "labels.csv")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=clean_env())
    try:
        assert serve.stdout is not None
        env = clean_env(TRACER_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", TRACER_ETHERSCAN_RATE="500",
                        TRACER_ESPLORA_RATE="500", TRACER_TRONGRID_RATE="500", TRACER_MIDGARD_RATE="500")
        prices = ""
        for line in serve.stdout:
            if line.startswith("export "):
                name, _, url = line[len("export "):].strip().partition("=")
                env[name] = url
            if line.startswith("# prices:"):
                prices = line.split()[2]
            if line.startswith("# control:"):
                break
        seed = export["seeds"][0]["address"]  # the same generated world (seed 7): the same exploiter

        def tracer(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=env,
                                  timeout=600, check=False)

        for step in (("labels", "import", str(tmp_path / "labels.csv"), "--source", "sandbox"),
                     ("prices", "import", prices),
                     ("trace", f"ethereum:{seed}", "--case", "served", "--match-instant", "--json"),
                     ("export", "served", "-o", str(tmp_path / "served.json"))):
            done = tracer(*step)
            assert done.returncode == 0, (step, done.stderr)
        shown = json.loads(tracer("prices", "show", "ETH", "2025-02-21", "--json").stdout)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    served = json.loads((tmp_path / "served.json").read_text(encoding="utf-8"))
    assert shown["source"] == API_SOURCE
    assert served["summary"]["stolen"] == export["summary"]["stolen"]  # before: $9,514,348.24 vs $9,298,660.32
    assert served["meta"]["price_source"]["source"] == export["meta"]["price_source"]["source"]
    assert served["meta"]["price_source"]["version"] == export["meta"]["price_source"]["version"]
