"""Value types the store returns besides the domain model, and exact row <-> value conversions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tracer.model import (
    Address,
    Alert,
    Asset,
    CaseParameters,
    Chain,
    Endpoint,
    Evidence,
    Link,
    Seed,
    TaintModel,
    Transfer,
)


class AddressRole(StrEnum):
    """Role of an address in a case; a stronger role is never downgraded (seed > endpoint > intermediate)."""

    SEED = "seed"
    ENDPOINT = "endpoint"
    INTERMEDIATE = "intermediate"

    @property
    def rank(self) -> int:
        """Higher wins when the same address is met again."""
        return {AddressRole.SEED: 3, AddressRole.ENDPOINT: 2, AddressRole.INTERMEDIATE: 1}[self]


class CaseStatus(StrEnum):
    """Lifecycle of a case."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C / a signal, or its process is gone; resumable
    FAILED = "failed"  # the run raised; ``status_reason`` says why; resumable
    FINISHED = "finished"


@dataclass(frozen=True)
class CaseInfo:
    """A stored case: identity, parameters, seeds and the facts recorded when it started."""

    id: int
    name: str
    params: CaseParameters
    seeds: tuple[Seed, ...]
    status: str
    created_at: datetime
    updated_at: datetime
    label_versions: dict[str, str] = field(default_factory=dict)
    tips: dict[str, int] = field(default_factory=dict)
    stolen_amount: int | None = None
    seed_asset: str | None = None
    status_reason: str | None = None
    runner: str | None = None


@dataclass(frozen=True)
class CaseAddress:
    """An address met by a case."""

    chain: Chain
    address: str
    role: AddressRole
    depth: int
    cluster: str | None = None
    expanded: bool = False


@dataclass(frozen=True)
class WatchEntry:
    """A watched wallet; ``case_id`` None means a manual, case-less watch."""

    chain: Chain
    address: str
    case_id: int | None = None
    note: str | None = None
    origin: str = "manual"
    active: bool = True
    added_at: datetime | None = None


@dataclass(frozen=True)
class MonitorCursor:
    """Last block fully processed for a watched address, and its last seen balance."""

    chain: Chain
    address: str
    last_block: int
    last_balance: int | None
    updated_at: datetime


@dataclass(frozen=True)
class StoredAlert:
    """An alert as stored, with its row id (for ``mark_delivered``) and delivery state."""

    id: int
    case_id: int | None
    alert: Alert
    created_at: datetime
    delivered: bool


THEFT_PARENT = "theft"
"""Parent marker of the seeds' own stolen inflows (hop 0)."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """Taint that one node's ledger allocates to one transfer (an edge, keyed by transfer, origin and parent).

    ``amount`` is in the transfer's asset base units; ``origin_amount`` in the stolen (origin) asset's base units.
    Several parents may contribute to the same transfer (UTXO co-spends); the edge's taint is their sum.
    """

    transfer: Transfer
    origin: str
    amount: int
    origin_amount: int
    parent: str
    hop: int
    evidence: Evidence
    confidence: float = 1.0
    spread: int = 0  # |taint under the other value-conserving model - this taint| (commingled nodes disagree)

    @property
    def receiver(self) -> Address | None:
        """The node the taint arrives at (None for burns / OP_RETURN)."""
        if self.transfer.to_address is None:
            return None
        return Address(self.transfer.chain, self.transfer.to_address)


@dataclass(slots=True)
class Expansion:
    """Everything expanding one node produced; committed atomically by the trace repository."""

    node: Address
    contributions: list[Contribution] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)  # every transfer to store (evidence annex)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class NodeState:
    """Persisted state of one node (address) of a case: its frontier row and its role."""

    key: Address
    hop: int
    pending: bool
    expansions: int
    role: str  # seed | intermediate | endpoint


def utc(value: datetime) -> datetime:
    """Aware UTC datetime (SQLite returns naive datetimes; they were written as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_utc() -> datetime:
    """The current time, UTC-aware."""
    return datetime.now(UTC)


def asset_from_key(chain: Chain, key: str, decimals: int) -> Asset:
    """Rebuild an :class:`Asset` from its ``Asset.key`` (``SYMBOL`` or ``SYMBOL@contract``)."""
    symbol, sep, contract = key.partition("@")
    return Asset(chain=chain, symbol=symbol, contract=contract if sep else None, decimals=decimals)


def params_to_json(params: CaseParameters) -> str:
    """CaseParameters as canonical JSON (Decimal kept as a string)."""
    return json.dumps(
        {
            "model": params.model.value,
            "max_hops": params.max_hops,
            "min_value": str(params.min_value),
            "since": params.since,
            "address_budget": params.address_budget,
            "busy_threshold": params.busy_threshold,
            "match_instant": params.match_instant,
            **({"assets": list(params.assets)} if params.assets else {}),
        },
        sort_keys=True,
    )


def params_from_json(text: str) -> CaseParameters:
    """Inverse of :func:`params_to_json`; unknown keys (from newer versions) are ignored."""
    data = json.loads(text)
    default = CaseParameters()
    return CaseParameters(
        model=TaintModel(data.get("model", default.model.value)),
        max_hops=int(data.get("max_hops", default.max_hops)),
        min_value=Decimal(str(data.get("min_value", default.min_value))),
        since=data.get("since", default.since),
        address_budget=int(data.get("address_budget", default.address_budget)),
        busy_threshold=int(data.get("busy_threshold", default.busy_threshold)),
        match_instant=bool(data.get("match_instant", default.match_instant)),
        assets=tuple(str(a) for a in data.get("assets", default.assets)),
    )


def dumps(value: Mapping[str, Any]) -> str:
    """Canonical JSON (sorted keys) so equal facts give equal text."""
    return json.dumps(dict(value), sort_keys=True, separators=(",", ":"))
