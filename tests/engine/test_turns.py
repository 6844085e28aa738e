"""Chains in weighted turns (tracer.engine.turns): every API kept busy, the order a pure function of the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.base import Base
from db.models import CaseRow
from db.records import now_utc
from db.store import Store
from tests.engine.scenario import Book, LabelTable, ScenarioChain, addr
from tracer.engine.context import TraceContext
from tracer.engine.ports import ProgressEvent, TraceServices
from tracer.engine.runner import TraceEngine
from tracer.engine.turns import next_node, turn_cycle
from tracer.model import Address, CaseParameters, Category, Chain, Direction, Endpoint, Seed, Transfer

E = 10**18


def _at(chain: Chain, name: str) -> Address:
    return Address(chain, addr(name))


def test_a_cycle_gives_each_chain_turns_inverse_to_its_history_cost_spread_evenly() -> None:
    chains = (Chain.BITCOIN, Chain.ETHEREUM, Chain.TRON)
    cycle = turn_cycle(chains, (1, 3, 2))
    assert Counter(cycle) == {Chain.BITCOIN: 6, Chain.ETHEREUM: 2, Chain.TRON: 3}
    # spread, not in blocks: Bitcoin never waits more than one other turn in a row
    assert all(Chain.BITCOIN in cycle[i:i + 2] for i in range(len(cycle) - 1))
    assert turn_cycle((Chain.BITCOIN, Chain.ETHEREUM), (1, 1)) == (Chain.BITCOIN, Chain.ETHEREUM)


def test_next_node_is_the_best_of_the_chain_whose_turn_it_is() -> None:
    pending = [(_at(Chain.ETHEREUM, "a"), 1, 0.9), (_at(Chain.ETHEREUM, "b"), 1, 0.5), (_at(Chain.BITCOIN, "c"), 3, 0.1)]
    costs = {Chain.ETHEREUM: 3, Chain.BITCOIN: 1}
    picks = [next_node(pending, n, costs)[0] for n in range(4)]
    assert Counter(p.chain for p in picks) == {Chain.BITCOIN: 3, Chain.ETHEREUM: 1}
    assert {p for p in picks if p.chain is Chain.ETHEREUM} == {_at(Chain.ETHEREUM, "a")}  # best first in a chain
    only_one_chain = pending[:2]
    assert [next_node(only_one_chain, n, costs) for n in range(3)] == [only_one_chain[0]] * 3


class OtherChain(ScenarioChain):
    """The scenario book served as BSC (another API in a real trace)."""

    chain = Chain.BSC

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        for t in super().transfers_of(address, direction=direction, since_block=since_block,
                                      until_block=until_block, final_block=final_block):
            yield replace(t, chain=Chain.BSC)


def _chain_of_wallets(prefix: str, amount: int, length: int) -> Book:
    b = Book()
    b.send("victim", f"{prefix}0", amount)
    for i in range(length):
        b.send(f"{prefix}{i}", f"{prefix}{i + 1}", amount)
    b.send(f"{prefix}{length}", "binance", amount)
    return b


def _trace(db: Path, *, stop_after: int | None = None,
           resume: dict[str, int] | None = None) -> tuple[list[str], list[Endpoint], dict[str, int]]:
    """Trace both chains' wallets; ``resume`` (the stolen amounts of the first run) continues a cut run."""
    engine = create_engine(f"sqlite:///{db}")
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        if s.get(CaseRow, 1) is None:
            s.add(CaseRow(id=1, name="t", created_at=now_utc(), updated_at=now_utc(), parameters_json="{}"))
    adapters = {Chain.ETHEREUM: ScenarioChain(_chain_of_wallets("eth", 100 * E, 6).items),
                Chain.BSC: OtherChain(_chain_of_wallets("bsc", 1 * E, 6).items)}
    services = TraceServices(adapters, LabelTable({"binance": ("Binance", Category.EXCHANGE)}),
                             history_cost={Chain.ETHEREUM: 3, Chain.BSC: 1})
    seeds = [Seed(_at(Chain.ETHEREUM, "eth0")), Seed(_at(Chain.BSC, "bsc0"))]
    ctx = TraceContext(1, CaseParameters(), services, seeds=frozenset(str(s.address) for s in seeds))
    repo = Store(engine).trace_repository()
    order: list[str] = []

    def record(event: ProgressEvent) -> None:
        order.append(event.current)
        if stop_after is not None and len(order) == stop_after:
            raise KeyboardInterrupt

    eng = TraceEngine(ctx, repo, progress=record)
    ctx.stolen = eng.seed(seeds, {}) if resume is None else resume
    try:
        eng.run()
    except KeyboardInterrupt:
        pass
    ends = sorted(repo.endpoints(1), key=repr)
    engine.dispose()
    return order, ends, ctx.stolen


def test_a_low_value_chain_is_worked_alongside_a_high_value_one_not_after_it(tmp_path: Path) -> None:
    order, ends, _stolen = _trace(tmp_path / "whole.db")
    chains = [node.split(":")[0] for node in order]
    # best-first by value alone would expand all seven Ethereum wallets before the first BSC one
    assert chains.index("bsc") < chains.index("ethereum") + 2
    assert chains[:8].count("bsc") >= 4
    assert {(e.chain, e.service) for e in ends} == {(Chain.ETHEREUM, "Binance"), (Chain.BSC, "Binance")}


def test_the_turns_resume_where_an_interrupted_run_stopped(tmp_path: Path) -> None:
    whole, whole_ends, _stolen = _trace(tmp_path / "whole.db")
    first, _ends, stolen = _trace(tmp_path / "cut.db", stop_after=5)
    rest, ends, _stolen = _trace(tmp_path / "cut.db", resume=stolen)
    assert first + rest == whole and ends == whole_ends
