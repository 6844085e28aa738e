"""Writing an export document as JSON, CSV tables, GraphML or a STIX 2.1 bundle (pure transforms + file writes)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import networkx as nx

from tracer.csvsafe import safe_row

FORMATS = ("json", "csv", "graphml", "stix")


def write_export(doc: dict[str, Any], fmt: str, output: Path, *, tlp: str = "amber") -> list[Path]:
    """Write ``doc`` in ``fmt`` (one of :data:`FORMATS`; ``tlp`` marks a STIX bundle); returns the files written.

    May raise: ValueError for an unknown format or TLP level.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    output.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "stix":
        from tracer.export_stix import build_stix_bundle  # stix2 is imported only when asked for

        output.write_text(build_stix_bundle(doc, tlp).serialize(pretty=True) + "\n", encoding="utf-8")
        return [output]
    if fmt == "json":
        output.write_text(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        return [output]
    if fmt == "graphml":
        nx.write_graphml(export_to_graph(doc), output)
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for table in ("transfers", "endpoints", "links", "addresses"):
        rows = [_flat(r) for r in doc[table]]
        path = output / f"{table}.csv"
        _write_csv(path, rows)
        written.append(path)
    for key in ("by_category", "by_status", "by_chain", "unaccounted", "stolen"):
        path = output / f"summary_{key}.csv"
        _write_csv(path, [_flat(r) for r in doc["summary"][key]])
        written.append(path)
    return written


def export_to_graph(doc: dict[str, Any]) -> nx.MultiDiGraph:
    """Address graph: nodes ``chain:address`` with role/labels, edges = tainted transfers and links."""
    g = nx.MultiDiGraph(case=doc["case"])
    for a in doc["addresses"]:
        g.add_node(f"{a['chain']}:{a['address']}", chain=a["chain"], role=a["role"], depth=a["depth"],
                   labels="; ".join(lab["label"] for lab in a["labels"]))
    for t in doc["transfers"]:
        if not t["from"] or not t["to"]:
            continue
        g.add_edge(f"{t['chain']}:{t['from']}", f"{t['chain']}:{t['to']}", key=f"{t['tx_hash']}:{t['index']}",
                   tx_hash=t["tx_hash"], asset=t["asset"], amount=t["amount"], taint=t["taint_amount"],
                   hop=t["hop"], evidence=t["evidence"], confidence=t["confidence"])
    for link in doc["links"]:
        if link["to_address"]:
            g.add_edge(f"{link['from_chain']}:{link['from_tx']}", f"{link['to_chain']}:{link['to_address']}",
                       kind=link["kind"], service=link["service"], evidence=link["evidence"])
    return g


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v) for k, v in row.items()}


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    fields: list[str] = []
    for r in rows:
        fields.extend(k for k in r if k not in fields)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields or ["empty"])
        writer.writeheader()
        writer.writerows(safe_row(r) for r in rows)  # no spreadsheet formula from label text (issue 15)
