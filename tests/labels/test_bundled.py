"""The bundled default label set: content, attribution, version, and install into a store."""

from __future__ import annotations

from collections import Counter

from db.labels import LabelStore
from tracer.labels.bundled import bundled_path, bundled_version, case_hints, data_dir, install_bundled, manifest
from tracer.labels.importer import parse_file
from tracer.labels.index import load_index
from tracer.model import Category, Chain

SOURCES = ("ofac-sdn@", "ofac-0xb10c@", "graphsense-tagpacks/", "etherscan-labels(brianleect)@", "eth-labels(dawsbot)@",
           "forta-labelled-datasets@", "tornado-cli-relayer-registry@", "curated")


def test_bundled_file_matches_its_manifest_and_is_attributed() -> None:
    parsed, _ = parse_file(bundled_path())
    info = manifest()
    assert len(parsed.labels) == info["labels"] and bundled_version() == info["version"]
    assert dict(Counter(label.category.value for label in parsed.labels)) == info["by_category"]
    notice = (data_dir() / "NOTICE.labels").read_text()
    for repo in ("thomasgregg/crypto-sanctions-list", "0xB10C/ofac-sanctioned-digital-currency-addresses",
                 "graphsense/graphsense-tagpacks", "Iknaio Cryptoasset Analytics GmbH", "brianleect/etherscan-labels",
                 "dawsbot/eth-labels", "forta-network/labelled-datasets", "tornadosto/tornado-cli", "MIT License",
                 "ISC License"):
        assert repo in notice
    for label in parsed.labels:
        assert label.source.startswith(SOURCES), label.source  # no unlicensed (tutela/tayvano) tables
        assert 0.0 < label.confidence <= 1.0


def test_bundled_set_covers_the_required_groups() -> None:
    labels = parse_file(bundled_path())[0].labels
    by_address: dict[tuple[Chain, str], list[str]] = {}
    for label in labels:
        by_address.setdefault((label.chain, label.address), []).append(f"{label.category.value}|{label.entity}")
    # THORChain ETH router (curated), Tornado Cash router (mixer + delisted sanction), Sinbad, Blender, Wasabi fees.
    assert "bridge|THORChain" in by_address[(Chain.ETHEREUM, "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146")]
    tornado = by_address[(Chain.ETHEREUM, "0xd90e2f925da726b50c4ed8d0fb90ad053324f31b")]
    assert "mixer|tornado" in tornado and "sanctioned|TORNADO CASH" in tornado
    assert "sanctioned|SINBAD" in by_address[(Chain.BITCOIN, "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF")]
    assert sum(1 for label in labels if label.entity == "blenderio" and label.category is Category.MIXER) == 45
    assert sum(1 for label in labels if label.category is Category.COINJOIN) == 2  # Wasabi coordinator fee addresses
    assert sum(1 for label in labels if label.entity == "Tornado Cash relayer") == 120  # 123 registrations, 120 distinct
    assert sum(1 for label in labels if label.entity == "LAZARUS GROUP" and label.program == "DPRK3") == 8
    assert sum(1 for label in labels if label.category is Category.BRIDGE) > 500
    assert sum(1 for label in labels if label.category is Category.EXCHANGE) > 2000
    ronin = [label for label in labels if label.label.lower().startswith("ronin bridge exploiter")]
    assert len({label.address for label in ronin}) == 9  # exploiters 1-9
    assert {label.category for label in ronin} == {Category.HACKER}  # heist + OFAC tags: the hacker is followed
    delisted = [label for label in labels if label.valid_to is not None]
    assert len(delisted) == 90 and {label.valid_to.date().isoformat() for label in delisted if label.valid_to} == \
        {"2025-03-21"}


def test_case_hints_repair_base58_and_install_is_idempotent(store: LabelStore) -> None:
    hints = case_hints()
    assert hints["1jhdqhkbziim1cb4hyuh2pbzebbg6z2trf"] == "1JHdQHkBZiim1cb4hyUh2PbzEbbg6z2TrF"
    first = install_bundled(store)
    assert first.created and first.imported == manifest()["labels"]
    assert {s.info.version for s in first.sets} == {bundled_version()}
    again = install_bundled(store)
    assert not again.created and store.count() == first.imported
    versions = store.active_versions()
    assert versions["curated"] == bundled_version() and len(versions) == len(first.sets)
    index = load_index(store)
    found = index.labels_of(Chain.ETHEREUM, "0x47666fab8bd0ac7003bce3f5c3585383f09486e2")
    assert [(label.category, label.entity) for label in found] == [(Category.HACKER, "Lazarus Group (DPRK)")]
