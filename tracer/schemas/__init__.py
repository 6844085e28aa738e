"""JSON Schemas of the documents the tracer writes (``case_export.schema.json``: the case export, issue 5)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from tracer.errors import TracerError

CASE_EXPORT = "case_export.schema.json"


class ExportInvalid(TracerError):
    """A case-export document does not match ``case_export.schema.json``."""


@lru_cache(maxsize=4)
def _schema_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_schema(name: str = CASE_EXPORT) -> dict[str, Any]:
    """A schema as a fresh dict."""
    return dict(json.loads(_schema_text(name)))


def export_errors(doc: Mapping[str, Any]) -> list[str]:
    """Every schema violation of an export document, as ``path: message`` lines (empty if valid)."""
    # No format checker: which formats jsonschema checks depends on optional packages (rfc3339-validator, pulled in
    # by e.g. stix2-validator), so the same document would get different errors on different machines. Timestamps
    # are enforced by the schema's own ``pattern`` instead; ``format`` stays an annotation.
    validator = jsonschema.Draft202012Validator(load_schema(), format_checker=jsonschema.FormatChecker(formats=()))
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]


def validate_export(doc: Mapping[str, Any]) -> None:
    """Raise :class:`ExportInvalid` listing the first violations if ``doc`` is not a valid case export."""
    errors = export_errors(doc)
    if errors:
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ExportInvalid("case export does not match the schema: " + "; ".join(errors[:5]) + more)
