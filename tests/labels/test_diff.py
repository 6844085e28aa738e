"""Sanctions list diffs on the two real OFAC entity snapshots: the March 2025 Tornado Cash delisting."""

from __future__ import annotations

from db.labels import LabelStore
from tests.labels.helpers import OFAC_NEW, OFAC_OLD, need_data
from tracer.labels.diff import diff_labels
from tracer.labels.importer import import_file, parse_file
from tracer.model import Chain


def test_file_diff_shows_the_tornado_cash_delisting() -> None:
    need_data()
    old, new = parse_file(OFAC_OLD)[0], parse_file(OFAC_NEW)[0]
    diff = diff_labels(old.labels, new.labels)
    assert diff.removed_by_entity()["TORNADO CASH"] == 90
    tornado = [entry for entry in diff.removed if "TORNADO CASH" in entry.entities]
    assert len(tornado) == 90 and {entry.chain for entry in tornado} == {Chain.ETHEREUM}
    assert all(entry.programs == ("CYBER2, DPRK3",) or "CYBER2" in entry.programs[0] for entry in tornado)
    router = "0xd90e2f925da726b50c4ed8d0fb90ad053324f31b"
    assert router in {entry.address for entry in tornado}
    assert not any("TORNADO CASH" in entry.entities for entry in diff.added)
    assert len(diff.added) == 335 and len(diff.removed) == 95 and diff.unchanged == 568
    assert diff.added_by_entity()["CHEIL CREDIT BANK"] == 53


def test_stored_versions_diff_like_files(store: LabelStore) -> None:
    need_data()
    first = import_file(store, OFAC_OLD).sets[0].info
    second = import_file(store, OFAC_NEW).sets[0].info
    assert first.source == second.source == "sanctioned-addresses"
    assert [info.version for info in store.versions_of("sanctioned-addresses")] == [first.version, second.version]
    diff = diff_labels(store.labels_of_set(first.source, first.version),
                       store.labels_of_set(second.source, second.version))
    assert diff.removed_by_entity()["TORNADO CASH"] == 90
    assert diff.as_dict()["removed_count"] == 95
