"""Label file parsers: pure functions from file text to :class:`tracer.model.Label` rows.

:func:`parse_labels` recognises the format from the content (and the file name where the content alone
cannot say, e.g. the asset of an OFAC per-asset list) and raises LabelImportError naming file, line and
field for a malformed row, or saying why a file is not a label file.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import yaml

from tracer.errors import LabelImportError
from tracer.labels.parsers.base import ParsedLabels, ParseHints
from tracer.labels.parsers.csv_labels import looks_like_csv, parse_csv
from tracer.labels.parsers.etherscan import parse_account_list, parse_label_cloud
from tracer.labels.parsers.ofac import parse_ofac_entities, parse_ofac_list
from tracer.labels.parsers.tagpack import load_yaml_with_lines, parse_tagpack
from tracer.labels.parsers.tornado import parse_pool_map

__all__ = ["ParseHints", "ParsedLabels", "parse_labels"]

MAX_JSON_DEPTH = 64  # label files nest 3-4 levels; 200k levels would exhaust the stack of any consumer


def parse_labels(text: str, path: str, hints: ParseHints) -> ParsedLabels:
    """Parse any supported label file.

    May raise: LabelImportError.
    """
    name = hints.filename.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise LabelImportError(path, None, None, "empty file")
    if name.endswith((".md", ".txt", ".rst", ".html", ".pdf")):
        raise LabelImportError(path, None, None, f"not a label file: {name.rsplit('.', 1)[-1]} document "
                                                 "(expected TagPack YAML, label CSV, OFAC or Etherscan JSON)")
    if stripped[0] in "[{":
        return _parse_json(text, path, hints)
    if name.endswith((".yaml", ".yml")) or stripped.startswith(("%YAML", "---")):
        return _parse_yaml(text, path, hints)
    if looks_like_csv(text):
        try:
            return parse_csv(text, path, hints)
        except csv.Error as exc:  # e.g. a field past csv.field_size_limit(), a NUL byte
            raise LabelImportError(path, None, None, f"malformed CSV: {exc}") from None
    raise LabelImportError(path, 1, None, "not a label file: neither JSON, a CSV with a header, nor a TagPack YAML")


def _parse_json(text: str, path: str, hints: ParseHints) -> ParsedLabels:
    # Measured on the text, before parsing: json.loads recurses in C, and 200k levels overflow the C stack (a
    # segfault, not a RecursionError) whenever something in the process has raised the recursion limit.
    if json_text_depth(text) > MAX_JSON_DEPTH:
        raise LabelImportError(path, None, None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabelImportError(path, exc.lineno, None, f"invalid JSON: {exc.msg}") from None
    if isinstance(data, list):
        if data and all(isinstance(item, str) for item in data):
            return parse_ofac_list(text, path, hints, data)
        if data and all(isinstance(item, dict) and "address" in item for item in data):
            return parse_account_list(text, path, hints, data)
        if not data:
            raise LabelImportError(path, None, None, "empty JSON list")
        raise LabelImportError(path, None, None, "not a label file: JSON list of neither address strings nor "
                                                 "objects with an 'address'")
    if isinstance(data, dict):
        if isinstance(data.get("addresses"), dict) and "metadata" in data:
            return parse_ofac_entities(text, path, hints, data)
        values = list(data.values())
        if values and all(isinstance(v, dict) and ("name" in v or "labels" in v) for v in values):
            return parse_label_cloud(text, path, hints, data)
        if values and all(isinstance(v, str) for v in values) and all(str(k).startswith("0x") for k in data):
            return parse_pool_map(text, path, hints, data)
        keys = ", ".join(list(map(str, data))[:5])
        raise LabelImportError(path, 1, None, f"not a label file: JSON object with keys {keys} is none of: OFAC "
                                              "entity records, Etherscan label cloud, address -> name map")
    raise LabelImportError(path, 1, None, "not a label file: JSON scalar")


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_text_depth(text: str) -> int:
    """Deepest bracket nesting of JSON text (strings skipped); stops counting past :data:`MAX_JSON_DEPTH`."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif token in "]}":
            depth -= 1
    return deepest


def _parse_yaml(text: str, path: str, hints: ParseHints) -> ParsedLabels:
    try:
        data, node = load_yaml_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LabelImportError(path, mark.line + 1 if mark else None, None, f"invalid YAML: {exc}") from None
    if isinstance(data, dict) and "tags" in data:
        return parse_tagpack(text, path, hints, data, node)
    if isinstance(data, dict) and "actors" in data:
        raise LabelImportError(path, None, "actors", "not a label file: a GraphSense actor pack defines actors "
                                                     "(names, jurisdictions) but no addresses")
    raise LabelImportError(path, None, None, "not a label file: neither JSON, a CSV with an address column, "
                                             "nor a TagPack with 'tags'")
