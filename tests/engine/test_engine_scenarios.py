"""The engine on small readable scenarios, stored in a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from db.base import Base
from db.store import SqlTraceRepository, Store
from tests.engine.scenario import ETH, Book, LabelTable, ScenarioChain, addr
from tracer.engine.context import TraceContext
from tracer.engine.ports import TraceServices
from tracer.engine.runner import TraceEngine
from tracer.model import (
    Address,
    Asset,
    CaseParameters,
    Category,
    Chain,
    EndpointStatus,
    Seed,
    StopReason,
    TaintModel,
    TransferFlag,
    TransferKind,
)

E = 10**18
USDT = Asset(Chain.ETHEREUM, "USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6)


def run(book: Book, labels: dict[str, tuple[str, Category]], tmp_path: Path,
        model: TaintModel = TaintModel.HAIRCUT) -> tuple[SqlTraceRepository, dict[str, int], ScenarioChain]:
    engine = create_engine(f"sqlite:///{tmp_path / 'case.db'}")
    Base.metadata.create_all(engine)
    from sqlalchemy.orm import Session

    from db.models import CaseRow
    from db.records import now_utc as now

    with Session(engine) as s, s.begin():
        s.add(CaseRow(id=1, name="t", created_at=now(), updated_at=now(), parameters_json="{}"))
    chain = ScenarioChain(book.items)
    seed = Address(Chain.ETHEREUM, addr("exploiter"))
    ctx = TraceContext(1, CaseParameters(model=model, busy_threshold=50),
                       TraceServices({Chain.ETHEREUM: chain}, LabelTable(labels)), seeds=frozenset({str(seed)}))
    repo = Store(engine).trace_repository()
    eng = TraceEngine(ctx, repo)
    stolen = eng.seed([Seed(seed)], {})
    ctx.stolen = stolen
    eng.run()
    return repo, stolen, chain


def test_split_swap_exchange_unspent_conserves_value(tmp_path: Path) -> None:
    b = Book()
    b.send("victim", "exploiter", 30 * E)
    b.send("stranger", "exploiter", 10**12)  # dust: not loot
    b.send("exploiter", "w1", 10 * E, fee=10**15)
    b.send("exploiter", "w2", 10 * E, fee=10**15)
    b.send("exploiter", "w3", 10 * E - 2 * 10**15)
    b.send("w1", "binance", 10 * E)  # labelled exchange
    tx = "0x" + "ab" * 32
    b.send("w2", "router", 10 * E, tx=tx)
    b.send("router", "w2", 25_000 * 10**6, USDT, tx=tx, kind=TransferKind.TOKEN, index=3)
    b.send("w2", "otc", 25_000 * 10**6, USDT, kind=TransferKind.TOKEN, index=1)
    b.send("exploiter", "poisoner", 0, USDT, kind=TransferKind.TOKEN, index=2, flags=frozenset({TransferFlag.ZERO_VALUE}))
    repo, stolen, _ = run(b, {"binance": ("Binance", Category.EXCHANGE), "router": ("Uniswap", Category.DEX),
                              "otc": ("OTC desk", Category.OTC)}, tmp_path)
    assert stolen == {"ETH": 30 * E}
    ends = repo.endpoints(1)
    total = sum(e.origin_amount for e in ends)
    assert total == 30 * E  # conservation, exact
    by = {(e.address, e.reason, e.status): e for e in ends}
    # w1 forwards everything to a labelled exchange: it is that exchange's deposit address (E3), not followed on.
    dep = by[(addr("w1"), StopReason.DEPOSIT_ADDRESS, EndpointStatus.CASHED_OUT)]
    assert dep.service == "Binance" and abs(dep.origin_amount - 10 * E) < 10**12  # dust dilutes haircut by 1e12/3e19
    otc = by[(addr("otc"), StopReason.LABELLED_SERVICE, EndpointStatus.CASHED_OUT)]
    assert abs(otc.origin_amount - 10 * E) < 10**12 and otc.asset.symbol == "USDT"
    assert abs(otc.amount - 25_000 * 10**6) < 10**4  # USDT bought with the tainted ETH, at the realised rate
    assert abs(by[(addr("w3"), StopReason.UNSPENT, EndpointStatus.UNSPENT)].origin_amount - (10 * E - 2 * 10**15)) < 10**12
    assert abs(sum(e.origin_amount for e in ends if e.reason is StopReason.FEES) - 2 * 10**15) < 10**9
    assert addr("stranger") not in {c.transfer.from_address for c in repo.all_contributions(1)}
    assert addr("poisoner") not in {e.address for e in ends}
    assert any(link.kind.value == "swap" for link in repo.links(1))


def test_rerun_of_finished_trace_makes_no_call(tmp_path: Path) -> None:
    b = Book()
    b.send("victim", "exploiter", 5 * E)
    b.send("exploiter", "binance", 5 * E)
    repo, _, chain = run(b, {"binance": ("Binance", Category.EXCHANGE)}, tmp_path)
    calls = chain.calls
    assert repo.pending_nodes(1) == []
    assert calls >= 1


@pytest.mark.parametrize("model", [TaintModel.HAIRCUT, TaintModel.FIFO])
def test_commingled_wallet_models_differ_but_conserve(tmp_path: Path, model: TaintModel) -> None:
    b = Book()
    b.send("victim", "exploiter", 1 * E)
    b.send("exploiter", "alice", 1 * E)
    b.send("clean", "alice", 5 * E)
    b.send("alice", "bob", 1 * E)
    b.send("alice", "carol", 5 * E)
    repo, _, _ = run(b, {"bob": ("Bob exchange", Category.EXCHANGE), "carol": ("Carol exchange", Category.EXCHANGE)},
                     tmp_path, model)
    ends = {e.address: e.origin_amount for e in repo.endpoints(1)}
    assert sum(ends.values()) == 1 * E
    if model is TaintModel.FIFO:
        assert ends[addr("bob")] == 1 * E
    else:
        assert ends[addr("bob")] == E // 6
    # alice commingles: haircut and FIFO disagree on every outflow; the spread is kept on the edges
    from_alice = {c.transfer.to_address: c.spread for c in repo.outgoing(1, Address(Chain.ETHEREUM, addr("alice")))}
    assert from_alice[addr("bob")] == E - E // 6
    if model is TaintModel.HAIRCUT:  # under FIFO carol gets no taint, so there is no edge to carry a spread
        assert from_alice[addr("carol")] > 0
    from_exploiter = repo.outgoing(1, Address(Chain.ETHEREUM, addr("exploiter")))
    assert all(c.spread == 0 for c in from_exploiter)  # a pass-through wallet: the models agree
    _ = ETH


def test_seed_swap_proceeds_are_not_counted_twice(tmp_path: Path) -> None:
    """Regression (sandbox demo): stETH swapped to ETH by the seed itself was seeded as new ETH loot."""
    steth = Asset(Chain.ETHEREUM, "stETH", "0xae7ab96520de3a18e5e111b5eaab095312d7fe84", 18)
    b = Book()
    b.send("victim", "exploiter", 30 * E)
    b.send("victim", "exploiter", 10 * E, steth, kind=TransferKind.TOKEN, index=1)
    tx = "0x" + "cd" * 32
    b.send("exploiter", "curve", 10 * E, steth, tx=tx, kind=TransferKind.TOKEN, index=2)
    b.send("curve", "exploiter", 9 * E, tx=tx, kind=TransferKind.INTERNAL, index=3)
    b.send("exploiter", "binance", 39 * E)
    repo, stolen, _ = run(b, {"binance": ("Binance", Category.EXCHANGE), "curve": ("Curve", Category.DEX)}, tmp_path)
    assert stolen == {"ETH": 30 * E, steth.key: 10 * E}
    ends = repo.endpoints(1)
    for origin, amount in stolen.items():
        assert sum(e.origin_amount for e in ends if e.origin == origin) == amount
    at_binance = {e.origin: e for e in ends if e.address == addr("binance")}
    assert at_binance["ETH"].origin_amount == 30 * E and at_binance[steth.key].origin_amount == 10 * E
    assert sum(e.amount for e in at_binance.values()) == 39 * E
