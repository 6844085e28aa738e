"""Every file of the shared label folders is imported into a real SQLite store, or rejected precisely."""

from __future__ import annotations

import pytest

from db.labels import LabelStore
from tests.labels.helpers import DATA, need_data
from tracer.errors import LabelImportError
from tracer.labels.bundled import case_hints
from tracer.labels.importer import import_file

FOLDERS = ("labels/graphsense_tagpacks", "labels/brianleect_etherscan_labels", "labels/dawsbot_eth_labels",
           "labels/forta_labelled_datasets", "labels/tutela", "ofac_0xB10C", "ofac_entities")

# Not label files: the message says why.
NOT_LABELS = {
    "labels/graphsense_tagpacks/graphsense.actorpack.yaml": "actor pack defines actors",
    "labels/forta_labelled_datasets/README.md": "not a label file: md document",
    "ofac_0xB10C/README.md": "not a label file: md document",
}
# Real defects in third-party files: strict import names file:line and field and stores nothing;
# --skip-invalid imports the rest and counts them.
DEFECTS = {
    "labels/brianleect_etherscan_labels/arbiscan_combinedAccountLabels.json": ("'address'", 1),
    "labels/brianleect_etherscan_labels/avalanche_combinedAccountLabels.json": ("'address'", 1),
    "labels/brianleect_etherscan_labels/bscscan_combinedAccountLabels.json": (":1 field 'address'", 2),
    "labels/brianleect_etherscan_labels/optimism_combinedAccountLabels.json": ("'address'", 2),
    "labels/brianleect_etherscan_labels/polygonscan_combinedAccountLabels.json": ("'address'", 2),
    "labels/dawsbot_eth_labels/mainnet_phish-hack_all.csv": (":1009 field 'address'", 6),
    "labels/forta_labelled_datasets/chain1_etherscan_malicious_labels.csv": (":1825 field 'banned_address'", 2),
    "labels/forta_labelled_datasets/chain1_phishing_scams.csv": (":4253 field 'address'", 2),
    "labels/graphsense_tagpacks/exchange-wallets-bitfinexcom.yaml": (":247 field 'address'", 1),
    "labels/graphsense_tagpacks/exchange-wallets-kucoin.yaml": (":53 field 'address'", 2),
    "labels/tutela/known_addresses.csv": (":5258 field 'address'", 1),
}


def files() -> list[str]:
    if not DATA.is_dir():
        return []
    return sorted(str(p.relative_to(DATA)) for folder in FOLDERS for p in (DATA / folder).iterdir() if p.is_file())


def test_the_folders_hold_the_expected_files() -> None:
    need_data()
    assert len(files()) == 31 + 8 + 12 + 5 + 6 + 18 + 2  # 30 packs + actor pack, ..., 17 lists + README


@pytest.mark.parametrize("rel", files())
def test_import_or_precise_rejection(rel: str, module_store: LabelStore) -> None:
    path = DATA / rel
    before = module_store.count()
    if rel in NOT_LABELS:
        with pytest.raises(LabelImportError, match=NOT_LABELS[rel]) as info:
            import_file(module_store, path)
        assert str(path) in str(info.value)
        assert module_store.count() == before
        return
    if rel in DEFECTS:
        where, invalid = DEFECTS[rel]
        with pytest.raises(LabelImportError) as info:
            import_file(module_store, path, case_hints=case_hints())
        assert f"{path}" in str(info.value) and where in str(info.value)
        assert module_store.count() == before  # atomic: nothing from the file
        summary = import_file(module_store, path, lenient=True, case_hints=case_hints())
        assert sum(v for k, v in summary.skipped.items() if k.startswith("invalid")) == invalid
    else:
        summary = import_file(module_store, path, case_hints=case_hints())
    assert summary.created
    assert module_store.count() - before == summary.imported
    # Re-importing the same file is idempotent: same version, nothing new.
    again = import_file(module_store, path, lenient=rel in DEFECTS, case_hints=case_hints())
    assert not again.created and again.imported == 0
    assert module_store.count() - before == summary.imported


def test_expected_counts_of_known_files(module_store: LabelStore) -> None:
    need_data()
    by_source = {info.source: info.count for info in module_store.sets()}
    if len(by_source) < 10:
        pytest.skip("runs after the parametrised imports of this module")
    assert by_source["samourai"] == 36548
    assert by_source["etherscan_combinedAccountLabels"] == 23288
    assert by_source["lazarus"] == 21


