"""The case-export JSON Schema: itself valid draft 2020-12, accepts the sample, rejects malformed exports."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tracer.schemas import ExportInvalid, export_errors, load_schema, validate_export


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_sample_export_validates(sample_doc: dict[str, Any]) -> None:
    assert export_errors(sample_doc) == []
    validate_export(sample_doc)
    assert len(sample_doc["transfers"]) == 40
    assert {t["chain"] for t in sample_doc["transfers"]} == {"ethereum", "bitcoin", "tron"}
    assert {lk["kind"] for lk in sample_doc["links"]} == {"swap", "bridge", "mixer", "instant_exchange"}
    statuses = {e["status"] for e in sample_doc["endpoints"]}
    assert {"cashed_out", "frozen", "unspent", "mixed", "dark"} <= statuses
    labels = [lb["label"] for a in sample_doc["addresses"] for lb in a["labels"]]
    assert any("<script>alert(1)</script>" in label for label in labels)


@pytest.mark.parametrize(("path", "value", "message"), [
    (("transfers", 0, "amount"), "1.5E+3", "does not match"),
    (("transfers", 0, "evidence"), "E9", "is not one of"),
    (("transfers", 0, "timestamp"), "2025-02-21 14:13", "does not match"),
    (("endpoints", 0, "status"), "gone", "is not one of"),
    (("summary", "stolen", 0, "usd"), 27500000.0, "is not of type"),
    (("meta", "tips", "ethereum"), "21957000", "is not of type"),
])
def test_malformed_values_are_rejected(doc: dict[str, Any], path: tuple[Any, ...], value: Any,
                                       message: str) -> None:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = export_errors(doc)
    assert len(errors) == 1
    assert errors[0].startswith("/".join(str(p) for p in path))
    assert message in errors[0]
    with pytest.raises(ExportInvalid, match="does not match the schema"):
        validate_export(doc)


def test_missing_top_level_key_is_rejected(doc: dict[str, Any]) -> None:
    del doc["links"]
    assert export_errors(doc) == ["(root): 'links' is a required property"]


def test_engine_extras_are_allowed(doc: dict[str, Any]) -> None:
    # The exporter adds fields beyond issue 5 (index, kind, origins, facts...): the schema must not break on them.
    doc["transfers"][0]["index"] = -1
    doc["links"][0]["facts"] = {"memo": "=:BTC.BTC:bc1q..."}
    doc["meta"]["status"] = "finished"
    assert export_errors(doc) == []
