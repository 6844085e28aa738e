"""ORM rows of the case store. Rows are storage shapes; ``db.store`` converts them to domain objects.

Amount columns use :class:`db.types.BigAmount` (exact uint256 on SQLite and PostgreSQL). Natural keys are
unique so that re-inserting the same fact is idempotent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import BigAmount


class CaseRow(Base):
    """A named investigation and the parameters it was traced with."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    parameters_json: Mapped[str] = mapped_column(Text, doc="CaseParameters as JSON")
    label_versions_json: Mapped[str] = mapped_column(Text, default="{}", doc="label set name -> version used")
    tips_json: Mapped[str] = mapped_column(Text, default="{}", doc="chain -> tip height recorded at case start")
    status: Mapped[str] = mapped_column(String(20), default="running",
                                        doc="running | interrupted | failed | finished")
    status_reason: Mapped[str | None] = mapped_column(Text, default=None, doc="why the status was set (errors)")
    runner: Mapped[str | None] = mapped_column(String(200), default=None, doc="host:pid of the running process")
    price_source_json: Mapped[str | None] = mapped_column(Text, default=None,
                                                          doc="price source pinned for the case's USD values")
    seed_asset: Mapped[str | None] = mapped_column(String(120), default=None)
    stolen_amount: Mapped[int | None] = mapped_column(BigAmount, default=None)


class SeedRow(Base):
    """A starting address of a case."""

    __tablename__ = "seeds"
    __table_args__ = (UniqueConstraint("case_id", "chain", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    tx_hash: Mapped[str | None] = mapped_column(String(130), default=None)
    since: Mapped[str | None] = mapped_column(String(40), default=None)


class AddressRow(Base):
    """An address met by a case, with its role and depth."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("case_id", "chain", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(20), doc="seed | intermediate | endpoint")
    depth: Mapped[int] = mapped_column(Integer)
    cluster: Mapped[str | None] = mapped_column(String(128), default=None)
    expanded: Mapped[bool] = mapped_column(Boolean, default=False)


class LabelSetRow(Base):
    """A versioned imported label set (one file import)."""

    __tablename__ = "label_sets"
    __table_args__ = (UniqueConstraint("source", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[datetime]
    path: Mapped[str | None] = mapped_column(Text, default=None)
    sha256: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LabelRow(Base):
    """One label of one address from one label set."""

    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("label_set_id", "chain", "address", "label"),
        Index("ix_labels_chain_address", "chain", "address"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    label_set_id: Mapped[int] = mapped_column(ForeignKey("label_sets.id", ondelete="CASCADE"), index=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128), doc="canonical form; EVM lower-case")
    label: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    entity: Mapped[str | None] = mapped_column(Text, default=None)
    program: Mapped[str | None] = mapped_column(String(120), default=None)
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_to: Mapped[datetime | None] = mapped_column(default=None)


class TransferRow(Base):
    """A transfer seen by any case (shared across cases; natural key unique)."""

    __tablename__ = "transfers"
    __table_args__ = (UniqueConstraint("chain", "tx_hash", "kind", "idx"), Index("ix_transfers_from", "chain", "from_address"),
                      Index("ix_transfers_to", "chain", "to_address"))
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(20))
    tx_hash: Mapped[str] = mapped_column(String(130))
    kind: Mapped[str] = mapped_column(String(10))
    idx: Mapped[int] = mapped_column(Integer)
    block_number: Mapped[int]
    timestamp: Mapped[datetime]
    from_address: Mapped[str | None] = mapped_column(String(128), default=None)
    to_address: Mapped[str | None] = mapped_column(String(128), default=None)
    asset_symbol: Mapped[str] = mapped_column(String(64))
    asset_contract: Mapped[str | None] = mapped_column(String(128), default=None)
    asset_decimals: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigAmount)
    flags: Mapped[str] = mapped_column(String(120), default="", doc="comma-separated TransferFlag values")
    fee: Mapped[int] = mapped_column(BigAmount, default=0, doc="native fee of the whole tx (on one transfer per tx)")


class TraceEdgeRow(Base):
    """A transfer that carried stolen value in one case."""

    __tablename__ = "trace_edges"
    __table_args__ = (UniqueConstraint("case_id", "transfer_id", "origin", "parent"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    tainted_amount: Mapped[int] = mapped_column(BigAmount)
    hop: Mapped[int] = mapped_column(Integer)
    evidence_class: Mapped[str] = mapped_column(String(4))
    confidence: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(120))
    facts_json: Mapped[str] = mapped_column(Text, default="{}")
    parent: Mapped[str] = mapped_column(String(220), default="", doc="node (chain:address) whose ledger allocated it")
    origin: Mapped[str] = mapped_column(String(200), default="", doc="stolen asset key this taint derives from")
    origin_amount: Mapped[int] = mapped_column(BigAmount, default=0, doc="taint in origin-asset base units")
    model_spread: Mapped[int | None] = mapped_column(BigAmount, default=None, doc="max - min taint across models")


class LinkRow(Base):
    """A cross-chain or service link (bridge, swap, mixer, instant exchange, deposit)."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("case_id", "kind", "from_chain", "from_tx", "to_chain", "to_tx", "to_address"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(120))
    from_chain: Mapped[str] = mapped_column(String(20))
    from_tx: Mapped[str] = mapped_column(String(130))
    to_chain: Mapped[str] = mapped_column(String(20))
    to_tx: Mapped[str] = mapped_column(String(130), default="")
    to_address: Mapped[str] = mapped_column(String(128), default="")
    from_address: Mapped[str] = mapped_column(String(128), default="", server_default="")
    from_asset: Mapped[str | None] = mapped_column(String(200), default=None)
    to_asset: Mapped[str | None] = mapped_column(String(200), default=None)
    amount_in: Mapped[int | None] = mapped_column(BigAmount, default=None)
    amount_out: Mapped[int | None] = mapped_column(BigAmount, default=None)
    evidence_class: Mapped[str] = mapped_column(String(4))
    confidence: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(120))
    facts_json: Mapped[str] = mapped_column(Text, default="{}")


class EndpointRow(Base):
    """Where a quantity of stolen value stopped in one case."""

    __tablename__ = "endpoints"
    __table_args__ = (UniqueConstraint("case_id", "chain", "address", "asset", "origin", "reason"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    asset: Mapped[str] = mapped_column(String(200), doc="Asset.key")
    asset_decimals: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigAmount)
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40), default=None)
    service: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str] = mapped_column(String(40))
    hop: Mapped[int] = mapped_column(Integer, default=0)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    origin: Mapped[str] = mapped_column(String(200), default="")
    origin_amount: Mapped[int] = mapped_column(BigAmount, default=0)


