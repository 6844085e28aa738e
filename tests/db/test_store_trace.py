"""Transfers, edges, links and endpoints: exact uint256 round trips, idempotent re-inserts, stable order."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import EndpointRow, LinkRow, TraceEdgeRow, TransferRow
from db.store import Store
from tests.db.dbdata import ETH, EXPLOITER, STETH, UINT256_MAX, USDT, addr, edge, transfer, txh
from tracer.model import (
    CaseParameters,
    Category,
    Chain,
    Endpoint,
    EndpointStatus,
    Evidence,
    EvidenceClass,
    Link,
    LinkKind,
    StopReason,
    TransferFlag,
    TransferKind,
)

AMOUNTS = [0, 1, 2**255, UINT256_MAX]


def rows(store: Store, model: type) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize("amount", AMOUNTS)
def test_uint256_round_trip_transfers_edges_endpoints(store: Store, amount: int) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    t = transfer(7, amount, asset=USDT, kind=TransferKind.TOKEN, index=211, fee=UINT256_MAX - amount)
    ids = store.add_transfers([t])
    assert list(ids) == [t.id]
    assert store.add_transfers([t]) == ids  # same row id again
    e = edge(t, amount, origin="ETH", origin_amount=amount)
    store.add_edges(case_id, [e], spreads={t.id: amount})
    ep = Endpoint(chain=Chain.ETHEREUM, address=addr(7), asset=USDT, amount=amount, status=EndpointStatus.CASHED_OUT,
                  category=Category.EXCHANGE, reason=StopReason.LABELLED_SERVICE, service="Binance", hop=3,
                  confidence=0.9, origin="ETH", origin_amount=amount)
    store.add_endpoints(case_id, [ep])
    assert store.transfers_for_case(case_id) == [t]
    assert store.edges(case_id) == [e]
    assert store.edge_spreads(case_id) == {t.id: amount}
    assert store.endpoints(case_id) == [ep]


def test_transfer_fields_and_flags_survive(store: Store) -> None:
    poison = transfer(3, 0, asset=USDT, kind=TransferKind.TOKEN, index=5,
                      flags=frozenset({TransferFlag.ZERO_VALUE, TransferFlag.POISONING}))
    native = transfer(4, 15_000 * 10**18, fee=1_234_567_000_000_000)
    store.add_transfers([poison, native])
    case_id = store.create_case("c", CaseParameters(), [])
    store.add_edges(case_id, [edge(poison, 0), edge(native)])
    back = {t.id: t for t in store.transfers_for_case(case_id)}
    assert back[poison.id] == poison and back[native.id] == native
    assert back[native.id].timestamp.tzinfo is not None


def test_bulk_transfers_are_idempotent(store: Store) -> None:
    batch = [transfer(n, 10**18 + n, index=n % 3) for n in range(2500)]
    first = store.add_transfers(batch)
    second = store.add_transfers(batch[::-1] + batch[:10])  # re-insert, reordered, with duplicates
    assert len(first) == 2500 and first == second
    assert rows(store, TransferRow) == 2500


def test_edges_are_idempotent_and_ordered(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    a = transfer(10, block=100)
    b = transfer(11, block=90)
    c = transfer(12, block=90, asset=STETH, kind=TransferKind.TOKEN, index=3)
    hop2 = transfer(13, block=50, sender=addr(10))
    edges = [edge(hop2, hop=2), edge(a), edge(c), edge(b)]
    store.add_edges(case_id, edges)
    store.add_edges(case_id, edges)
    assert rows(store, TraceEdgeRow) == 4
    ordered = store.edges(case_id)
    assert [e.transfer.tx_hash for e in ordered] == [txh(11), txh(12), txh(10), txh(13)]
    assert ordered[0].parent == f"ethereum:{EXPLOITER}"


def test_edge_merge_add_accumulates_one_edge(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    t = transfer(20, 100 * 10**18)
    store.add_edges(case_id, [edge(t, 30 * 10**18)])
    store.add_edges(case_id, [edge(t, 5 * 10**18), edge(t, 1)], merge="add")
    (only,) = store.edges(case_id)
    assert only.tainted_amount == 35 * 10**18 + 1
    assert only.origin_amount == 35 * 10**18 + 1
    # Different origins of one transfer are distinct edges.
    store.add_edges(case_id, [edge(t, 7, origin="USDT@0xdac17f958d2ee523a2206206994597c13d831ec7")])
    assert len(store.edges(case_id)) == 2


def test_links_round_trip_and_idempotent(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    thor = Link(kind=LinkKind.BRIDGE, service="THORChain", from_chain=Chain.ETHEREUM, from_tx=txh(30),
                to_chain=Chain.BITCOIN, to_tx="b" * 64, to_address="bc1qlmngzl9gx8v5n0xvsj6x7w5mr7xtf3aeqqmfzd",
                evidence=Evidence(EvidenceClass.E2, "bridges.thorchain.midgard", 0.99, {"memo": "=:BTC.BTC:bc1q"}),
                from_asset="ETH", to_asset="BTC", amount_in=UINT256_MAX, amount_out=12_345_678)
    pending = Link(kind=LinkKind.INSTANT_EXCHANGE, service="eXch", from_chain=Chain.ETHEREUM, from_tx=txh(31),
                   to_chain=Chain.TRON, to_tx=None, to_address=None,
                   evidence=Evidence(EvidenceClass.E4, "instant.amount_time", 0.4))
    store.add_links(case_id, [thor, pending, thor])
    store.add_links(case_id, [pending])
    assert rows(store, LinkRow) == 2
    assert store.links(case_id) == [thor, pending]


def test_endpoints_upsert_replaces_the_amount(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    ep = Endpoint(chain=Chain.ETHEREUM, address=addr(40), asset=ETH, amount=5 * 10**18, status=EndpointStatus.UNSPENT,
                  category=None, reason=StopReason.UNSPENT)
    store.add_endpoints(case_id, [ep])
    grown = Endpoint(chain=Chain.ETHEREUM, address=addr(40), asset=ETH, amount=8 * 10**18,
                     status=EndpointStatus.UNSPENT, category=None, reason=StopReason.UNSPENT, hop=4)
    store.add_endpoints(case_id, [grown])
    store.add_endpoints(case_id, [grown])
    assert store.endpoints(case_id) == [grown]
    assert rows(store, EndpointRow) == 1
    other_reason = Endpoint(chain=Chain.ETHEREUM, address=addr(40), asset=ETH, amount=1,
                            status=EndpointStatus.DARK, category=None, reason=StopReason.HOP_LIMIT)
    store.add_endpoints(case_id, [other_reason])
    assert len(store.endpoints(case_id)) == 2
