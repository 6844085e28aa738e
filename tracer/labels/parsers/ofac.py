"""OFAC SDN digital-currency address lists in their two common shapes.

* per-asset lists (0xB10C/ofac-sanctioned-digital-currency-addresses): ``sanctioned_addresses_<ASSET>.json``,
  a JSON array of case-preserved address strings; the asset comes from the file name.
* entity records (thomasgregg/crypto-sanctions-list): ``{"metadata": {...}, "addresses": {addr: {type, entries}}}``
  with entity, program, uid and AKAs per address. Keys are lower-cased, which breaks base58 (BTC ``1``/``3``,
  TRON ``T``): such keys are repaired from ``hints.case_hints`` when possible, else kept lower-case and looked
  up case-insensitively (counted as ``case_unknown``).
"""

from __future__ import annotations

import re
from typing import Any

from chains.addresses import canonical_address
from tracer.errors import InvalidAddress
from tracer.labels.normalise import UNMODELLED_ASSETS, chain_of_currency
from tracer.labels.parsers.base import (
    Collector,
    ParsedLabels,
    ParseHints,
    date_text,
    is_case_folded,
    line_of,
    misfiled_tron,
)
from tracer.model import Category, Chain, Label, LabelConfidence

OFAC_CONFIDENCE = LabelConfidence.AUTHORITY_DATA / 100
_ASSET_IN_NAME = re.compile(r"sanctioned_addresses_([A-Za-z0-9]+)\.json$")


def asset_from_filename(filename: str) -> str | None:
    """``XBT`` from ``sanctioned_addresses_XBT.json``."""
    match = _ASSET_IN_NAME.search(filename)
    return match.group(1).upper() if match else None


def parse_ofac_list(text: str, path: str, hints: ParseHints, data: list[Any]) -> ParsedLabels:
    """A per-asset address list (JSON array of strings).

    May raise: LabelImportError (unknown asset in the file name, a non-string or invalid address).
    """
    out = Collector(path, text, hints.lenient)
    asset = asset_from_filename(hints.filename)
    if asset is None and hints.chain is None:
        raise out.fail(None, None, "a JSON list of addresses needs the asset in its name "
                                   "(sanctioned_addresses_<ASSET>.json) or --chain")
    for raw in data:
        chain = hints.chain or chain_of_currency(asset or "", raw)
        if chain is None:
            out.skip(_skip_reason(asset or ""))
            continue
        chain = misfiled_tron(out, chain, raw)
        address = out.address(chain, raw, None)
        if address is None:
            continue
        out.labels.append(Label(
            chain=chain, address=address, label=f"OFAC SDN digital currency address ({asset})",
            category=Category.SANCTIONED, source=hints.source, confidence=OFAC_CONFIDENCE,
            entity=None, program=None,
        ))
    return out.result("ofac_list")


def parse_ofac_entities(text: str, path: str, hints: ParseHints, data: dict[str, Any]) -> ParsedLabels:
    """Entity records: one label per (address, entity), with program and SDN uid in the label text.

    May raise: LabelImportError naming the line of the offending address key.
    """
    out = Collector(path, text, hints.lenient)
    addresses = data.get("addresses")
    if not isinstance(addresses, dict):
        raise out.fail(None, "addresses", "expected an object of address records")
    for key, record in addresses.items():
        line = None  # found only when needed: scanning a 400 kB file per key is quadratic
        if not isinstance(record, dict) or not record.get("entries") or not isinstance(record.get("type"), str):
            line = line_of(text, f'"{key}"')
        if not isinstance(record, dict) or not isinstance(record.get("entries"), list):
            raise out.fail(line, "entries", "each address needs a list of entries")
        kind = str(record.get("type", ""))
        asset = kind.rsplit("-", 1)[-1].strip() if "-" in kind else ""
        if not asset:
            raise out.fail(line, "type", f"cannot read the asset from type {kind!r}")
        chain = chain_of_currency(asset, key)
        if chain is None:
            out.skip(_skip_reason(asset))
            continue
        raw = hints.case_hints.get(key.lower(), key)  # the case-preserved form, when a hint has it
        chain = misfiled_tron(out, chain, raw)
        address = _repair_case(out, chain, raw, line)
        if address is None:
            continue
        seen: set[str] = set()
        for entry in record["entries"]:
            if not isinstance(entry, dict) or not entry.get("entity"):
                raise out.fail(line_of(text, f'"{key}"'), "entity", "each entry needs an entity name")
            entity = str(entry["entity"])
            uid = entry.get("uid")
            label = f"OFAC SDN: {entity}" + (f" (uid {uid})" if uid else "")
            if label in seen:
                continue
            seen.add(label)
            out.labels.append(Label(
                chain=chain, address=address, label=label, category=Category.SANCTIONED, source=hints.source,
                confidence=OFAC_CONFIDENCE, entity=entity, program=str(entry.get("program") or "") or None,
            ))
    raw_meta = data.get("metadata")
    metadata: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    return out.result("ofac_entities", date_text(metadata.get("sdnListDate") or metadata.get("lastUpdated")))


def _skip_reason(asset: str) -> str:
    code = asset.upper()
    if code in UNMODELLED_ASSETS:
        return f"unmodelled asset {code}"
    return f"{code} address on an unmodelled chain"


def _repair_case(out: Collector, chain: Chain, key: str, line: int | None) -> str | None:
    try:
        return canonical_address(chain, key)
    except InvalidAddress as exc:
        # Lower-cased base58 cannot be checksummed: keep it, the index matches it case-insensitively.
        if is_case_folded(chain, key.lower()):
            out.case_unknown += 1
            return key.lower()
        if out.lenient:
            out.skip(f"invalid {chain.value} address")
            return None
        raise out.fail(line or line_of(out.text, f'"{key.lower()}"'), "address", str(exc)) from exc
