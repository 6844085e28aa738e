"""Value types of the Tornado linkers (see :mod:`heuristics.mixers.tornado` for the heuristics)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from heuristics.base import Finding
from heuristics.mixers.pools import Pool


@dataclass(frozen=True, slots=True)
class PoolDeposit:
    """A deposit into a pool. ``depositor`` is the tx sender (None when unknown, e.g. events-only data)."""

    tx_hash: str
    block: int
    timestamp: datetime
    pool: Pool
    depositor: str | None
    gas_price: int | None  # wei; for EIP-1559 txs the effective gas price


@dataclass(frozen=True, slots=True)
class PoolWithdrawal:
    """A withdrawal from a pool. ``relayer`` is None when the recipient sent the tx itself."""

    tx_hash: str
    block: int
    timestamp: datetime
    pool: Pool
    recipient: str
    relayer: str | None
    fee: int  # base units of the pool asset paid to the relayer
    gas_price: int | None


@dataclass(frozen=True, slots=True)
class TornadoCallbacks:
    """Context the linkers may need beyond the events; every callback is optional."""

    interacted: Callable[[str, str], bool] | None = None
    """True if the two addresses transacted with each other outside Tornado (Tutela: >= 3 txs)."""
    is_service: Callable[[str], bool] | None = None
    """True for exchange/relayer/service addresses, which H1 and H3 must not use as an owner link."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One heuristic's vote that ``withdrawal`` spends the note created by ``deposit``."""

    heuristic: str  # "address_match" | "unique_gas_price" | "linked_addresses" | "multi_denomination" | "fifo_time"
    deposit: PoolDeposit
    withdrawal: PoolWithdrawal
    confidence: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PoolLink(Finding):
    """A scored deposit -> withdrawal hypothesis with the heuristics that support it."""

    deposit: PoolDeposit = field(kw_only=True)
    withdrawal: PoolWithdrawal = field(kw_only=True)
    heuristics: tuple[str, ...] = field(kw_only=True)
