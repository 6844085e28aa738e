"""The world's label file in the vocabulary a new user would actually be handed (the ``vocab`` variant).

``csv``: our own CSV (the default world). ``tagpack``: a GraphSense TagPack whose categories are INTERPOL DW-VA
concept ids (``defi_bridge``, ``mixing_service``, ``perpetrator``; OTC desks and the instant exchange are filed
as ``service``/``exchange`` and named only in the label text). ``csv_wording``: our CSV columns with analysts'
words ("Cross-chain bridge", "Tumbler", "OTC desk"; the instant exchange is a "Service" known only by its text).
The truth keeps our categories; only the file changes.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from tracer.sandbox.truth import LABEL_HEADER, LabelRow, write_labels
from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON

DWVA_WORDS = {"exchange": "exchange", "bridge": "defi_bridge", "mixer": "mixing_service", "dex": "defi_dex",
              "instant_exchange": "exchange", "otc": "service", "hacker": "perpetrator", "victim": "victim",
              "issuer": "organization", "sanctioned": "sanction"}
CSV_WORDS = {"exchange": "Centralized Exchange", "bridge": "Cross-chain bridge", "mixer": "Tumbler",
             "dex": "Decentralized Exchange", "instant_exchange": "Service", "otc": "OTC desk", "hacker": "Attacker",
             "victim": "Victim", "issuer": "Stablecoin issuer", "sanctioned": "Sanctions"}
CURRENCY = {ETHEREUM: "ETH", BITCOIN: "BTC", TRON: "TRX"}
SUFFIX = {"csv": "labels.csv", "tagpack": "labels.yaml", "csv_wording": "labels.csv"}


def _instant_text(row: LabelRow, fmt: str) -> str:
    if fmt == "csv_wording":  # an unknown brand: only the words say what it is
        return row.label.replace("eXch", "Swapper Nine") + " - instant exchange"
    return f"{row.label} (instant exchange)"


def _confidence_name(value: float) -> str:
    if value >= 0.99:
        return "ledger_immanent"
    return "manual_transaction" if value >= 0.9 else "service_api"


def label_file_name(fmt: str) -> str:
    """File name of the label file for a format."""
    return SUFFIX[fmt]


def write_label_file(rows: tuple[LabelRow, ...], fmt: str, path: Path) -> Path:
    """Write the world's labels in ``fmt`` (csv | tagpack | csv_wording); returns the path."""
    if fmt == "csv":
        return write_labels(rows, path)
    texts = [_instant_text(r, fmt) if r.category == "instant_exchange" else r.label for r in rows]
    if fmt == "tagpack":
        tags = [{"address": r.address, "currency": CURRENCY[r.chain], "label": text,
                 "category": DWVA_WORDS.get(r.category, r.category), "confidence": _confidence_name(r.confidence)}
                for r, text in zip(rows, texts, strict=True)]
        pack = {"title": "Sandbox incident attribution", "creator": "sandbox", "lastmod": "2025-03-01",
                "is_public": True, "tags": tags}
        path.write_text(yaml.safe_dump(pack, sort_keys=False))
        return path
    if fmt != "csv_wording":
        raise ValueError(f"unknown label format {fmt!r}")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(LABEL_HEADER)
        for r, text in zip(rows, texts, strict=True):
            w.writerow([r.chain, r.address, text, CSV_WORDS.get(r.category, r.category), r.source, f"{r.confidence:.2f}"])
    return path
