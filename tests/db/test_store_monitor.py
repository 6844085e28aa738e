"""Watchlist, monitoring cursors and alerts (natural-key dedup, delivery tracking)."""

from __future__ import annotations

from datetime import UTC, datetime

from db.store import MonitorCursor, Store, WatchEntry
from tests.db.dbdata import EXPLOITER, UINT256_MAX, USDT, addr, txh
from tracer.model import Alert, CaseParameters, Chain, Severity

BTC_ADDR = "bc1qlmngzl9gx8v5n0xvsj6x7w5mr7xtf3aeqqmfzd"


def alert(n: int, amount: int = 500 * 10**6, kind: str = "outgoing") -> Alert:
    return Alert(chain=Chain.ETHEREUM, address=EXPLOITER, tx_hash=txh(n), timestamp=datetime(2025, 3, 1, n, tzinfo=UTC),
                 kind=kind, amount=amount, asset=USDT, severity=Severity.HIGH, message=f"moved {amount} USDT")


def test_watchlist_add_list_remove(store: Store) -> None:
    case_id = store.create_case("bybit", CaseParameters(), [])
    assert store.add_watch(WatchEntry(Chain.ETHEREUM, EXPLOITER, note="Bybit exploiter")) is True
    assert store.add_watch(WatchEntry(Chain.ETHEREUM, EXPLOITER)) is False  # case-less entry found despite NULL
    assert store.add_watch(WatchEntry(Chain.ETHEREUM, EXPLOITER, case_id=case_id, origin="case")) is True
    assert store.add_watch(WatchEntry(Chain.BITCOIN, BTC_ADDR, case_id=case_id, origin="auto")) is True
    listed = store.watchlist()
    assert [(w.chain, w.address, w.case_id, w.note) for w in listed] == [
        (Chain.BITCOIN, BTC_ADDR, case_id, None),
        (Chain.ETHEREUM, EXPLOITER, None, "Bybit exploiter"),
        (Chain.ETHEREUM, EXPLOITER, case_id, None),
    ]
    assert all(w.added_at is not None and w.added_at.tzinfo for w in listed)
    assert [w.address for w in store.watchlist(case_id=case_id)] == [BTC_ADDR, EXPLOITER]
    assert store.remove_watch(Chain.ETHEREUM, EXPLOITER) is True
    assert store.remove_watch(Chain.ETHEREUM, EXPLOITER) is False
    assert len(store.watchlist()) == 2


def test_cursor_upsert(store: Store) -> None:
    assert store.get_cursor(Chain.ETHEREUM, EXPLOITER) is None
    store.set_cursor(Chain.ETHEREUM, EXPLOITER, 21_895_238, UINT256_MAX)
    store.set_cursor(Chain.ETHEREUM, EXPLOITER, 21_900_000)
    cursor = store.get_cursor(Chain.ETHEREUM, EXPLOITER)
    assert isinstance(cursor, MonitorCursor)
    assert (cursor.last_block, cursor.last_balance) == (21_900_000, None)
    assert store.get_cursor(Chain.ETHEREUM, addr(1)) is None


def test_alerts_dedup_and_delivery(store: Store) -> None:
    case_id = store.create_case("bybit", CaseParameters(), [])
    assert store.add_alert(alert(1), case_id) is True
    assert store.add_alert(alert(1), case_id) is False
    assert store.add_alert(alert(1, kind="balance_drop")) is True
    assert store.add_alert(alert(2, amount=UINT256_MAX), case_id) is True
    pending = store.undelivered_alerts()
    assert [a.alert for a in pending] == [alert(1), alert(1, kind="balance_drop"), alert(2, amount=UINT256_MAX)]
    store.mark_delivered([pending[0].id, pending[2].id])
    assert [a.alert.kind for a in store.undelivered_alerts()] == ["balance_drop"]
    for_case = store.alerts(case_id)
    assert [(a.alert.tx_hash, a.delivered) for a in for_case] == [(txh(1), True), (txh(2), True)]
    assert len(store.alerts()) == 3
