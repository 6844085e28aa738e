"""The per-run context every expansion step reads: adapters, labels, parameters, case facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chains.base import ChainAdapter
from tracer.engine.ports import BridgeResolver, PriceLookup
from tracer.model import Asset, CaseParameters, Category, Chain, Label, LabelLookup


@dataclass
class TraceContext:
    """Everything an expansion needs besides the node and its incoming taint."""

    case_id: int
    params: CaseParameters
    adapters: Mapping[Chain, ChainAdapter]
    labels: LabelLookup
    bridge: BridgeResolver | None = None
    stolen: dict[str, int] = field(default_factory=dict)  # origin asset key -> stolen base units
    origin_assets: dict[str, Asset] = field(default_factory=dict)
    min_origin_amount: dict[str, int] = field(default_factory=dict)  # origin -> base-unit threshold
    seeds: frozenset[str] = frozenset()  # str(NodeKey) of seeds: never stopped as busy/deposit
    prices: PriceLookup | None = None
    wallets: Callable[[Category], list[Label]] | None = None  # labelled wallets of a category (service payouts)

    def adapter(self, chain: Chain) -> ChainAdapter:
        """The adapter for ``chain``. May raise: NotSupported when none is configured."""
        from tracer.errors import NotSupported

        try:
            return self.adapters[chain]
        except KeyError:
            raise NotSupported(f"no adapter configured for {chain.value}") from None

    def share(self, origin: str, amount: int) -> float:
        """``amount`` of ``origin`` as a share of that origin's stolen total (for priorities and progress)."""
        total = self.stolen.get(origin.removeprefix("inferred:"), 0)
        return amount / total if total else 0.0
