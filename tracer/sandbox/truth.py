"""Ground truth of a generated incident and the world's label file (JSON / CSV writers).

Every amount is an int in base units; JSON carries them as decimal strings so no reader loses precision.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

LABEL_HEADER = ("chain", "address", "label", "category", "source", "confidence")


@dataclass(frozen=True)
class Exit:
    """Where a quantity of stolen value truly came to rest."""

    chain: str
    address: str
    service: str | None
    category: str | None
    status: str  # cashed_out | dark | frozen | unspent | mixed | bridged
    asset: str
    amount: int
    phase: int
    tx: str | None = None
    via: str | None = None  # "mixer": the value crossed a pool first; a tracer can only prove it as "mixed"


@dataclass(frozen=True)
class CrossChainPair:
    """A true link between a tx on one chain and the tx it caused on another (or a same-chain refund)."""

    from_chain: str
    from_tx: str
    to_chain: str
    to_tx: str
    kind: str  # bridge | instant_exchange | refund | swap (same chain, another asset: from_tx == to_tx)
    service: str


@dataclass(frozen=True)
class AmbiguousCrossing:
    """A true crossing that public data cannot single out: another customer's order into the same service is its
    twin (same asset, the same size within the service's quote precision, each payout after both deposits), so
    swapping the two payouts explains the chain data equally well. A perfect tracer reports the deposit as an
    instant-exchange endpoint whose payout is unresolved; linking it would be a coin toss."""

    from_tx: str
    to_tx: str
    twin_from_tx: str
    twin_to_tx: str


@dataclass(frozen=True)
class MixerPair:
    """A launderer deposit into a pool and the withdrawal that took the same note out."""

    pool: str
    deposit_tx: str
    withdrawal_tx: str
    recipient: str
    linkable_by: tuple[str, ...]  # heuristics that can link it (H2, H3, ...); empty = unlinkable


@dataclass(frozen=True)
class Flow:
    """Value conservation for one (chain, asset) inside the launderer's address set."""

    chain: str
    asset: str
    inflows: tuple[tuple[str, int], ...]
    outflows: tuple[tuple[str, int], ...]

    @property
    def balanced(self) -> bool:
        """True when every unit that came in went somewhere."""
        return sum(v for _, v in self.inflows) == sum(v for _, v in self.outflows)


@dataclass(frozen=True)
class LabelRow:
    """One row of the world's label CSV."""

    chain: str
    address: str
    label: str
    category: str
    source: str = "sandbox"
    confidence: float = 0.9


@dataclass(frozen=True)
class Truth:
    """Everything a perfect tracer would report for the generated incident."""

    seed: int
    scale: str
    theft_txs: tuple[str, ...]
    victim: str
    exploiter: str
    stolen: tuple[tuple[str, int], ...]  # (asset key, amount)
    exits: tuple[Exit, ...]
    cross_chain: tuple[CrossChainPair, ...]
    mixer_pairs: tuple[MixerPair, ...]
    flows: tuple[Flow, ...]
    launderer: tuple[tuple[str, str], ...]  # (chain, address)
    dormant: tuple[tuple[str, str], ...]  # (chain, address) that move only in phase 2
    noise: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, ids) e.g. dust_txs, poisoning_addresses
    phase1_holdings: tuple[Exit, ...] = ()  # where phase-2 movers' value rests while only phase 1 is visible
    variants: tuple[str, ...] = ()  # opt-in twists the world was generated with
    deposit_addresses: tuple[tuple[str, str], ...] = ()  # (chain, address) of exchange deposit addresses
    label_format: str = "csv"  # how the world's label file is written (csv | tagpack | csv_wording)
    ambiguous_crossings: tuple[AmbiguousCrossing, ...] = ()  # crossings of cross_chain no data can single out
    # (chain, address, phase of its first sweep; 0: never swept): a deposit address is recognisable by behaviour
    # only once it has forwarded something, so scoring a phase counts only those swept by then
    deposit_sweep_phase: tuple[tuple[str, str, int], ...] = ()

    def exits_for_phase(self, phase: int) -> tuple[Exit, ...]:
        """The exits a perfect tracer sees when only ``phase``'s blocks are visible.

        In phase 1 the value that moves later still sits (unspent) at the dormant wallets.
        """
        if phase >= 2:
            return self.exits
        return tuple(e for e in self.exits if e.phase <= phase) + self.phase1_holdings

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; amounts become decimal strings."""
        data: dict[str, Any] = _stringify(asdict(self))
        return data


def _stringify(obj: Any) -> Any:
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | float):
        return obj
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _stringify(v) for k, v in obj.items()}
    return [_stringify(v) for v in obj]


def write_truth(truth: Truth, path: Path) -> Path:
    """Write ``truth.json``; returns the path."""
    data = truth.to_json()
    data["stolen"] = {k: str(v) for k, v in truth.stolen}
    data["noise"] = {k: list(v) for k, v in truth.noise}
    path.write_text(json.dumps(data, indent=1, sort_keys=True))
    return path


def write_labels(rows: tuple[LabelRow, ...], path: Path) -> Path:
    """Write the label CSV with header ``chain,address,label,category,source,confidence``."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(LABEL_HEADER)
        for r in rows:
            w.writerow([r.chain, r.address, r.label, r.category, r.source, f"{r.confidence:.2f}"])
    return path


