"""Conversions between domain objects and ORM rows (shared by the store modules)."""

from __future__ import annotations

import json

from db.models import EndpointRow, LinkRow, TransferRow
from db.records import asset_from_key, utc
from tracer.model import (
    Asset,
    Category,
    Chain,
    Endpoint,
    EndpointStatus,
    Evidence,
    EvidenceClass,
    Link,
    LinkKind,
    StopReason,
    Transfer,
    TransferFlag,
    TransferKind,
)


def transfer_values(t: Transfer) -> dict[str, object]:
    """Column values of a :class:`TransferRow` for ``t``."""
    return {
        "chain": t.chain.value, "tx_hash": t.tx_hash, "kind": t.kind.value, "idx": t.index,
        "block_number": t.block_number, "timestamp": utc(t.timestamp), "from_address": t.from_address,
        "to_address": t.to_address, "asset_symbol": t.asset.symbol, "asset_contract": t.asset.contract,
        "asset_decimals": t.asset.decimals, "amount": t.amount,
        "flags": ",".join(sorted(f.value for f in t.flags)), "fee": t.fee,
    }


def row_to_transfer(row: TransferRow) -> Transfer:
    """Domain transfer from its row."""
    chain = Chain(row.chain)
    flags = frozenset(TransferFlag(f) for f in row.flags.split(",") if f)
    return Transfer(chain, row.tx_hash, row.idx, TransferKind(row.kind),
                    Asset(chain, row.asset_symbol, row.asset_contract, row.asset_decimals),
                    row.from_address, row.to_address, row.amount, row.block_number, utc(row.timestamp), flags,
                    row.fee or 0)


def evidence_values(e: Evidence) -> dict[str, object]:
    """Evidence columns (shared by edges and links)."""
    return {"evidence_class": e.evidence_class.value, "confidence": e.confidence, "rule": e.rule,
            "facts_json": json.dumps(dict(e.facts), sort_keys=True)}


def row_evidence(evidence_class: str, rule: str, confidence: float, facts_json: str) -> Evidence:
    """Evidence from its columns."""
    facts = {str(k): str(v) for k, v in json.loads(facts_json or "{}").items()}
    return Evidence(EvidenceClass(evidence_class), rule, min(max(confidence, 0.0), 1.0), facts)


def endpoint_values(case_id: int, e: Endpoint) -> dict[str, object]:
    """Column values of an :class:`EndpointRow`."""
    return {"case_id": case_id, "chain": e.chain.value, "address": e.address, "asset": e.asset.key,
            "asset_decimals": e.asset.decimals, "amount": e.amount, "status": e.status.value,
            "category": e.category.value if e.category else None, "service": e.service, "reason": e.reason.value,
            "hop": e.hop, "confidence": e.confidence, "origin": e.origin, "origin_amount": e.origin_amount}


def row_to_endpoint(row: EndpointRow) -> Endpoint:
    """Domain endpoint from its row."""
    chain = Chain(row.chain)
    return Endpoint(chain, row.address, asset_from_key(chain, row.asset, row.asset_decimals), row.amount,
                    EndpointStatus(row.status), Category(row.category) if row.category else None,
                    StopReason(row.reason), row.service, row.hop, row.confidence, row.origin, row.origin_amount)


def link_values(case_id: int, link: Link) -> dict[str, object]:
    """Column values of a :class:`LinkRow`."""
    return {"case_id": case_id, "kind": link.kind.value, "service": link.service,
            "from_chain": link.from_chain.value, "from_tx": link.from_tx, "to_chain": link.to_chain.value,
            "to_tx": link.to_tx or "", "to_address": link.to_address or "",
            "from_address": link.from_address or "", "from_asset": link.from_asset,
            "to_asset": link.to_asset, "amount_in": link.amount_in, "amount_out": link.amount_out,
            **evidence_values(link.evidence)}


def row_to_link(row: LinkRow) -> Link:
    """Domain link from its row."""
    return Link(LinkKind(row.kind), row.service, Chain(row.from_chain), row.from_tx, Chain(row.to_chain),
                row.to_tx or None, row.to_address or None,
                row_evidence(row.evidence_class, row.rule, row.confidence, row.facts_json),
                row.from_asset, row.to_asset, row.amount_in, row.amount_out, row.from_address or None)
