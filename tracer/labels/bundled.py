"""The default label set shipped with tracer (built by scripts/build_label_set.py; sources in NOTICE.labels)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from db.labels import LabelStore
from tracer.errors import LabelImportError
from tracer.labels.importer import ImportSummary, import_file, parse_file
from tracer.model import Chain

_PACKAGE = "tracer.data.labels"


def data_dir() -> Path:
    """Folder of the bundled label files."""
    return Path(str(resources.files(_PACKAGE)))


def bundled_path() -> Path:
    """The gzip CSV of the bundled set."""
    return data_dir() / "default_labels.csv.gz"


def manifest() -> dict[str, Any]:
    """``manifest.json``: name, version, counts per source and category."""
    data: dict[str, Any] = json.loads((data_dir() / "manifest.json").read_text(encoding="utf-8"))
    return data


def bundled_version() -> str:
    """Version of the bundled set (recorded by cases as the label version used)."""
    return str(manifest()["version"])


def install_bundled(store: LabelStore) -> ImportSummary:
    """Import the bundled set (one label set per source, all with the bundle version); idempotent.

    May raise: LabelImportError, StoreError.
    """
    return import_file(store, bundled_path(), version=bundled_version())


def bundled_sources() -> frozenset[str]:
    """Names of the label sets the bundled file creates (one per source)."""
    return frozenset(manifest()["by_source"])


def ensure_bundled(store: LabelStore) -> ImportSummary | None:
    """Install the bundled set into a store that has never held it, so a fresh database traces with labels.

    A store that holds any bundled set, active or not, is left alone: ``tracer labels deactivate`` sticks.
    Returns the import summary, or None when nothing was done.
    May raise: LabelImportError, StoreError.
    """
    sources = bundled_sources()
    if any(info.source in sources for info in store.sets()):
        return None
    return install_bundled(store)


@lru_cache(maxsize=1)
def case_hints() -> MappingProxyType[str, str]:
    """lower-cased -> case-preserved Bitcoin/TRON addresses of the bundled set.

    Used to repair lower-cased base58 keys (OFAC entity files) on import.
    """
    try:
        parsed, _ = parse_file(bundled_path())
    except (OSError, LabelImportError):  # no usable bundled set: import without hints
        return MappingProxyType({})
    return MappingProxyType({
        label.address.lower(): label.address for label in parsed.labels
        if label.chain in (Chain.BITCOIN, Chain.TRON) and not label.address.islower()
    })
