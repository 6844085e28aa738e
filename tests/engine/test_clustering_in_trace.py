"""CIOH during a trace: co-spent inputs form a cluster (with the tx that caused it) and labels inherit through it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chains.addresses import btc_p2wpkh
from chains.base import UtxoAdapter
from db.base import Base
from db.models import CaseRow
from db.records import now_utc as now
from db.store import Store
from tracer.engine.clusters import ClusterTracker
from tracer.engine.context import TraceContext
from tracer.engine.ports import TraceServices
from tracer.engine.runner import TraceEngine
from tracer.labels.index import LabelIndex
from tracer.model import (
    Address,
    CaseParameters,
    Category,
    Chain,
    ChainTx,
    Direction,
    EndpointStatus,
    Label,
    OutputSpend,
    Seed,
    StopReason,
    Transfer,
    UtxoInput,
    UtxoOutput,
)

T0 = datetime(2025, 2, 22, tzinfo=UTC)
BTC = 10**8


def a(name: str) -> str:
    import hashlib

    return btc_p2wpkh(hashlib.sha256(name.encode()).digest()[:20])


def tx(txid: str, block: int, ins: list[tuple[str, int, str, int]], outs: list[tuple[str, int]]) -> ChainTx:
    inputs = tuple(UtxoInput(p, i, addr, v) for p, i, addr, v in ins)
    outputs = tuple(UtxoOutput(n, addr, v, "v0_p2wpkh") for n, (addr, v) in enumerate(outs))
    fee = sum(i.amount for i in inputs) - sum(o.amount for o in outputs)
    return ChainTx(Chain.BITCOIN, txid, block, T0 + timedelta(hours=block), inputs[0].address if inputs else None,
                   None, fee, inputs=inputs, outputs=outputs)


class Ledger(UtxoAdapter):
    """A tiny Bitcoin held in memory."""

    chain = Chain.BITCOIN
    name = "ledger"

    def __init__(self, txs: list[ChainTx]) -> None:
        self.txs = txs

    def transactions_of(self, address: str, *, since_block: int | None = None,
                        until_block: int | None = None, final_block: int | None = None) -> Iterator[ChainTx]:
        for t in self.txs:
            if any(i.address == address for i in t.inputs) or any(o.address == address for o in t.outputs):
                yield t

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        return iter(())

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        return next((t for t in self.txs if t.tx_hash == tx_hash), None)

    def outspends(self, tx_hash: str, *, final_block: int | None = None) -> list[OutputSpend]:
        return []

    def latest_block(self) -> int:
        return 100


def test_cospend_clusters_and_label_inheritance(tmp_path: Path) -> None:
    seed, mine, exch_known, exch_fresh, out = a("seed"), a("mine"), a("exch-known"), a("exch-fresh"), a("out")
    txs = [
        tx("aa" * 32, 1, [("00" * 32, 0, a("victim"), 5 * BTC)], [(seed, 5 * BTC - 1000)]),
        tx("bb" * 32, 2, [("01" * 32, 0, a("funder"), BTC)], [(mine, BTC - 1000)]),
        # the launderer co-spends the stolen coin with its own other coin: one holder (CIOH)
        tx("cc" * 32, 3, [("aa" * 32, 0, seed, 5 * BTC - 1000), ("bb" * 32, 0, mine, BTC - 1000)],
           [(out, 6 * BTC - 5000)]),
        # the exchange's known wallet and a fresh address of it were co-spent earlier (observed in the traced spend)
        tx("dd" * 32, 4, [("cc" * 32, 0, out, 6 * BTC - 5000), ("02" * 32, 0, exch_known, BTC),
                          ("03" * 32, 0, exch_fresh, BTC)], [(exch_fresh, 8 * BTC - 9000)]),
    ]
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        s.add(CaseRow(id=1, name="t", created_at=now(), updated_at=now(), parameters_json="{}"))
    labels = LabelIndex([Label(Chain.BITCOIN, exch_known, "Exchange Y: hot wallet", Category.EXCHANGE, "test", 0.9,
                               entity="Exchange Y")])
    ctx = TraceContext(1, CaseParameters(), TraceServices({Chain.BITCOIN: Ledger(txs)}, labels),
                       seeds=frozenset({str(Address(Chain.BITCOIN, seed))}))
    repo = Store(engine).trace_repository()
    eng = TraceEngine(ctx, repo)
    ctx.stolen = eng.seed([Seed(Address(Chain.BITCOIN, seed))], {})
    eng.run()

    tracker = ClusterTracker(labels)
    tracker.add(repo.links(1))
    assert tracker.cluster_of(seed) == tracker.cluster_of(mine) is not None  # co-spent in tx cc..
    assert tracker.cluster_of(exch_fresh) == tracker.cluster_of(exch_known) is not None
    # the fresh exchange address inherits the exchange label through its cluster, so the trace stops there
    inherited = labels.labels_of(Chain.BITCOIN, exch_fresh)
    assert inherited and inherited[0].category is Category.EXCHANGE and "cluster" in inherited[0].source
    ends = {e.address: e for e in repo.endpoints(1) if e.reason is StopReason.LABELLED_SERVICE}
    assert ends[exch_fresh].status is EndpointStatus.CASHED_OUT
    assert sum(e.origin_amount for e in repo.endpoints(1)) == 5 * BTC - 1000  # still exact


def test_guard_refuses_a_merge_of_two_entities() -> None:
    x, y, z = a("x"), a("y"), a("z")
    labels = LabelIndex([Label(Chain.BITCOIN, x, "Exchange A", Category.EXCHANGE, "t", 0.9, entity="A"),
                         Label(Chain.BITCOIN, y, "Exchange B", Category.EXCHANGE, "t", 0.9, entity="B")])
    from tracer.engine.clusters import cospend_links

    tracker = ClusterTracker(labels)
    tracker.add(cospend_links(Address(Chain.BITCOIN, x), tx("ee" * 32, 1, [("0" * 64, 0, x, 1), ("1" * 64, 0, z, 1)],
                                                             [(z, 1)])))
    tracker.add(cospend_links(Address(Chain.BITCOIN, y), tx("ff" * 32, 2, [("2" * 64, 0, y, 1), ("3" * 64, 0, z, 1)],
                                                             [(z, 1)])))
    assert tracker.cluster_of(x) == tracker.cluster_of(z) and tracker.cluster_of(y) is None
    assert [r.reason for r in tracker.refused] == ["entity_conflict"]


def test_change_output_joins_the_cluster_when_two_signals_agree() -> None:
    import base58

    from tracer.engine.clusters import cospend_links

    payer, change = a("payer"), a("change")
    legacy = base58.b58encode_check(b"\x00" + bytes(20)).decode()  # a P2PKH payee: a different address type
    spend = tx("ab" * 32, 5, [("00" * 32, 0, payer, 141_234_567)], [(legacy, 100_000_000), (change, 41_224_567)])
    links = cospend_links(Address(Chain.BITCOIN, payer), spend)
    joined = [lk for lk in links if lk.service == "change"]
    assert [lk.to_address for lk in joined] == [change]
    assert joined[0].evidence.evidence_class.value == "E4" and "," in joined[0].evidence.facts["signals"]
    tracker = ClusterTracker(LabelIndex())
    tracker.add(links)
    assert tracker.cluster_of(payer) == tracker.cluster_of(change) is not None
    assert tracker.cluster_of(legacy) is None  # the payee is not the payer