@dataclass
class TruthRecorder:
    """Mutable accumulator the generator writes into while it tells the story."""

    exits: list[Exit] = field(default_factory=list)
    cross_chain: list[CrossChainPair] = field(default_factory=list)
    mixer_pairs: list[MixerPair] = field(default_factory=list)
    inflows: dict[tuple[str, str], dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    outflows: dict[tuple[str, str], dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    launderer: dict[tuple[str, str], None] = field(default_factory=dict)
    dormant: dict[tuple[str, str], None] = field(default_factory=dict)
    noise: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    labels: dict[tuple[str, str], LabelRow] = field(default_factory=dict)
    phase1_holdings: list[Exit] = field(default_factory=list)
    deposit_addresses: dict[tuple[str, str], None] = field(default_factory=dict)
    deposit_sweeps: dict[tuple[str, str], int] = field(default_factory=dict)  # first sweep time per deposit address
    ambiguous_crossings: list[AmbiguousCrossing] = field(default_factory=list)

    def deposit_address(self, chain: str, address: str) -> None:
        """Mark an (unlabelled) exchange deposit address."""
        self.deposit_addresses[(chain, address)] = None

    def deposit_swept(self, chain: str, address: str, ts: int) -> None:
        """The exchange swept the deposit address at ``ts`` (only the first sweep is kept)."""
        key = (chain, address)
        if key in self.deposit_addresses:
            self.deposit_sweeps[key] = min(ts, self.deposit_sweeps.get(key, ts))

    def inflow(self, chain: str, asset: str, kind: str, amount: int) -> None:
        """Value entering the launderer set."""
        self.inflows[(chain, asset)][kind] += amount

    def outflow(self, chain: str, asset: str, kind: str, amount: int) -> None:
        """Value leaving the launderer set other than through an exit (fees, conversions, round trips)."""
        self.outflows[(chain, asset)][kind] += amount

    def exit(self, e: Exit) -> None:
        """Record a resting place (also counted as an outflow named ``exit:<status>``)."""
        if e.amount > 0:
            self.exits.append(e)
            self.outflows[(e.chain, e.asset)][f"exit:{e.status}"] += e.amount

    def own(self, chain: str, *addresses: str) -> None:
        """Mark addresses as controlled by the launderer."""
        for a in addresses:
            self.launderer[(chain, a)] = None

    def label(self, chain: str, address: str, label: str, category: str, confidence: float = 0.9) -> None:
        """Add a label row (first label of an address wins)."""
        self.labels.setdefault((chain, address), LabelRow(chain, address, label, category, "sandbox", confidence))

    def flows(self) -> tuple[Flow, ...]:
        """Conservation entries for every (chain, asset) touched."""
        keys = sorted(set(self.inflows) | set(self.outflows))
        return tuple(
            Flow(c, a, tuple(sorted(self.inflows[(c, a)].items())), tuple(sorted(self.outflows[(c, a)].items())))
            for c, a in keys
        )
