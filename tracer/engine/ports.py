"""What the engine needs from the outside world, as small protocols (the CLI wires concrete classes)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from chains.base import ChainAdapter
from db.records import Contribution, Expansion, NodeState
from heuristics.mixers.tornado import PoolDeposit, PoolLink
from tracer.model import Address, BridgeAction, Category, Chain, ChainTx, Endpoint, Label, LabelLookup, Link

CoinJoinDetector = Callable[[ChainTx], object | None]
"""Recognises a CoinJoin round (heuristics.mixers.coinjoin.detect_coinjoin); None when ``tx`` is not one."""


class TraceRepository(Protocol):
    """Persistence of one case's trace state (``db.trace_repository`` implements it on the case store)."""

    def incoming(self, case_id: int, node: Address) -> list[Contribution]:
        """Every contribution whose transfer arrives at ``node`` (all parents, all origins)."""
        ...

    def outgoing(self, case_id: int, node: Address) -> list[Contribution]:
        """Contributions allocated by ``node``'s own ledger (parent == node)."""
        ...

    def pending_nodes(self, case_id: int) -> list[tuple[Address, int, float]]:
        """Nodes to (re)expand with their hop and priority, best first (deterministic order)."""
        ...

    def node(self, case_id: int, node: Address) -> NodeState | None:
        """One node's state, or None if the case never met it."""
        ...

    def expansion_count(self, case_id: int) -> int:
        """Expansions committed in the case so far (every node's count, re-expansions included)."""
        ...

    def add_seed_node(self, case_id: int, node: Address, contributions: Sequence[Contribution]) -> None:
        """Store a seed's hop-0 taint and mark it pending (idempotent)."""
        ...

    def commit_expansion(self, case_id: int, expansion: Expansion, hop: int,
                         touched: Iterable[tuple[Address, int, float]]) -> None:
        """Atomically: replace the node's outgoing contributions, endpoints and links with ``expansion``'s, store its
        transfers, mark ``node`` done and every node in ``touched`` (key, hop, priority) pending."""
        ...

    def endpoints(self, case_id: int) -> list[Endpoint]:
        """All endpoints of the case."""
        ...

    def links(self, case_id: int) -> list[Link]:
        """All links of the case."""
        ...


class BridgeResolver(Protocol):
    """Resolves a protocol inbound tx to its actions (THORChain Midgard)."""

    def actions_for_tx(self, chain: Chain, tx_hash: str) -> list[BridgeAction]:
        """Actions whose inbound is ``tx_hash`` (empty when unknown)."""
        ...


class PriceLookup(Protocol):
    """Daily USD prices by symbol."""

    def price_on(self, symbol: str, day: str) -> Decimal | None:
        """Close in USD on ``day`` (YYYY-MM-DD) or the nearest earlier day; None if unknown."""
        ...


class MixerLinkSource(Protocol):
    """Pool links found ahead of the trace over a pool's whole history (``tracer bulk mixers``, in the store)."""

    def links_for(self, deposits: Iterable[PoolDeposit]) -> list[PoolLink]:
        """Known links whose deposit is one of ``deposits`` (built on the caller's deposit values)."""
        ...


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """Reported to the progress callback after every node (the CLI draws it with rich)."""

    nodes_done: int
    frontier: int
    requests: int
    accounted: float  # share of stolen value (origin units, all origins weighted equally by share) at endpoints
    current: str
    rates: tuple[tuple[str, float], ...] = ()  # (API, requests per second since the run started), by API name


def _no_requests() -> int:
    return 0


def _no_counts() -> Mapping[str, int]:
    return {}


@dataclass(frozen=True)
class TraceServices:
    """Everything a trace or monitor run reads from the outside world, built once by the CLI wiring.

    Shared by every run of a process and never mutated: per-case facts (the pinned final block of each chain)
    travel with the case, not on these objects.
    """

    adapters: Mapping[Chain, ChainAdapter]
    labels: LabelLookup
    prices: PriceLookup | None = None
    bridge: BridgeResolver | None = None
    coinjoin: CoinJoinDetector | None = None
    wallets: Callable[[Category], list[Label]] | None = None  # labelled wallets of a category (service payouts)
    confirmations: int = 12
    label_versions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    requests: Callable[[], int] = _no_requests  # HTTP requests made so far (for progress and reports)
    mixer_links: MixerLinkSource | None = None  # whole-history pool links the demixing adds to its own
    request_counts: Callable[[], Mapping[str, int]] = _no_counts  # the same, per API name (progress shows rates)
    fetch_workers: Mapping[Chain, int] = field(default_factory=lambda: MappingProxyType({}))
    """Per chain, the threads fetching histories ahead of the expansion loop (tracer.engine.prefetch); none: the
    loop reads each history itself."""
    history_cost: Mapping[Chain, int] = field(default_factory=lambda: MappingProxyType({}))
    """Per chain, the requests one address history costs on its source (Etherscan 3, TronGrid 2, Esplora 1;
    missing: 1): the chains' shares of the loop's turns (tracer.engine.turns)."""
