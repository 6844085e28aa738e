"""Case addresses (role precedence, min depth) and frontier semantics (add while pending, re-open when done)."""

from __future__ import annotations

from db.store import AddressRole, CaseAddress, FrontierItem, Store
from tests.db.dbdata import EXPLOITER, UINT256_MAX, addr
from tracer.model import CaseParameters, Chain

ETH_KEY = "ETH"
USDT_KEY = "USDT@0xdac17f958d2ee523a2206206994597c13d831ec7"


def item(address: str, amount: int, hop: int = 1, asset: str = ETH_KEY, **state: object) -> FrontierItem:
    return FrontierItem(chain=Chain.ETHEREUM, address=address, asset=asset, tainted_amount=amount, hop=hop,
                        state=state, origin="ETH")


def test_role_precedence_and_min_depth(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    store.upsert_address(case_id, Chain.ETHEREUM, addr(1), AddressRole.INTERMEDIATE, 3)
    store.upsert_address(case_id, Chain.ETHEREUM, addr(1), AddressRole.ENDPOINT, 5, cluster="binance-deposits")
    store.upsert_address(case_id, Chain.ETHEREUM, addr(1), "intermediate", 2)  # never downgrades the role
    store.upsert_address(case_id, Chain.ETHEREUM, EXPLOITER, AddressRole.INTERMEDIATE, 1)
    store.upsert_address(case_id, Chain.ETHEREUM, EXPLOITER, AddressRole.SEED, 0)
    store.mark_expanded(case_id, Chain.ETHEREUM, EXPLOITER)
    assert store.addresses(case_id) == [
        CaseAddress(Chain.ETHEREUM, EXPLOITER, AddressRole.SEED, 0, None, True),
        CaseAddress(Chain.ETHEREUM, addr(1), AddressRole.ENDPOINT, 2, "binance-deposits", False),
    ]


def test_pending_order_is_amount_desc_then_address(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    store.push_frontier(case_id, [item(addr(3), 5), item(addr(2), UINT256_MAX), item(addr(1), 5),
                                  item(addr(4), 10**18, asset=USDT_KEY)])
    assert [(i.address, i.tainted_amount) for i in store.pending_frontier(case_id)] == [
        (addr(2), UINT256_MAX), (addr(4), 10**18), (addr(1), 5), (addr(3), 5)]
    assert [i.address for i in store.pending_frontier(case_id, limit=2)] == [addr(2), addr(4)]


def test_pushing_a_pending_item_adds_the_amount(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    store.push_frontier(case_id, [item(addr(1), 7 * 10**18, hop=4, cursor="a", page=1)])
    store.push_frontier(case_id, [item(addr(1), 3 * 10**18, hop=2, page=2)])
    (pending,) = store.pending_frontier(case_id)
    assert pending.tainted_amount == 10 * 10**18
    assert pending.hop == 2
    assert pending.state == {"cursor": "a", "page": 2}


def test_pushing_a_done_item_reopens_it_with_the_new_amount_only(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    store.push_frontier(case_id, [item(addr(1), 7 * 10**18, hop=4, cursor="a")])
    assert store.complete_frontier(case_id, Chain.ETHEREUM, addr(1), ETH_KEY, "ETH") is True
    assert store.pending_frontier(case_id) == []
    assert store.frontier_counts(case_id) == (0, 1)
    store.push_frontier(case_id, [item(addr(1), 2 * 10**18, hop=6)])
    (reopened,) = store.pending_frontier(case_id)
    assert (reopened.tainted_amount, reopened.hop, dict(reopened.state)) == (2 * 10**18, 6, {})
    assert store.complete_frontier(case_id, Chain.ETHEREUM, addr(9), ETH_KEY, "ETH") is False


def test_frontier_is_per_case_and_per_asset(store: Store) -> None:
    one = store.create_case("one", CaseParameters(), [])
    two = store.create_case("two", CaseParameters(), [])
    store.push_frontier(one, [item(addr(1), 1), item(addr(1), 2, asset=USDT_KEY)])
    store.push_frontier(two, [item(addr(1), 3)])
    assert sorted(i.tainted_amount for i in store.pending_frontier(one)) == [1, 2]
    assert [i.tainted_amount for i in store.pending_frontier(two)] == [3]
