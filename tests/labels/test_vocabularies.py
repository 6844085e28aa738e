"""Every label vocabulary is read; unknown words are listed; built-in protocol labels are never downgraded;
the bundled set is active in a fresh store (issue 13 item 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db.labels import LabelStore
from db.session import open_database
from db.store import Store
from tracer.cli.app import app
from tracer.cli.common import STATE
from tracer.cli.wiring import build
from tracer.config import Settings
from tracer.engine.classify import classify
from tracer.labels.bundled import bundled_sources, ensure_bundled
from tracer.labels.importer import import_file
from tracer.labels.index import LabelIndex
from tracer.labels.normalise import category_of, parse_category, refine
from tracer.labels.registry import protocol_labels
from tracer.labels.taxonomy import DWVA_CONCEPTS
from tracer.model import Category, Chain, EndpointStatus

THOR_ROUTER = "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"
TORNADO_100 = "0xa160cdab225685da1d56aa342ad8841c3b53f291"
# Every concept id of graphsense-tagpack-tool src/tagpack/db/concepts.yaml 0.1.0 (INTERPOL DW-VA derived).
CONCEPT_IDS = (
    "concept behaviour source mention forum_mention website_mention abuse gray_usage mixing white_usage sexual_abuse "
    "child_sexual_abuse violence torture scam financial_crime investment_fraud ponzi_scheme pyramid_scheme "
    "money_laundering extortion sextortion phishing service_hack payment_card_fraud ransomware sanction extremism "
    "terrorism dark_web entity organization user service victim perpetrator donation exchange wallet_service "
    "escrow_wallet ico_wallet cold_wallet hot_wallet warm_wallet filesharing index market messaging_service "
    "mixing_service coinjoin miner mining_service gambling search_engine shop faucet payment_processor atm hosting "
    "vpn defi defi_lending defi_dex defi_derivative defi_bridge item collectible"
).split()


def test_every_dwva_concept_is_mapped_and_the_protocol_ones_stop_where_they_should() -> None:
    assert set(CONCEPT_IDS) <= set(DWVA_CONCEPTS)
    assert category_of(["defi_bridge"]) is Category.BRIDGE  # was "other": the router became a wallet
    assert category_of(["defi_dex"]) is Category.DEX and category_of(["mixing_service"]) is Category.MIXER
    assert category_of(["coinjoin"]) is Category.COINJOIN and category_of(["atm"]) is Category.EXCHANGE
    assert category_of(["exchange"], "money_laundering") is Category.EXCHANGE


@pytest.mark.parametrize(("word", "category"), [
    ("Centralized Exchange", Category.EXCHANGE), ("CEX", Category.EXCHANGE), ("Cross-chain bridge", Category.BRIDGE),
    ("Tumbler", Category.MIXER), ("Mixing Service", Category.MIXER), ("tornado-cash", Category.MIXER),
    ("Instant Swap", Category.INSTANT_EXCHANGE), ("No-KYC exchange", Category.INSTANT_EXCHANGE),
    ("OTC desk", Category.OTC), ("Decentralized Exchange", Category.DEX), ("Exchange Deposit Address", Category.DEPOSIT),
    ("phish-hack", Category.SCAM), ("Casino", Category.GAMBLING),
])
def test_csv_and_etherscan_wording(word: str, category: Category) -> None:
    assert parse_category(word) is category


def test_instant_exchanges_are_recognised_from_category_text_and_known_services() -> None:
    assert category_of(["instant_exchange"]) is Category.INSTANT_EXCHANGE
    assert category_of(["exchange"], "Swapper 7 (instant exchange)") is Category.INSTANT_EXCHANGE
    for name in ("eXch: Hot Wallet", "FixedFloat 2", "SideShift.ai", "ChangeNOW: Deposit", "Changelly"):
        assert category_of(["exchange"], name) is Category.INSTANT_EXCHANGE, name
    assert category_of(["exchange"], "Exchange X: Hot Wallet") is Category.EXCHANGE  # "exch" is a word, not a prefix
    assert refine(Category.EXCHANGE, "eXch: instant exchange") is Category.INSTANT_EXCHANGE
    assert refine(Category.OTHER, "Some Service: mixer pool") is Category.MIXER  # labelled only by its text
    assert refine(Category.SERVICE, "Tornado Cash relayer x.eth") is Category.SERVICE  # a relayer is not a pool
    assert refine(Category.EXCHANGE, "Exchange X: Hot Wallet") is Category.EXCHANGE


def test_an_import_lists_the_categories_it_did_not_recognise(tmp_path: Path, store: LabelStore) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "title: test\ncreator: t\ncurrency: ETH\nlastmod: 2025-01-01\nconfidence: forensic\ntags:\n"
        f"  - address: '{THOR_ROUTER}'\n    label: THORChain Router\n    category: defi_bridge\n"
        "  - address: '0x1111111111111111111111111111111111111111'\n    label: foo\n    category: space_agency\n"
        "  - address: '0x2222222222222222222222222222222222222222'\n    label: bar\n    category: space_agency\n"
        "  - address: '0x3333333333333333333333333333333333333333'\n    label: baz\n    category: moon_base\n")
    summary = import_file(store, pack)
    assert summary.unrecognised == {"space_agency": 2, "moon_base": 1}
    listed = summary.as_dict()["unrecognised_categories"]
    assert listed == {"count": 3, "words": 2, "examples": ["space_agency", "moon_base"]}
    assert store.find(Chain.ETHEREUM, THOR_ROUTER)[0].category is Category.BRIDGE


def test_a_registry_protocol_is_never_downgraded_by_an_imported_label(tmp_path: Path, store: LabelStore) -> None:
    csv = tmp_path / "pack.csv"
    csv.write_text("chain,address,label,category,source,confidence\n"
                   f"ethereum,{THOR_ROUTER},Some Router,other,pack,1.0\n"
                   f"ethereum,{TORNADO_100},Big Pool,wallet,pack,1.0\n")
    import_file(store, csv)
    index = LabelIndex(store.active_labels())
    index.add_all(protocol_labels())
    router = index.labels_of(Chain.ETHEREUM, THOR_ROUTER)
    assert router[0].category is Category.BRIDGE and router[0].source.startswith("registry:")
    assert index.labels_of(Chain.ETHEREUM, TORNADO_100)[0].category is Category.MIXER
    terminal = classify(index, Chain.ETHEREUM, THOR_ROUTER)
    assert terminal is not None and terminal.status is EndpointStatus.BRIDGED


def test_a_fresh_store_gets_the_bundled_set_once_and_deactivation_sticks(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    store = LabelStore(engine)
    first = ensure_bundled(store)
    assert first is not None and first.imported > 5000
    assert ensure_bundled(store) is None
    for source in bundled_sources():
        store.set_active(source, None, False)
    assert ensure_bundled(store) is None and store.active_labels() == []
    engine.dispose()


def test_a_trace_wiring_on_a_new_database_uses_the_bundled_labels(tmp_path: Path) -> None:
    settings = Settings.load({"TRACER_DATABASE_URL": f"sqlite:///{tmp_path / 'case.db'}"},
                             config_path=tmp_path / "none.toml")
    store = Store.open(settings.database_url)
    wiring = build(settings, store, (Chain.ETHEREUM,))
    assert classify(wiring.labels, Chain.ETHEREUM, TORNADO_100) is not None
    assert set(wiring.label_versions) >= bundled_sources()
    off = build(settings, store, (Chain.ETHEREUM,), bundled_labels=False)
    assert not set(off.label_versions) & bundled_sources()
    assert all(not lab.source.startswith("graphsense") for lab in off.labels.labels_of(Chain.ETHEREUM, TORNADO_100))


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("TRACER_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("TRACER_CONFIG", str(tmp_path / "none.toml"))
    STATE.settings = None
    yield db
    STATE.settings = None


def test_labels_show_says_which_label_decided_and_why(cli_db: Path, tmp_path: Path) -> None:
    csv = tmp_path / "pack.csv"
    csv.write_text(f"chain,address,label,category,source,confidence\nethereum,{THOR_ROUTER},Some Router,other,pack,1.0\n")
    runner = CliRunner()
    assert runner.invoke(app, ["labels", "import", str(csv)]).exit_code == 0
    result = runner.invoke(app, ["labels", "show", f"ethereum:{THOR_ROUTER}"])
    assert result.exit_code == 0
    assert "decided by: bridge 'THORChain Router v4.1'" in result.output
    assert "built-in protocol registry entry" in result.output and "precedence over other" in result.output
    shown = json.loads(runner.invoke(app, ["labels", "show", f"ethereum:{THOR_ROUTER}", "--json"]).output)
    assert shown["decision"]["stops"] is True and shown["decision"]["label"]["category"] == "bridge"
