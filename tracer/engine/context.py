"""The per-run context every expansion step reads: the shared services, the case's parameters and pinned blocks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chains.base import ChainAdapter
from tracer.engine.ports import BridgeResolver, PriceLookup, TraceServices
from tracer.model import Asset, CaseParameters, Category, Chain, Label, LabelLookup


@dataclass
class TraceContext:
    """Everything an expansion needs besides the node and its incoming taint."""

    case_id: int
    params: CaseParameters
    services: TraceServices
    final_blocks: Mapping[Chain, int] = field(default_factory=dict)  # pinned when the case started
    stolen: dict[str, int] = field(default_factory=dict)  # origin asset key -> stolen base units
    origin_assets: dict[str, Asset] = field(default_factory=dict)
    min_origin_amount: dict[str, int] = field(default_factory=dict)  # origin -> base-unit threshold
    seeds: frozenset[str] = frozenset()  # str(Address) of seeds: never stopped as busy/deposit

    @property
    def labels(self) -> LabelLookup:
        """The label index (read-only)."""
        return self.services.labels

    @property
    def bridge(self) -> BridgeResolver | None:
        """The THORChain resolver, when wired."""
        return self.services.bridge

    @property
    def prices(self) -> PriceLookup | None:
        """Daily USD prices, when wired."""
        return self.services.prices

    @property
    def wallets(self) -> Callable[[Category], list[Label]] | None:
        """Labelled wallets of a category (service payouts), when wired."""
        return self.services.wallets

    def adapter(self, chain: Chain) -> ChainAdapter:
        """The adapter for ``chain``. May raise: NotSupported when none is configured."""
        from tracer.errors import NotSupported

        try:
            return self.services.adapters[chain]
        except KeyError:
            raise NotSupported(f"no adapter configured for {chain.value}") from None

    def final_block(self, chain: Chain) -> int | None:
        """The block at or below which ``chain``'s history is immutable for this case (None: not pinned)."""
        return self.final_blocks.get(chain)

    def share(self, origin: str, amount: int) -> float:
        """``amount`` of ``origin`` as a share of that origin's stolen total (for priorities and progress)."""
        total = self.stolen.get(origin.removeprefix("inferred:"), 0)
        return amount / total if total else 0.0
