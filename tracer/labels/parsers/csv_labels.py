"""CSV label files: our own shape and the known third-party shapes, told apart by their header.

* ours: ``chain,address,label,category,source,confidence`` (+ optional ``entity,program,valid_from,valid_to``)
* Etherscan lists (dawsbot): ``address,nameTag`` -- chain and kind from the file name
* Forta labelled datasets: ``banned_address,wallet_tag,data_source`` / ``address,etherscan_tag,etherscan_labels,...``
  / ``contract_address,contract_tag,contract_creator,...``
* Tutela tables: ``address,name,account_type,entity|type,...`` (Ethereum)
* Tornado pool table without header: ``contract,token,amount,short_name``
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from tracer.labels.normalise import category_of, confidence_value, parse_category, refine
from tracer.labels.parsers.base import Collector, ParsedLabels, ParseHints, parse_date
from tracer.labels.parsers.etherscan import WEB_CRAWL, list_kind, resolve_chain
from tracer.model import Category, Chain, Label, LabelConfidence

OWN_COLUMNS = ("chain", "address", "label", "category", "source", "confidence")
_ADDRESS_COLUMNS = ("address", "banned_address", "contract_address")
SERVICE_DATA = LabelConfidence.SERVICE_DATA / 100

Row = dict[str, str]


def looks_like_csv(text: str) -> bool:
    """True when the first line has a comma-separated header or row."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return "," in first and not first.lstrip().startswith(("{", "[", "-", "%"))


def parse_csv(text: str, path: str, hints: ParseHints) -> ParsedLabels:
    """Dispatch on the header to one of the known shapes.

    May raise: LabelImportError (unknown header: not a label file; a malformed row names line and field).
    """
    out = Collector(path, text, hints.lenient)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise out.fail(None, None, "empty file") from None
    columns = {name.lower() for name in header}
    if header and header[0].lower().startswith("0x") and len(header) == 4:
        return _tornado_table(out, header, reader, hints)
    handler = _handler_for(columns)
    if handler is None:
        raise out.fail(1, None, "not a label file: no address column in header "
                                f"({', '.join(header[:8])}); expected {', '.join(OWN_COLUMNS)}")
    fmt, row_fn = handler
    for row_cells in reader:
        if not row_cells or all(not cell.strip() for cell in row_cells):
            continue
        line = reader.line_num
        if len(row_cells) != len(header) and fmt == "tutela" and len(row_cells) > len(header):
            # Tutela names contain unquoted commas: glue the surplus back into the name column.
            extra = len(row_cells) - len(header)
            row_cells = [row_cells[0], ",".join(row_cells[1:2 + extra]), *row_cells[2 + extra:]]
        if len(row_cells) != len(header):
            raise out.fail(line, None, f"{len(row_cells)} fields, header has {len(header)}")
        row = {name.lower(): cell for name, cell in zip(header, row_cells, strict=True)}
        try:
            label = row_fn(out, row, line, hints)
        except _SkipRow:
            continue
        if label is not None:
            out.labels.append(label)
    return out.result(fmt)


class _SkipRow(Exception):
    """Raised by a row function when a lenient import drops the row (already counted)."""


def _addr(out: Collector, chain: Chain, raw: str, line: int, field_name: str = "address",
          case_folded_ok: bool = False) -> str:
    address = out.address(chain, raw, line, field_name, case_folded_ok)
    if address is None:
        raise _SkipRow
    return address


RowFn = Callable[[Collector, Row, int, ParseHints], Label | None]


def _handler_for(columns: set[str]) -> tuple[str, RowFn] | None:
    if set(OWN_COLUMNS) <= columns:
        return "csv", _own_row
    if {"address", "nametag"} <= columns:
        return "etherscan_csv", _nametag_row
    if {"banned_address", "wallet_tag"} <= columns:
        return "forta_etherscan", _forta_banned_row
    if {"address", "etherscan_tag", "etherscan_labels"} <= columns:
        return "forta_phishing", _forta_phishing_row
    if {"contract_address", "contract_tag", "contract_creator"} <= columns:
        return "forta_contracts", _forta_contract_row
    if {"address", "name", "account_type"} <= columns:
        return "tutela", _tutela_row
    return None


def _own_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label:
    try:
        chain = Chain(row["chain"].strip().lower())
    except ValueError:
        raise out.fail(line, "chain", f"unknown chain {row['chain']!r}") from None
    label = row["label"].strip()
    if not label:
        raise out.fail(line, "label", "empty label")
    category = parse_category(row["category"])
    if category is None:
        raise out.fail(line, "category", f"unknown category {row['category']!r}")
    category = refine(category, label)  # "eXch: instant exchange" filed under "exchange"
    confidence = confidence_value(row["confidence"])
    if confidence is None:
        raise out.fail(line, "confidence", f"expected 0..1 or a TagPack confidence name, got {row['confidence']!r}")
    dates = {}
    for name in ("valid_from", "valid_to"):
        raw = row.get(name, "").strip()
        dates[name] = parse_date(raw) if raw else None
        if raw and dates[name] is None:
            raise out.fail(line, name, f"unreadable date {raw!r}")
    return Label(
        chain=chain, address=_addr(out, chain, row["address"], line, case_folded_ok=True), label=label,
        category=category,
        source=row["source"].strip() or hints.source, confidence=confidence,
        entity=row.get("entity", "").strip() or None, program=row.get("program", "").strip() or None,
        valid_from=dates["valid_from"], valid_to=dates["valid_to"],
    )


def _file_chain(out: Collector, hints: ParseHints) -> Chain | None:
    return resolve_chain(out, hints)


def _nametag_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label | None:
    chain = _file_chain(out, hints)
    if chain is None:
        out.skip("unmodelled chain")
        return None
    kind = list_kind(hints.filename)
    if kind is None and hints.category is None:
        raise out.fail(None, None, "cannot tell the label kind from the file name; pass --category")
    name = row["nametag"].strip()
    category = hints.category or category_of([kind], name)
    if kind == "exchange" and category is Category.OTHER:
        category = Category.EXCHANGE
    return Label(chain=chain, address=_addr(out, chain, row["address"], line), label=name or f"etherscan {kind}",
                 category=category, source=hints.source, confidence=WEB_CRAWL)


def _forta_chain(out: Collector, hints: ParseHints) -> Chain:
    chain = _file_chain(out, hints)
    if chain is None:
        raise out.fail(None, None, "unmodelled chain")
    return chain


def _forta_banned_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label:
    chain = _forta_chain(out, hints)
    tag = row["wallet_tag"].strip()
    category = hints.category or category_of([row.get("data_source", "").replace("etherscan-", "").replace("-list", "")], tag)
    if category is Category.OTHER:
        category = Category.SCAM
    return Label(chain=chain, address=_addr(out, chain, row["banned_address"], line, "banned_address"),
                 label=tag or "etherscan malicious", category=category, source=hints.source, confidence=WEB_CRAWL)


def _forta_phishing_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label:
    chain = _forta_chain(out, hints)
    tag = row["etherscan_tag"].strip()
    category = hints.category or category_of(row["etherscan_labels"].split(","), tag)
    if category is Category.OTHER:
        category = Category.SCAM
    return Label(chain=chain, address=_addr(out, chain, row["address"], line), label=tag or "phishing",
                 category=category, source=hints.source, confidence=WEB_CRAWL)


def _forta_contract_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label:
    chain = _forta_chain(out, hints)
    tag = row["contract_tag"].strip() or "malicious contract"
    creator_tag = row.get("contract_creator_tag", "").strip()
    category = hints.category or category_of([row.get("contract_creator_etherscan_label", "")], tag)
    if category is Category.OTHER:
        category = Category.SCAM
    creator = row["contract_creator"].strip()
    if creator:  # the creator is as malicious as the contract: label it too (same category)
        out.labels.append(Label(
            chain=chain, address=_addr(out, chain, creator, line, "contract_creator"),
            label=creator_tag or f"creator of {tag}", category=category, source=hints.source, confidence=WEB_CRAWL))
    return Label(chain=chain, address=_addr(out, chain, row["contract_address"], line, "contract_address"),
                 label=tag, category=category, source=hints.source, confidence=WEB_CRAWL)


def _tutela_row(out: Collector, row: Row, line: int, hints: ParseHints) -> Label:
    chain = hints.chain or Chain.ETHEREUM  # Tutela tables are Ethereum mainnet only
    name = row["name"].strip()
    words = [row.get("entity", ""), row.get("type", ""), *row.get("tags", "").split(",")]
    category = hints.category or category_of(words, name, out.unrecognised)
    return Label(chain=chain, address=_addr(out, chain, row["address"], line), label=name or "tutela",
                 category=category, source=hints.source, confidence=SERVICE_DATA)


def _tornado_table(out: Collector, first: Sequence[str], reader: Any, hints: ParseHints) -> ParsedLabels:
    if "tornado" not in hints.filename.lower() and hints.category is None:
        raise out.fail(1, None, "not a label file: no header row (a headerless contract,token,amount,name table "
                                "is read only for Tornado Cash pool files)")
    chain = hints.chain or Chain.ETHEREUM
    rows = [(1, list(first))] + [(reader.line_num, row) for row in reader if row]
    for line, cells in rows:
        if len(cells) != 4:
            raise out.fail(line, None, f"{len(cells)} fields, expected contract,token,amount,name")
        contract, token, amount, _short = (cell.strip() for cell in cells)
        out.labels.append(Label(
            chain=chain, address=_addr(out, chain, contract, line, "contract"),
            label=f"Tornado Cash pool {amount} {token}", category=hints.category or Category.MIXER,
            source=hints.source, confidence=SERVICE_DATA, entity="Tornado Cash"))
    return out.result("tornado_pools_csv")
