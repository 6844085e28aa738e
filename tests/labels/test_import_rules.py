"""Import rules on small real-shaped files: atomicity, precise errors, versions, normalisation, raw text."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.labels import LabelStore
from tests.labels.helpers import DATA, OFAC_NEW, need_data
from tracer.errors import LabelImportError
from tracer.labels.importer import import_file, parse_file
from tracer.labels.normalise import CONFIDENCE_NAMES, category_of, chain_of_currency, confidence_value
from tracer.model import Category, Chain

HEADER = "chain,address,label,category,source,confidence,entity,program\n"
GOOD = "ethereum,0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146,THORChain router,bridge,mine,0.5,THORChain,\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_csv_names_file_line_field_and_stores_nothing(tmp_path: Path, store: LabelStore) -> None:
    bad = write(tmp_path, "mine.csv", HEADER + GOOD + "bitcoin,1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa,x,exchange,mine,high,,\n")
    with pytest.raises(LabelImportError) as info:
        import_file(store, bad)
    assert str(info.value) == (f"{bad}:3 field 'confidence': expected 0..1 or a TagPack confidence name, "
                               "got 'high'")
    assert store.count() == 0 and store.sets() == []


def test_bad_address_and_unknown_category_are_located(tmp_path: Path, store: LabelStore) -> None:
    bad = write(tmp_path, "a.csv", HEADER + "ethereum,0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7147,x,bridge,s,0.5,,\n")
    with pytest.raises(LabelImportError, match=r"a\.csv:2 field 'address': .*EIP-55 checksum mismatch"):
        import_file(store, bad)
    bad = write(tmp_path, "b.csv", HEADER + "ethereum,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,x,casinoz,s,0.5,,\n")
    with pytest.raises(LabelImportError, match=r"b\.csv:2 field 'category': unknown category 'casinoz'"):
        import_file(store, bad)
    assert store.count() == 0


def test_prices_csv_is_not_a_label_file(store: LabelStore) -> None:
    need_data()
    prices = DATA / "prices" / "close_usd_daily_2022-01-01_2025-12-31.csv"
    with pytest.raises(LabelImportError) as info:
        import_file(store, prices)
    assert str(info.value).startswith(f"{prices}:1: not a label file: no address column in header (date, asset")


def test_html_and_js_label_text_is_stored_raw(tmp_path: Path, store: LabelStore) -> None:
    text = '<script>alert("x")</script> [bold]Evil[/bold] <img src=x onerror=1>'
    path = write(tmp_path, "h.csv", HEADER + f'ethereum,0x{"ab" * 20},"{text.replace(chr(34), chr(34) * 2)}",scam,s,0.2,,\n')
    import_file(store, path)
    assert [label.label for label in store.find(Chain.ETHEREUM, "0x" + "ab" * 20)] == [text]


def test_version_is_given_or_file_date_plus_sha_and_reimport_is_idempotent(tmp_path: Path, store: LabelStore) -> None:
    need_data()
    first = import_file(store, OFAC_NEW)
    assert first.sets[0].info.version.startswith("2026-08-20+") and first.created
    again = import_file(store, OFAC_NEW)
    assert not again.created and store.count() == first.imported
    named = import_file(store, write(tmp_path, "c.csv", HEADER + GOOD), version="v1", source="curated-test")
    assert [(s.info.source, s.info.version) for s in named.sets] == [("curated-test", "v1")]
    assert store.active_versions()["curated-test"] == "v1"


def test_own_csv_rows_keep_their_source_as_separate_sets(tmp_path: Path, store: LabelStore) -> None:
    second = "tron,TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL,x,exchange,other-source,service_data,,\n"
    summary = import_file(store, write(tmp_path, "m.csv", HEADER + GOOD + second), version="1")
    assert sorted(s.info.source for s in summary.sets) == ["mine", "other-source"]
    assert store.find(Chain.TRON, "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL")[0].confidence == 0.5


def test_ofac_summary_counts_unmodelled_assets_and_keeps_entity_and_program() -> None:
    need_data()
    parsed, _ = parse_file(OFAC_NEW)
    assert parsed.skipped["unmodelled asset XMR"] == 11 and parsed.skipped["unmodelled asset LTC"] == 13
    assert parsed.file_date == "2026-08-20"
    lazarus = [label for label in parsed.labels if label.entity == "LAZARUS GROUP"]
    assert len(lazarus) == 8 and {label.chain for label in lazarus} == {Chain.ETHEREUM}
    assert all(label.program == "DPRK3" and label.category is Category.SANCTIONED and label.confidence == 0.6
               for label in lazarus)


def test_lower_cased_ofac_keys_are_repaired_from_case_preserved_lists() -> None:
    need_data()
    hints = {label.address.lower(): label.address for asset in ("TRX", "XBT")
             for label in parse_file(DATA / f"ofac_0xB10C/sanctioned_addresses_{asset}.json")[0].labels}
    plain, _ = parse_file(OFAC_NEW)
    repaired, _ = parse_file(OFAC_NEW, case_hints=hints)
    assert repaired.case_unknown < plain.case_unknown
    stored = {label.address for label in repaired.labels}
    assert {a for a in hints.values() if a.startswith("T")} <= stored
    # The TRON address OFAC files under XBT is stored as TRON.
    assert [label.chain for label in repaired.labels if label.address == "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"] == \
        [Chain.TRON]


def test_tagpack_confidence_names_and_currency_mapping() -> None:
    need_data()
    assert CONFIDENCE_NAMES["authority_data"] == 0.6 and CONFIDENCE_NAMES["ledger_immanent"] == 1.0
    assert confidence_value("forensic") == 0.5 and confidence_value("70") == 0.7 and confidence_value("x") is None
    lazarus, _ = parse_file(DATA / "labels/graphsense_tagpacks/lazarus.yaml")
    assert {label.confidence for label in lazarus.labels} == {0.6}
    assert {label.chain for label in lazarus.labels} == {Chain.BITCOIN, Chain.ETHEREUM}
    assert {label.category for label in lazarus.labels} == {Category.SANCTIONED}
    usdt, _ = parse_file(DATA / "labels/graphsense_tagpacks/usdt_blacklist.yaml")
    assert {label.confidence for label in usdt.labels} == {1.0}
    assert chain_of_currency("USDT", "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL") is Chain.TRON
    assert chain_of_currency("USDC", "0x" + "00" * 20) is Chain.ETHEREUM
    assert chain_of_currency("USDT", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") is None  # Omni: not modelled
    assert chain_of_currency("LTC", "ltc1q") is None


def test_category_normalisation() -> None:
    assert category_of(["mixing_service"]) is Category.MIXER
    assert category_of(["user", "sanction"]) is Category.SANCTIONED
    assert category_of(["exchange"], "FixedFloat: Hot Wallet") is Category.INSTANT_EXCHANGE
    assert category_of(["binance"]) is Category.EXCHANGE
    assert category_of(["phish-hack"], "Ronin Bridge Exploiter 1") is Category.HACKER
    assert category_of(["something-new"]) is Category.OTHER
    assert category_of(["heist", "ofac-sanctions-lists"]) is Category.HACKER  # followed, not a stop
    assert category_of(["tornado-cash", "ofac-sanctions-lists"]) is Category.MIXER


def test_search_is_case_insensitive_and_treats_wildcards_literally(tmp_path: Path, store: LabelStore) -> None:
    rows = (f"ethereum,0x{'01' * 20},Fake_Phishing1,scam,s,0.2,,\n"
            f"ethereum,0x{'02' * 20},FakePhishing2,scam,s,0.2,LAZARUS GROUP,DPRK3\n")
    import_file(store, write(tmp_path, "s.csv", HEADER + rows))
    assert [label.label for label in store.search("e_p")] == ["Fake_Phishing1"]
    assert [label.label for label in store.search("fakep")] == ["FakePhishing2"]
    assert [label.label for label in store.search("lazarus")] == ["FakePhishing2"]
    assert [label.label for label in store.search("dprk3")] == ["FakePhishing2"]
    assert store.search("100%") == []


def test_malformed_ofac_json_and_tagpack_name_the_line(tmp_path: Path, store: LabelStore) -> None:
    ofac = write(tmp_path, "sdn.json", '{"metadata": {"sdnListDate": "08/20/2026"},\n "addresses": {\n'
                 '  "0x098b716b8aaf21512996dc57eb0615e2383e2f96": {"type": "Digital Currency Address - ETH", '
                 '"entries": [{"entity": "LAZARUS GROUP", "program": "DPRK3", "uid": "1"}]},\n'
                 '  "0x12": {"type": "Digital Currency Address - ETH", "entries": [{"entity": "X"}]}\n }}\n')
    with pytest.raises(LabelImportError, match=r"sdn\.json:4 field 'address': invalid ethereum address '0x12'"):
        import_file(store, ofac)
    pack = write(tmp_path, "pack.yaml", "title: t\ncurrency: BTC\nconfidence: forensic\nlabel: x\ntags:\n"
                 "- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb\n")
    with pytest.raises(LabelImportError, match=r"pack\.yaml:7 field 'address': invalid bitcoin address"):
        import_file(store, pack)
    pack = write(tmp_path, "conf.yaml", "title: t\ncurrency: BTC\nconfidence: pretty_sure\ntags:\n"
                 "- address: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n")
    with pytest.raises(LabelImportError, match=r"conf\.yaml:5 field 'confidence': unknown confidence 'pretty_sure'"):
        import_file(store, pack)
    assert store.count() == 0 and store.sets() == []
