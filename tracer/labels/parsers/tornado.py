"""Tornado Cash pool maps ``{contract: "100 DAI"}`` (tutela ``tornado_pools.json`` shape)."""

from __future__ import annotations

from typing import Any

from tracer.labels.parsers.base import Collector, ParsedLabels, ParseHints, line_of
from tracer.model import Category, Chain, Label, LabelConfidence


def parse_pool_map(text: str, path: str, hints: ParseHints, data: dict[str, Any]) -> ParsedLabels:
    """An ``address -> name`` map. Only Tornado pool files (or an explicit --category) give a category.

    May raise: LabelImportError.
    """
    out = Collector(path, text, hints.lenient)
    tornado = "tornado" in hints.filename.lower()
    if not tornado and hints.category is None:
        raise out.fail(None, None, "an address -> name map needs --category (only Tornado Cash pool maps are "
                                   "recognised by name)")
    chain = hints.chain or Chain.ETHEREUM
    for key, value in data.items():
        line = line_of(text, f'"{key}"')
        name = str(value).strip()
        if not name:
            raise out.fail(line, key, "empty name")
        address = out.address(chain, key, line)
        if address is None:
            continue
        out.labels.append(Label(
            chain=chain, address=address,
            label=f"Tornado Cash pool {name}" if tornado else name, category=hints.category or Category.MIXER,
            source=hints.source, confidence=LabelConfidence.SERVICE_DATA / 100,
            entity="Tornado Cash" if tornado else None))
    return out.result("address_map")
