"""Etherscan label dumps (JSON): the label cloud ``{address: {name, labels[]}}`` (brianleect/etherscan-labels)
and account lists ``[{address, nameTag}]`` (dawsbot/eth-labels). Chain and list kind come from the file name
(``bscscan_...``, ``arbitrum_exploit_accounts.json``) unless given."""

from __future__ import annotations

from typing import Any

from tracer.labels.normalise import category_of
from tracer.labels.parsers.base import Collector, ParsedLabels, ParseHints, chain_from_filename, line_of
from tracer.model import Category, Chain, Label, LabelConfidence

WEB_CRAWL = LabelConfidence.WEB_CRAWL / 100  # scraped from Etherscan's public label pages
_LIST_KINDS = ("phish-hack", "exploit", "heist", "scam", "exchange")


def resolve_chain(out: Collector, hints: ParseHints) -> Chain | None:
    """Chain from hints or file name; raises when neither says; None for a chain we do not model."""
    if hints.chain is not None:
        return hints.chain
    known, chain = chain_from_filename(hints.filename)
    if not known:
        raise out.fail(None, None, "cannot tell the chain from the file name; pass --chain")
    return chain


def list_kind(filename: str) -> str | None:
    """``exploit`` from ``arbitrum_exploit_accounts.json`` / ``mainnet_phish-hack_all.csv``."""
    lowered = filename.lower()
    return next((kind for kind in _LIST_KINDS if f"_{kind}" in lowered), None)


def parse_label_cloud(text: str, path: str, hints: ParseHints, data: dict[str, Any]) -> ParsedLabels:
    """``{address: {"name": str, "labels": [str]}}``.

    May raise: LabelImportError.
    """
    out = Collector(path, text, hints.lenient)
    chain = resolve_chain(out, hints)
    for key, record in data.items():
        if chain is None:
            out.skip("unmodelled chain")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("labels") or [], list):
            raise out.fail(line_of(text, f'"{key}"'), key, "expected an object with a name and a list of labels")
        tags = record.get("labels") or []
        name = str(record.get("name") or "").strip()
        address = out.address(chain, key, None)
        if address is None:
            continue
        out.labels.append(Label(
            chain=chain, address=address, label=name or ", ".join(map(str, tags)) or "etherscan label",
            category=hints.category or category_of(tags, name, out.unrecognised), source=hints.source, confidence=WEB_CRAWL,
            entity=_entity_of(name),
        ))
    return out.result("etherscan_cloud")


def parse_account_list(text: str, path: str, hints: ParseHints, data: list[Any]) -> ParsedLabels:
    """``[{"address": str, "nameTag": str}]`` with the list kind (exploit, phish-hack, ...) from the file name.

    May raise: LabelImportError.
    """
    out = Collector(path, text, hints.lenient)
    chain = resolve_chain(out, hints)
    kind = list_kind(hints.filename)
    if kind is None and hints.category is None:
        raise out.fail(None, None, "cannot tell the label kind (exploit, phish-hack, heist, scam, exchange) "
                                   "from the file name; pass --category")
    for item in data:
        if chain is None:
            out.skip("unmodelled chain")
            continue
        name = str(item.get("nameTag") or "").strip()
        label = _account_label(out, chain, item.get("address"), None, name, kind, hints)
        if label is not None:
            out.labels.append(label)
    return out.result("etherscan_accounts")


def _account_label(out: Collector, chain: Chain, raw: object, line: int | None, name: str, kind: str | None,
                   hints: ParseHints) -> Label | None:
    address = out.address(chain, raw, line)
    if address is None:
        return None
    category = hints.category or category_of([kind], name)
    if kind == "exchange" and category is Category.OTHER:
        category = Category.EXCHANGE
    return Label(
        chain=chain, address=address, label=name or f"etherscan {kind or category.value}",
        category=category, source=hints.source, confidence=WEB_CRAWL, entity=_entity_of(name),
    )


def _entity_of(name: str) -> str | None:
    """``Binance`` from ``Binance 14`` / ``FixedFloat: Hot Wallet``: the service part of an Etherscan name tag."""
    if not name:
        return None
    head = name.split(":", 1)[0].strip()
    words = head.split()
    if len(words) > 1 and words[-1].isdigit():
        head = " ".join(words[:-1])
    return head or None