class FrontierRow(Base):
    """One node (address) a case has met: pending while it waits to be (re)expanded (resumability).

    Keyed by (case, chain, address) only: the taint waiting there is the sum of the node's incoming trace edges,
    so the frontier holds no amounts, only the order of work (priority) and how often the node was expanded.
    """

    __tablename__ = "frontier"
    __table_args__ = (UniqueConstraint("case_id", "chain", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    hop: Mapped[int] = mapped_column(Integer)
    priority: Mapped[float] = mapped_column(Float, default=0.0, doc="share of stolen value arriving; best first")
    expansions: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class WatchRow(Base):
    """A watched wallet."""

    __tablename__ = "watchlist"
    __table_args__ = (UniqueConstraint("chain", "address", "case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    added_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(20), default="manual", doc="manual | case | auto")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MonitorCursorRow(Base):
    """Per-address monitoring cursor: last block fully processed and last seen balance."""

    __tablename__ = "monitor_cursors"
    __table_args__ = (UniqueConstraint("chain", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    last_block: Mapped[int] = mapped_column(default=0)
    last_balance: Mapped[int | None] = mapped_column(BigAmount, default=None)
    updated_at: Mapped[datetime]


class AlertRow(Base):
    """A stored alert; ``delivered`` tracks the webhook so a failed POST is retried next cycle."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("chain", "address", "tx_hash", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True, default=None)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(128))
    tx_hash: Mapped[str] = mapped_column(String(130))
    timestamp: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    asset: Mapped[str] = mapped_column(String(200))
    asset_decimals: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigAmount)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiResponseRow(Base):
    """Archive of every raw API exchange (request key stripped of secrets)."""

    __tablename__ = "api_responses"
    __table_args__ = (Index("ix_api_responses_key", "request_key"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    request_key: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(120), default="application/json")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    immutable: Mapped[bool] = mapped_column(Boolean, default=False)


class PriceRow(Base):
    """Daily USD close of an asset (imported CSV or fetched from a CoinGecko-compatible API)."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("asset", "day", "source"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    asset: Mapped[str] = mapped_column(String(40), doc="symbol, e.g. ETH")
    day: Mapped[str] = mapped_column(String(10), doc="YYYY-MM-DD UTC")
    close_usd: Mapped[str] = mapped_column(String(40), doc="decimal string, never float")
    source: Mapped[str] = mapped_column(String(80))


class CaseNoteRow(Base):
    """A dated public event of a case (FBI attribution, a freeze, a delisting) drawn on its timeline."""

    __tablename__ = "case_notes"
    __table_args__ = (UniqueConstraint("case_id", "day", "text"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10), doc="YYYY-MM-DD UTC")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class BulkClusterRow(Base):
    """An address of a whole-chain cluster imported from ``tracer bulk cluster`` (multi-address clusters only)."""

    __tablename__ = "bulk_clusters"
    chain: Mapped[str] = mapped_column(String(20), primary_key=True)
    address: Mapped[str] = mapped_column(String(120), primary_key=True)
    cluster: Mapped[str] = mapped_column(String(120), index=True, doc="smallest address of the cluster")


class BulkClusterMergeRow(Base):
    """One merge behind an imported cluster: ``a`` and ``b`` share an owner because of ``tx_hash``."""

    __tablename__ = "bulk_cluster_merges"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(20))
    cluster: Mapped[str] = mapped_column(String(120), index=True)
    a: Mapped[str] = mapped_column(String(120))
    b: Mapped[str] = mapped_column(String(120))
    heuristic: Mapped[str] = mapped_column(String(20), doc="cioh | change")
    tx_hash: Mapped[str] = mapped_column(String(80))
    confidence: Mapped[float] = mapped_column(Float)


class BulkMixerLinkRow(Base):
    """A candidate deposit -> withdrawal link of a pool from ``tracer bulk mixers`` (whole pool history)."""

    __tablename__ = "bulk_mixer_links"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(20))
    pool: Mapped[str] = mapped_column(String(120))
    deposit_tx: Mapped[str] = mapped_column(String(80), index=True)
    deposit_block: Mapped[int]
    deposit_time: Mapped[int] = mapped_column(doc="unix seconds")
    depositor: Mapped[str | None] = mapped_column(String(120), default=None)
    withdrawal_tx: Mapped[str] = mapped_column(String(80))
    withdrawal_block: Mapped[int]
    withdrawal_time: Mapped[int] = mapped_column(doc="unix seconds")
    recipient: Mapped[str] = mapped_column(String(120))
    relayer: Mapped[str | None] = mapped_column(String(120), default=None)
    fee: Mapped[str] = mapped_column(String(80), doc="relayer fee, base units as decimal text")
    heuristics: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    evidence_class: Mapped[str] = mapped_column(String(2))
    rule: Mapped[str] = mapped_column(String(120))
