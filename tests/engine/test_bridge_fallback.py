"""Unresolved bridge deposit: destination from the THORChain memo in the calldata, payout by the generic matcher."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from chains.base import ChainAdapter
from db.base import Base
from db.models import CaseRow
from db.records import now_utc as now
from db.store import Store
from tests.engine.scenario import T0, addr
from tests.engine.test_clustering_in_trace import BTC, Ledger, a, tx
from tracer.engine.context import TraceContext
from tracer.engine.ports import TraceServices
from tracer.engine.runner import TraceEngine
from tracer.labels.index import LabelIndex
from tracer.model import (
    Address,
    BridgeAction,
    CaseParameters,
    Category,
    Chain,
    ChainTx,
    Direction,
    EndpointStatus,
    EvidenceClass,
    Label,
    Seed,
    StopReason,
    Transfer,
    TransferKind,
)
from tracer.sandbox.generator.abi import deposit_with_expiry

E = 10**18
ROUTER = "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"


class Eth(ChainAdapter):
    """Two ETH transactions: the theft, and the router deposit carrying its memo in calldata."""

    chain = Chain.ETHEREUM
    name = "eth"

    def __init__(self, dest: str) -> None:
        self.seed = addr("exploiter")
        memo = f"=:BTC.BTC:{dest}"
        self.txs = {
            "0x" + "01" * 32: ChainTx(Chain.ETHEREUM, "0x" + "01" * 32, 100, T0, addr("victim"), self.seed, 0,
                                      transfers=(self._t("0x" + "01" * 32, 100, addr("victim"), self.seed),)),
            "0x" + "02" * 32: ChainTx(Chain.ETHEREUM, "0x" + "02" * 32, 101, T0 + timedelta(minutes=5), self.seed,
                                      ROUTER, 0, transfers=(self._t("0x" + "02" * 32, 101, self.seed, ROUTER),),
                                      input_data=deposit_with_expiry(addr("vault"), "0x" + "00" * 20, 10 * E, memo,
                                                                     2_000_000_000)),
        }

    @staticmethod
    def _t(h: str, block: int, frm: str, to: str) -> Transfer:
        return Transfer(Chain.ETHEREUM, h, -1, TransferKind.NATIVE, Chain.ETHEREUM.native, frm, to, 10 * E, block,
                        T0 + timedelta(minutes=5 * (block - 100)))

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        for t in (t for x in self.txs.values() for t in x.transfers):
            if address in (t.from_address, t.to_address):
                yield t

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        return self.txs.get(tx_hash)

    def latest_block(self) -> int:
        return 200


class NoIndexer:
    def actions_for_tx(self, chain: Chain, tx_hash: str) -> list[BridgeAction]:
        return []  # Midgard down or the action pruned


class Prices:
    def price_on(self, symbol: str, day: str) -> Decimal | None:
        return {"ETH": Decimal(2650), "BTC": Decimal(95500)}.get(symbol)


class BtcLedger(Ledger):
    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        from tracer.engine.utxo import output_transfer

        for t in self.txs:
            for o in t.outputs:
                if o.address == address:
                    yield output_transfer(t, o.index)


def test_memo_destination_and_generic_matcher_give_an_inferred_payout(tmp_path: Path) -> None:
    dest = a("thor-dest")
    expected_sat = 10 * 2650 * BTC // 95500  # 0.27748691 BTC before fees
    btc = BtcLedger([
        tx("a1" * 32, 1, [("00" * 32, 0, a("vault-btc"), 50 * BTC)],
           [(dest, expected_sat * 995 // 1000), (a("vault-btc"), 49 * BTC)]),  # the payout, 0.5 % fee
        tx("a2" * 32, 2, [("00" * 32, 1, a("someone"), 5 * BTC)], [(dest, 3 * BTC)]),  # a decoy inflow
    ])
    # the payout lands 40 minutes after the deposit (inside the window); the decoy is days later and too large
    btc.txs = [replace(t, timestamp=T0 + timedelta(minutes=40)) if t.tx_hash == "a1" * 32 else t for t in btc.txs]
    eth = Eth(dest)
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        s.add(CaseRow(id=1, name="t", created_at=now(), updated_at=now(), parameters_json="{}"))
    labels = LabelIndex([Label(Chain.ETHEREUM, ROUTER, "THORChain: Router", Category.BRIDGE, "t", 1.0,
                               entity="THORChain")])
    services = TraceServices({Chain.ETHEREUM: eth, Chain.BITCOIN: btc}, labels, prices=Prices(), bridge=NoIndexer())
    ctx = TraceContext(1, CaseParameters(), services, seeds=frozenset({str(Address(Chain.ETHEREUM, eth.seed))}))
    repo = Store(engine).trace_repository()
    run = TraceEngine(ctx, repo)
    ctx.stolen = run.seed([Seed(Address(Chain.ETHEREUM, eth.seed))], {})
    run.run()

    ends = repo.endpoints(1)
    proven = [e for e in ends if not e.origin.startswith("inferred:")]
    assert [(e.address, e.status, e.reason) for e in proven] == [(ROUTER, EndpointStatus.BRIDGED, StopReason.UNRESOLVED)]
    assert sum(e.origin_amount for e in proven) == 10 * E  # proven accounting untouched
    link = next(lk for lk in repo.links(1) if lk.kind.value == "bridge")
    assert link.to_tx == "a1" * 32 and link.to_address == dest and link.evidence.evidence_class is EvidenceClass.E4
    inferred = [e for e in ends if e.origin.startswith("inferred:")]
    assert [(e.address, e.amount) for e in inferred] == [(dest, expected_sat * 995 // 1000)]
