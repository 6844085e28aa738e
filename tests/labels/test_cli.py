"""``tracer labels ...`` through typer's CliRunner on a real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.labels.helpers import DATA, OFAC_NEW, OFAC_OLD, need_data
from tracer.cli.app import app
from tracer.cli.common import STATE

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TRACER_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("TRACER_CONFIG", str(tmp_path / "none.toml"))
    STATE.settings = None  # settings are cached per process: reload with this database
    yield db
    STATE.settings = None


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_import_sets_show_search_json(cli_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("chain,address,label,category,source,confidence,entity,program\n"
                    "ethereum,0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146,THORChain router,bridge,mine,0.5,THORChain,\n")
    code, out = invoke("labels", "import", str(path), "--version", "v1", "--json")
    assert code == 0, out
    summary = json.loads(out)[0]
    assert summary["sets"] == [{"source": "mine", "version": "v1", "count": 1, "created": True}]
    code, out = invoke("labels", "import", str(path), "--version", "v1")
    assert code == 0 and "already present 1 labels as mine version v1" in out
    code, out = invoke("labels", "sets", "--json")
    assert [(s["source"], s["version"], s["count"], s["active"]) for s in json.loads(out)] == [("mine", "v1", 1, True)]
    code, out = invoke("labels", "show", "ethereum:0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["labels"][0]["entity"] == "THORChain" and shown["labels"][0]["version"] == "v1"
    code, out = invoke("labels", "search", "thorchain")
    assert code == 0 and "THORChain router" in out and "source=mine@v1" in out
    code, out = invoke("labels", "deactivate", "mine")
    assert code == 0 and "deactivated 1 set(s)" in out
    assert json.loads(invoke("labels", "search", "thorchain", "--json")[1]) == []


def test_malformed_file_is_one_error_line_exit_1(cli_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("chain,address,label,category,source,confidence\nethereum,0x12,x,exchange,s,0.5\n")
    code, out = invoke("labels", "import", str(path))
    assert code == 1
    assert f"{path}:2 field 'address'" in out.replace("\n", "")
    assert json.loads(invoke("labels", "sets", "--json")[1]) == []


def test_diff_files_and_stored_versions(cli_db: Path) -> None:
    need_data()
    code, out = invoke("labels", "diff", str(OFAC_OLD), str(OFAC_NEW), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["removed_by_entity"]["TORNADO CASH"] == 90 and data["removed_count"] == 95
    assert invoke("labels", "import", str(OFAC_OLD), str(OFAC_NEW))[0] == 0
    versions = [s["version"] for s in json.loads(invoke("labels", "sets", "--json")[1])]
    code, out = invoke("labels", "diff", "--source", "sanctioned-addresses", *versions, "--limit", "0")
    assert code == 0 and "added 335, removed 95, unchanged 568" in out
    assert "- ethereum:0xd90e2f925da726b50c4ed8d0fb90ad053324f31b  TORNADO CASH  [CYBER2, DPRK3]" in out
    code, out = invoke("labels", "diff", "--source", "sanctioned-addresses", "nope", versions[1])
    assert code == 1 and "stored versions:" in out


def test_install_bundled_then_lookup(cli_db: Path) -> None:
    code, out = invoke("labels", "install-bundled", "--json")
    assert code == 0, out
    assert json.loads(out)["imported"] > 5000
    code, out = invoke("labels", "show", "ethereum:0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146")
    assert code == 0 and "THORChain ETH router" in out and "source=curated@" in out
    code, out = invoke("labels", "show", "ethereum:0xd90e2f925DA726b50C4Ed8D0Fb90Ad053324F31b")
    assert code == 0 and "TORNADO CASH" in out and "valid_to=2025-03-21" in out and "mixer" in out
    code, out = invoke("labels", "show", "bitcoin:0xnonsense")
    assert code == 1 and "invalid bitcoin address '0xnonsense'" in out
    code, out = invoke("labels", "show", "bitcoin:1jhdqhkbziim1cb4hyuh2pbzebbg6z2trf")  # case-folded form
    assert code == 0 and "SINBAD" in out


def test_skip_invalid_imports_a_defective_real_file_and_counts(cli_db: Path) -> None:
    need_data()
    path = DATA / "labels/dawsbot_eth_labels/mainnet_phish-hack_all.csv"
    code, out = invoke("labels", "import", str(path))
    assert code == 1 and f"{path}:1009 field 'address'" in out.replace("\n", "") and "1.4390191554254E+48" in out
    code, out = invoke("labels", "import", str(path), "--skip-invalid", "--json")
    summary = json.loads(out)[0]
    assert code == 0 and summary["imported"] == 5588 and summary["skipped"] == {"invalid ethereum address": 6}
    assert summary["sets"][0]["source"] == "mainnet_phish-hack_all"
