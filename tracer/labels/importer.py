"""Import a label file into the store: read, parse, version, store atomically, summarise.

The version of a set is the one given, else the date the file states (TagPack ``lastmod``, OFAC SDN list
date) plus the sha256 prefix, else the sha256 prefix alone -- so re-importing the same file is a no-op.
Our own CSV shape (and the bundled set) carries a ``source`` per row: each distinct source becomes its
own label set, so every label keeps its source.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from db.labels import LabelStore, NewLabelSet, StoredSet
from tracer.errors import LabelImportError
from tracer.labels.parsers import ParsedLabels, ParseHints, parse_labels
from tracer.model import Category, Chain, Label


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: per set name, version, counts; skipped rows per reason."""

    path: str
    format: str
    sha256: str
    sets: tuple[StoredSet, ...]
    imported: int
    skipped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)
    case_unknown: int = 0
    unrecognised: dict[str, int] = field(default_factory=dict)  # category word -> labels carrying it

    @property
    def created(self) -> bool:
        """True when at least one set was new (False: the same version was already imported)."""
        return any(s.created for s in self.sets)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (for ``--json``)."""
        return {
            "path": self.path, "format": self.format, "sha256": self.sha256, "imported": self.imported,
            "already_present": not self.created,
            "sets": [{"source": s.info.source, "version": s.info.version, "count": s.info.count, "created": s.created}
                     for s in self.sets],
            "skipped": dict(self.skipped), "skipped_total": sum(self.skipped.values()), "notes": dict(self.notes),
            "case_unknown": self.case_unknown,
            "unrecognised_categories": {"count": sum(self.unrecognised.values()),
                                        "words": len(self.unrecognised), "examples": self.unrecognised_examples()},
        }

    def unrecognised_examples(self, limit: int = 10) -> list[str]:
        """The most frequent category words no vocabulary knows (the labels carrying them became ``other``
        unless another word of theirs was known)."""
        ranked = sorted(self.unrecognised.items(), key=lambda kv: (-kv[1], kv[0]))
        return [word for word, _ in ranked[:limit]]


def read_text(path: Path) -> tuple[str, str]:
    """(text, sha256 of the raw bytes); ``.gz`` files are decompressed.

    May raise: LabelImportError (not UTF-8), FileNotFoundError.
    """
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8"), digest
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LabelImportError(str(path), line, None, "not a label file: not UTF-8 text") from None


def parse_file(path: Path, *, source: str | None = None, chain: Chain | None = None,
               category: Category | None = None, lenient: bool = False,
               case_hints: Mapping[str, str] | None = None) -> tuple[ParsedLabels, str]:
    """Parse a file without storing it: (parsed labels, sha256).

    May raise: LabelImportError.
    """
    text, digest = read_text(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    hints = ParseHints(source=source or default_source(path), filename=name, chain=chain, category=category,
                       lenient=lenient, case_hints=case_hints or {})
    return parse_labels(text, str(path), hints), digest


def default_source(path: Path) -> str:
    """Set name from the file name: ``sanctioned-addresses_2026-08-22.json`` -> ``sanctioned-addresses``."""
    stem = path.name.split(".", 1)[0]
    base = stem.split("_20", 1)[0] if "_20" in stem else stem
    return base or stem


def import_file(store: LabelStore, path: Path, *, source: str | None = None, version: str | None = None,
                chain: Chain | None = None, category: Category | None = None, lenient: bool = False,
                case_hints: Mapping[str, str] | None = None) -> ImportSummary:
    """Parse and store one file atomically (one transaction for all its sets).

    May raise: LabelImportError (nothing stored), StoreError.
    """
    parsed, digest = parse_file(path, source=source, chain=chain, category=category, lenient=lenient,
                                case_hints=case_hints)
    set_version = version or (f"{parsed.file_date}+{digest[:12]}" if parsed.file_date else digest[:12])
    groups: dict[str, list[Label]] = defaultdict(list)
    for label in parsed.labels:
        # --source renames everything; otherwise our CSV's per-row source names the set.
        groups[source or label.source].append(label)
    if not groups:
        groups[source or default_source(path)] = []
    new_sets = [NewLabelSet(source=name, version=set_version, sha256=digest, labels=labels, path=str(path))
                for name, labels in sorted(groups.items())]
    stored = store.import_sets(new_sets)
    return ImportSummary(
        path=str(path), format=parsed.format, sha256=digest, sets=tuple(stored),
        imported=sum(s.info.count for s in stored if s.created), skipped=dict(parsed.skipped),
        notes=dict(parsed.notes), case_unknown=parsed.case_unknown, unrecognised=dict(parsed.unrecognised),
    )


def summarise_categories(labels: list[Label]) -> dict[str, int]:
    """Count of labels per category (for reports)."""
    return dict(Counter(label.category.value for label in labels))
