"""Value types the engine passes between its steps (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracer.model import Chain, Endpoint, Evidence, Link, Transfer


@dataclass(frozen=True, slots=True, order=True)
class NodeKey:
    """An address in the trace graph."""

    chain: Chain
    address: str

    def __str__(self) -> str:
        return f"{self.chain.value}:{self.address}"

    @classmethod
    def parse(cls, text: str) -> NodeKey:
        """Inverse of ``str()``."""
        chain, _, address = text.partition(":")
        return cls(Chain(chain), address)


THEFT_PARENT = "theft"
"""Parent marker of the seed's own tainted inflows (hop 0)."""


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
    def receiver(self) -> NodeKey | None:
        """The node the taint arrives at (None for burns / OP_RETURN)."""
        if self.transfer.to_address is None:
            return None
        return NodeKey(self.transfer.chain, self.transfer.to_address)


@dataclass(slots=True)
class Expansion:
    """Everything expanding one node produced; committed atomically by the runner."""

    node: NodeKey
    contributions: list[Contribution] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)  # every transfer to store (evidence annex)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
