"""The history prefetcher (tracer.engine.prefetch): the same trace with and without workers, nothing fetched
ahead that the loop does not read, the read itself identical to the inline one; worker settings; API rates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.base import Base
from db.models import CaseRow
from db.records import Contribution, now_utc
from db.store import Store
from tests.engine.scenario import Book, LabelTable, ScenarioChain, addr
from tracer.cli.trace import api_rates
from tracer.config import Settings
from tracer.engine.context import TraceContext
from tracer.engine.ports import ProgressEvent, TraceServices
from tracer.engine.prefetch import fetch_history
from tracer.engine.rates import ApiRates
from tracer.engine.runner import RunStats, TraceEngine
from tracer.errors import AddressTooLarge, ConfigError
from tracer.model import Address, CaseParameters, Category, Chain, Direction, Endpoint, Seed, Transfer

E = 10**18
LABELS = {"binance": ("Binance", Category.EXCHANGE), "kraken": ("Kraken", Category.EXCHANGE)}


def _book() -> Book:
    """Three layers of launderers, a busy hub, dust and two exchanges: every kind of stop the plan must foresee."""
    b = Book()
    b.send("victim", "exploiter", 40 * E)
    for i in range(4):
        b.send("exploiter", f"l1-{i}", 10 * E)
        for j in range(3):
            b.send(f"l1-{i}", f"l2-{i}-{j}", 3 * E)
            b.send(f"l2-{i}-{j}", "binance" if j else "kraken", 3 * E)
        b.send(f"l1-{i}", "hub", E - 10**9)
        b.send(f"l1-{i}", f"dust-{i}", 10**9)
    for k in range(30):  # the hub is someone's infrastructure: more history than the busy threshold
        b.send(f"payer-{k}", "hub", E)
    b.send("hub", "binance", 3 * E)
    return b


def _trace(tmp: Path, workers: int, **params: object) -> tuple[list[Endpoint], list[Contribution], RunStats]:
    engine = create_engine(f"sqlite:///{tmp / f'case-{workers}.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        s.add(CaseRow(id=1, name="t", created_at=now_utc(), updated_at=now_utc(), parameters_json="{}"))
    seed = Address(Chain.ETHEREUM, addr("exploiter"))
    services = TraceServices({Chain.ETHEREUM: ScenarioChain(_book().items)}, LabelTable(LABELS),
                             fetch_workers={Chain.ETHEREUM: workers})
    ctx = TraceContext(1, replace(CaseParameters(busy_threshold=20), **params), services,  # type: ignore[arg-type]
                       seeds=frozenset({str(seed)}))
    repo = Store(engine).trace_repository()
    eng = TraceEngine(ctx, repo)
    ctx.stolen = eng.seed([Seed(seed)], {})
    stats = eng.run()
    ends = sorted(repo.endpoints(1), key=repr)
    edges = sorted(repo.all_contributions(1), key=repr)
    engine.dispose()
    return ends, edges, stats


@pytest.mark.parametrize("params", [{}, {"address_budget": 7}, {"max_hops": 1}])
def test_workers_change_nothing_and_fetch_only_what_is_read(tmp_path: Path, params: dict[str, object]) -> None:
    inline_ends, inline_edges, inline = _trace(tmp_path, 0, **params)
    ends, edges, ahead = _trace(tmp_path, 2, **params)
    assert (ends, edges) == (inline_ends, inline_edges)
    assert ahead.nodes_expanded == inline.nodes_expanded and ahead.budget_hit == inline.budget_hit
    assert inline.prefetched == 0 and ahead.prefetch_wasted == 0
    if "address_budget" not in params:  # within the prefetch depth of the budget nothing is fetched ahead
        assert ahead.prefetched > 0


class TooLargeAfterOne(ScenarioChain):
    """An address whose history the API refuses after the first page."""

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        yield next(super().transfers_of(address, until_block=until_block, final_block=final_block))
        raise AddressTooLarge("too many transactions")


def test_fetch_history_stops_after_the_limit_and_keeps_the_error() -> None:
    hub = addr("hub")
    chain = ScenarioChain(_book().items)
    busy = fetch_history(chain, hub, None, 20)
    assert busy.busy and len(busy.transfers) == 21 and busy.error is None
    whole = fetch_history(chain, hub, None, None)  # a seed: everything
    assert not whole.busy and len(whole.transfers) == 35
    refused = fetch_history(TooLargeAfterOne(_book().items), hub, None, 20)
    assert isinstance(refused.error, AddressTooLarge) and not refused.transfers


def test_worker_settings_are_read_and_checked(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    s = Settings.load({"TRACER_WORKERS_ESPLORA": "4", "TRACER_WORKERS_ETHERSCAN": "0"}, config_path=none)
    assert (s.workers_esplora, s.workers_etherscan, s.workers_trongrid) == (4, 0, 1)
    with pytest.raises(ConfigError, match="TRACER_WORKERS_TRONGRID"):
        Settings.load({"TRACER_WORKERS_TRONGRID": "-1"}, config_path=none)
    with pytest.raises(ConfigError, match="between 0 and 16"):
        Settings.load({"TRACER_WORKERS_RPC": "99"}, config_path=none)


def test_api_rates_count_this_run_only_and_show_on_the_progress_line() -> None:
    counts = {"esplora": 10, "etherscan": 4}
    now = [100.0]
    rates = ApiRates(lambda: dict(counts), clock=lambda: now[0])
    counts.update(esplora=30, etherscan=4, trongrid=5)
    now[0] = 110.0
    assert rates.now() == (("esplora", 2.0), ("trongrid", 0.5))  # etherscan made none in this run
    event = ProgressEvent(3, 2, 39, 0.5, "ethereum:0x", rates.now())
    assert api_rates(event) == " · esplora 2.0/s trongrid 0.5/s"
    assert api_rates(ProgressEvent(0, 0, 0, 0.0, "")) == ""
