"""GraphSense TagPack YAML: header keys apply to every tag unless the tag overrides them."""

from __future__ import annotations

from typing import Any

import yaml

from tracer.labels.normalise import UNMODELLED_ASSETS, category_of, chain_of_currency, confidence_value
from tracer.labels.parsers.base import Collector, ParsedLabels, ParseHints, date_text, misfiled_tron
from tracer.model import Label

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster on 2 MB packs
_INHERITED = ("label", "category", "abuse", "source", "confidence", "currency", "actor", "lastmod", "context")


MAX_ALIASES = 100  # TagPacks use a handful of anchors at most; a billion-laughs file uses them to multiply
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 5_000_000  # the document as if every alias were written out (a 2 MB pack: ~100k)


class UnsafeYaml(yaml.YAMLError):
    """A YAML document that would expand past the alias, depth or size budget."""


def load_yaml_with_lines(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML once, keeping the node tree (for line numbers) and the Python value.

    Safe loader only (no Python objects), and the node graph is checked *before* any value is built: at most
    :data:`MAX_ALIASES` alias uses, :data:`MAX_DEPTH` levels, :data:`MAX_EXPANDED_NODES` nodes once aliases are
    expanded, no alias cycle. A billion-laughs file is refused in milliseconds instead of filling the memory.

    May raise: yaml.YAMLError (UnsafeYaml past a budget).
    """
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise UnsafeYaml(f"nested deeper than Python can parse (limit {MAX_DEPTH} levels)") from None
        if node is not None:
            check_node_budget(node)
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def check_node_budget(root: yaml.Node) -> None:
    """Refuse a node graph past the alias / depth / expanded-size budget (iterative: no recursion limit).

    May raise: UnsafeYaml.
    """
    seen: set[int] = set()
    aliases = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeYaml(f"nested deeper than {MAX_DEPTH} levels (line {node.start_mark.line + 1})")
        if id(node) in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise UnsafeYaml(f"more than {MAX_ALIASES} aliases (a YAML bomb?); refused")
            continue
        seen.add(id(node))
        stack.extend((child, depth + 1) for child in _children(node))
    if aliases and _expanded_size(root) > MAX_EXPANDED_NODES:
        raise UnsafeYaml(f"aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (a YAML bomb?); refused")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _expanded_size(root: yaml.Node) -> int:
    """Node count with every alias written out (memoised post-order walk; a cycle counts as infinite)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = min(MAX_EXPANDED_NODES + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in on_path:
            raise UnsafeYaml("an alias refers to its own anchor (a cycle); refused")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)]


def parse_tagpack(text: str, path: str, hints: ParseHints, data: Any = None, node: yaml.Node | None = None) -> ParsedLabels:
    """Labels of a TagPack. Unknown currencies (ADA, LTC, ...) are skipped and counted.

    May raise: LabelImportError naming the file, the tag's line and the field.
    """
    if data is None:
        data, node = load_yaml_with_lines(text)
    out = Collector(path, text, hints.lenient)
    header = {k: v for k, v in data.items() if k != "tags"}
    tags = data.get("tags")
    if not isinstance(tags, list):
        raise out.fail(None, "tags", "a TagPack needs a list of tags")
    tag_nodes = _tag_nodes(node)
    for i, tag in enumerate(tags):
        line = tag_nodes[i] if i < len(tag_nodes) else None
        if not isinstance(tag, dict):
            raise out.fail(line, "tags", "each tag must be a mapping")
        merged = {key: tag.get(key, header.get(key)) for key in _INHERITED}
        raw_address = tag.get("address")
        if not isinstance(raw_address, str) or not raw_address.strip():
            raise out.fail(line, "address", "missing address")
        currency = merged["currency"]
        if not currency:
            raise out.fail(line, "currency", "no currency on the tag or in the header")
        chain = chain_of_currency(str(currency), raw_address)
        if chain is None:
            out.skip(f"unmodelled asset {str(currency).upper()}" if str(currency).upper() in UNMODELLED_ASSETS
                     else f"unsupported currency {currency}")
            continue
        chain = misfiled_tron(out, chain, raw_address)
        address = out.address(chain, raw_address, line)
        if address is None:
            continue
        confidence = confidence_value(merged["confidence"]) if merged["confidence"] is not None else None
        if merged["confidence"] is not None and confidence is None:
            raise out.fail(line, "confidence", f"unknown confidence {merged['confidence']!r}")
        label_text = str(merged["label"] or header.get("title") or hints.source)
        words = [merged["category"], merged["abuse"]]
        category = hints.category or category_of(words, label_text, out.unrecognised)
        if hints.category is None and "ofac" in label_text.lower():
            category = category_of([*words, "sanctioned"], label_text)
        out.labels.append(Label(
            chain=chain, address=address, label=label_text, category=category,
            source=hints.source, confidence=0.05 if confidence is None else confidence,
            entity=str(merged["actor"]) if merged["actor"] else None,
        ))
        if confidence is None:
            out.note("no confidence stated: stored as unknown (0.05)")
    return out.result("tagpack", date_text(header.get("lastmod")))


def _tag_nodes(node: yaml.Node | None) -> list[int]:
    """1-based line of each tag in the ``tags`` sequence."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "tags" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
