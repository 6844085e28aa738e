"""Differences between two versions of a label list: what a sanctions list added and removed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tracer.model import Chain, Label


@dataclass(frozen=True)
class DiffEntry:
    """An address present on one side only, with the entities and programs that side gave it."""

    chain: Chain
    address: str
    entities: tuple[str, ...]
    programs: tuple[str, ...]
    labels: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"chain": self.chain.value, "address": self.address, "entities": list(self.entities),
                "programs": list(self.programs), "labels": list(self.labels)}


@dataclass(frozen=True)
class LabelDiff:
    """Addresses added and removed between OLD and NEW, and how many stayed."""

    added: tuple[DiffEntry, ...]
    removed: tuple[DiffEntry, ...]
    unchanged: int

    def removed_by_entity(self) -> dict[str, int]:
        """Removed addresses per entity name (``TORNADO CASH`` -> 90 for the March 2025 delisting)."""
        return _by_entity(self.removed)

    def added_by_entity(self) -> dict[str, int]:
        """Added addresses per entity name."""
        return _by_entity(self.added)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "added_count": len(self.added), "removed_count": len(self.removed), "unchanged": self.unchanged,
            "added_by_entity": self.added_by_entity(), "removed_by_entity": self.removed_by_entity(),
            "added": [e.as_dict() for e in self.added], "removed": [e.as_dict() for e in self.removed],
        }


def _key(label: Label) -> tuple[Chain, str]:
    # Base58 keys may be case-folded on one side (OFAC entity files): compare case-insensitively there.
    if label.chain in (Chain.BITCOIN, Chain.TRON):
        return (label.chain, label.address.lower())
    return (label.chain, label.address)


def _group(labels: Iterable[Label]) -> dict[tuple[Chain, str], list[Label]]:
    grouped: dict[tuple[Chain, str], list[Label]] = defaultdict(list)
    for label in labels:
        grouped[_key(label)].append(label)
    return grouped


def _entry(labels: list[Label]) -> DiffEntry:
    first = labels[0]
    return DiffEntry(
        chain=first.chain, address=first.address,
        entities=tuple(sorted({label.entity for label in labels if label.entity})),
        programs=tuple(sorted({label.program for label in labels if label.program})),
        labels=tuple(sorted({label.label for label in labels})),
    )


def diff_labels(old: Iterable[Label], new: Iterable[Label]) -> LabelDiff:
    """Addresses only in NEW (added) and only in OLD (removed), sorted by chain and address."""
    before, after = _group(old), _group(new)
    added = [_entry(after[key]) for key in sorted(after.keys() - before.keys(), key=lambda k: (k[0].value, k[1]))]
    removed = [_entry(before[key]) for key in sorted(before.keys() - after.keys(), key=lambda k: (k[0].value, k[1]))]
    return LabelDiff(tuple(added), tuple(removed), len(before.keys() & after.keys()))


def _by_entity(entries: Iterable[DiffEntry]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        for entity in entry.entities or ("(no entity)",):
            counts[entity] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
