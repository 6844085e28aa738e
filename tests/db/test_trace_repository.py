"""The trace repository on the store: one row per node in the frontier, atomic expansions, the store's errors."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from db.migrate import alembic_config
from db.records import THEFT_PARENT, AddressRole, Expansion
from db.store import Store
from tests.db.dbdata import EXPLOITER, addr, contribution, transfer
from tracer.errors import StoreError
from tracer.model import Address, CaseParameters, Chain, Endpoint, EndpointStatus, StopReason

SEED = Address(Chain.ETHEREUM, EXPLOITER)
ETH = Chain.ETHEREUM.native


def test_a_node_is_one_frontier_row_whatever_reaches_it(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    repo = store.trace_repository()
    loot = [contribution(transfer(1, sender="0x" + "aa" * 20), parent=THEFT_PARENT, hop=0)]
    repo.add_seed_node(case_id, SEED, loot)
    repo.add_seed_node(case_id, SEED, loot)  # resume: idempotent
    child = Address(Chain.ETHEREUM, addr(7))
    sent = [contribution(replace(transfer(n, amount=10**18), to_address=child.value), parent=str(SEED)) for n in (2, 3)]
    repo.commit_expansion(case_id, Expansion(SEED, sent), 0, [(child, 1, 0.25), (child, 1, 0.5)])
    assert repo.pending_nodes(case_id) == [(child, 1, 0.5)]
    assert repo.node_count(case_id) == 2
    state = repo.node(case_id, SEED)
    assert state is not None and (state.pending, state.expansions, state.role) == (False, 1, "seed")
    assert sum(c.amount for c in repo.incoming(case_id, child)) == 2 * 10**18
    assert len(repo.theft_contributions(case_id)) == 1


def test_roles_only_get_stronger_and_depth_only_smaller(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    repo = store.trace_repository()
    node = Address(Chain.ETHEREUM, addr(9))
    stop = Endpoint(Chain.ETHEREUM, node.value, ETH, 5, EndpointStatus.UNSPENT, None, StopReason.UNSPENT)
    repo.commit_expansion(case_id, Expansion(node, endpoints=[stop, stop]), 4, [])
    repo.commit_expansion(case_id, Expansion(Address(Chain.ETHEREUM, addr(8))), 1, [(node, 2, 0.1)])
    [met] = [a for a in repo.addresses(case_id) if a.address == node.value]
    assert (met.role, met.depth) == (AddressRole.ENDPOINT, 2)
    assert [(e.amount, e.origin_amount) for e in repo.endpoints(case_id)] == [(10, 0)]  # one row per key, summed


def test_reopen_makes_a_done_node_pending_again(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    repo = store.trace_repository()
    repo.add_seed_node(case_id, SEED, [])
    repo.commit_expansion(case_id, Expansion(SEED), 0, [])
    assert repo.pending_nodes(case_id) == []
    assert repo.reopen(case_id, SEED) and repo.pending_nodes(case_id) == [(SEED, 0, 1.0)]
    assert not repo.reopen(case_id, Address(Chain.ETHEREUM, addr(99)))


def test_database_errors_are_store_errors(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'gone.db'}")
    case_id = store.create_case("c", CaseParameters(), [])
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE frontier"))
    with pytest.raises(StoreError):
        store.trace_repository().add_seed_node(case_id, SEED, [])


def test_migration_keeps_the_engines_frontier_rows_and_drops_the_per_asset_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(text("INSERT INTO cases (id, name, created_at, updated_at, parameters_json, label_versions_json, "
                          "tips_json, status) VALUES (1, 'c', '2025-02-21', '2025-02-21', '{}', '{}', '{}', 'running')"))
        state = json.dumps({"priority": 0.75, "expansions": 2})
        for address, asset, done in ((addr(1), "*", 0), (addr(2), "ETH", 0)):
            conn.execute(text("INSERT INTO frontier (case_id, chain, address, asset, origin, tainted_amount, hop, "
                              "state_json, done) VALUES (1, 'ethereum', :a, :asset, :asset, 0, 3, :s, :d)"),
                         {"a": address, "asset": asset, "s": state, "d": done})
    engine.dispose()
    store = Store.open(url)  # migrates to head
    repo = store.trace_repository()
    assert repo.pending_nodes(1) == [(Address(Chain.ETHEREUM, addr(1)), 3, 0.75)]
    state_after = repo.node(1, Address(Chain.ETHEREUM, addr(1)))
    assert state_after is not None and state_after.expansions == 2
