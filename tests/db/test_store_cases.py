"""Cases: create, read, list, status, start-of-case facts, delete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.models import TransferRow
from db.store import CaseExists, CaseStatus, Store
from tests.db.dbdata import EXPLOITER, HACK_TX, contribution, transfer
from tracer.errors import StoreError
from tracer.model import Address, CaseParameters, Chain, Seed, TaintModel

PARAMS = CaseParameters(model=TaintModel.FIFO, max_hops=25, min_value=Decimal("0.05"), since="2025-02-21",
                        address_budget=800, busy_threshold=300, match_instant=True)
SEEDS = [
    Seed(Address(Chain.ETHEREUM, EXPLOITER), tx_hash=HACK_TX, since="2025-02-21"),
    Seed(Address(Chain.BITCOIN, "bc1qlmngzl9gx8v5n0xvsj6x7w5mr7xtf3aeqqmfzd")),
]


def test_create_and_read_back_a_case(store: Store) -> None:
    case_id = store.create_case("bybit-2025", PARAMS, SEEDS + SEEDS[:1])  # a repeated seed is one seed
    info = store.get_case("bybit-2025")
    assert info is not None
    assert info.id == case_id
    assert info.params == PARAMS
    assert info.seeds == tuple(SEEDS)
    assert info.status == "running"
    assert info.created_at.tzinfo is not None
    assert info.label_versions == {} and info.tips == {}
    assert store.case_by_id(case_id) == info
    assert store.get_case("nope") is None


def test_duplicate_name_is_refused(store: Store) -> None:
    store.create_case("bybit-2025", PARAMS, SEEDS)
    with pytest.raises(CaseExists, match="case 'bybit-2025' already exists"):
        store.create_case("bybit-2025", CaseParameters(), [])


def test_status_and_meta_are_merged(store: Store) -> None:
    case_id = store.create_case("bybit-2025", PARAMS, SEEDS)
    store.set_case_meta(case_id, label_versions={"ofac": "2025-02-20"}, tips={"ethereum": 21_900_000},
                        stolen_amount=401_346_769_437_182_662_014_695, seed_asset="ETH")
    store.set_case_meta(case_id, tips={"bitcoin": 884_000}, label_versions={"tagpack": "v24"})
    store.set_case_status(case_id, CaseStatus.FINISHED)
    info = store.case_by_id(case_id)
    assert info is not None
    assert info.tips == {"ethereum": 21_900_000, "bitcoin": 884_000}
    assert info.label_versions == {"ofac": "2025-02-20", "tagpack": "v24"}
    assert info.stolen_amount == 401_346_769_437_182_662_014_695
    assert info.seed_asset == "ETH"
    assert info.status == "finished"
    with pytest.raises(ValueError):
        store.set_case_status(case_id, "paused")
    with pytest.raises(StoreError, match="no case with id 999"):
        store.set_case_meta(999, tips={"ethereum": 1})


def test_list_and_delete_cascade(store: Store) -> None:
    first = store.create_case("ronin", CaseParameters(), [])
    second = store.create_case("bybit", CaseParameters(), SEEDS)
    t = transfer(1)
    repo = store.trace_repository()
    repo.add_seed_node(second, Address(Chain.ETHEREUM, EXPLOITER), [contribution(t)])
    assert [c.name for c in store.list_cases()] == ["ronin", "bybit"]
    assert store.delete_case(second) is True
    assert store.delete_case(second) is False
    assert [c.id for c in store.list_cases()] == [first]
    assert repo.all_contributions(second) == [] and repo.node_count(second) == 0
    with store.reading() as s:
        assert s.scalar(select(func.count()).select_from(TransferRow)) == 1  # transfers are shared facts and stay
