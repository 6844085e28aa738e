"""Readable engine scenarios: a tiny in-memory chain (etherclust-style symbolic addresses) and label table."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from chains.base import ChainAdapter, UtxoAdapter
from tracer.model import (
    Asset,
    Category,
    Chain,
    ChainTx,
    Direction,
    Label,
    OutputSpend,
    Transfer,
    TransferFlag,
    TransferKind,
)

ETH = Chain.ETHEREUM.native
T0 = datetime(2025, 2, 21, 14, 0, tzinfo=UTC)
E = 10**18


def addr(name: str) -> str:
    """A deterministic 0x address for a symbolic name."""
    import hashlib

    return "0x" + hashlib.sha256(name.encode()).hexdigest()[:40]


class ScenarioChain(ChainAdapter):
    """An account chain held in memory; counts calls like a real adapter would make requests."""

    chain = Chain.ETHEREUM
    name = "scenario"

    def __init__(self, transfers: Iterable[Transfer]) -> None:
        self.items = sorted(transfers, key=lambda t: (t.block_number, t.tx_hash, t.kind.value, t.index))
        self.calls = 0

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        self.calls += 1
        for t in self.items:
            if since_block is not None and t.block_number < since_block:
                continue
            inbound = t.to_address == address and direction in (Direction.IN, Direction.BOTH)
            outbound = t.from_address == address and direction in (Direction.OUT, Direction.BOTH)
            if inbound or outbound:
                yield t

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        self.calls += 1
        ts = [t for t in self.items if t.tx_hash == tx_hash]
        if not ts:
            return None
        return ChainTx(self.chain, tx_hash, ts[0].block_number, ts[0].timestamp, ts[0].from_address,
                       ts[0].to_address, 0, transfers=tuple(ts))

    def latest_block(self) -> int:
        return max(t.block_number for t in self.items)


class Book:
    """Builds transfers with increasing blocks."""

    def __init__(self) -> None:
        self.block = 100
        self.items: list[Transfer] = []

    def send(self, frm: str, to: str, amount: int, asset: Asset = ETH, *, fee: int = 0, tx: str | None = None,
             kind: TransferKind = TransferKind.NATIVE, index: int = -1,
             flags: frozenset[TransferFlag] = frozenset()) -> Transfer:
        earlier = next((t.block_number for t in self.items if tx is not None and t.tx_hash == tx), None)
        if earlier is None:  # a new transaction; legs of one transaction share its block
            self.block += 1
        block = earlier or self.block
        tx_hash = tx or "0x" + f"{block:064x}"
        t = Transfer(Chain.ETHEREUM, tx_hash, index, kind, asset, addr(frm), addr(to), amount, block,
                     T0 + timedelta(minutes=block - 100), flags, fee)
        self.items.append(t)
        return t


class LabelTable:
    """LabelLookup over a dict."""

    def __init__(self, labels: dict[str, tuple[str, Category]]) -> None:
        self.labels = {addr(k): v for k, v in labels.items()}

    def labels_of(self, chain: Chain, address: str) -> list[Label]:
        if address not in self.labels:
            return []
        text, cat = self.labels[address]
        return [Label(chain, address, text, cat, "scenario", 0.9, entity=text)]


__all__ = ["Book", "LabelTable", "ScenarioChain", "UtxoAdapter", "OutputSpend", "addr"]
