"""No redundant Esplora request (issue 16): exact request counts per route over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.http import RetryPolicy
from tests.chains.tiny_esplora import TinyEsplora, Tx, address, txid

ALICE, BOB, CAROL = address("alice"), address("bob"), address("carol")
FUND = Tx(txid("fund"), 100, ((txid("coinbase"), 0, CAROL, 90_000),), ((ALICE, 50_000), (CAROL, 39_000)))
SPEND = Tx(txid("spend"), 105, ((FUND.txid, 0, ALICE, 50_000),), ((BOB, 30_000), (ALICE, 19_000)))
RECENT = Tx(txid("recent"), 119, ((SPEND.txid, 1, ALICE, 19_000),), ((BOB, 18_000),))
ELSEWHERE = Tx(txid("elsewhere"), 101, ((txid("other"), 0, CAROL, 10_000),), ((CAROL, 9_000),))
FINAL = 110  # the case's pinned final block: FUND and SPEND are buried below it, RECENT is not


@pytest.fixture
def esplora() -> Iterator[TinyEsplora]:
    server = TinyEsplora([FUND, SPEND, RECENT, ELSEWHERE], tip=120)
    yield server
    server.stop()


def adapter(server: TinyEsplora) -> EsploraAdapter:
    client = EsploraClient(requests.Session(), server.url, rate=0, retry=RetryPolicy(max_attempts=2, base_delay=0),
                           sleep=lambda s: None)
    return EsploraAdapter(client)


def test_a_transaction_seen_on_an_address_page_costs_no_request(esplora: TinyEsplora) -> None:
    es = adapter(esplora)
    history = {t.tx_hash: t for t in es.transactions_of(ALICE, until_block=FINAL, final_block=FINAL)}
    assert set(history) == {FUND.txid, SPEND.txid}
    assert esplora.counts == {"/address/:a/txs/chain": 1}
    assert es.transaction(SPEND.txid, final_block=FINAL) == history[SPEND.txid]
    assert es.transaction("0x" + FUND.txid.upper(), final_block=FINAL) == history[FUND.txid]
    assert esplora.counts["/tx/:id"] == 0  # both were on the page, buried below the final block
    # on the page too, but above the final block (a reorg could still drop it): asked for
    recent = es.transaction(RECENT.txid, final_block=FINAL)
    assert recent is not None and recent.block_number == 119
    assert esplora.counts["/tx/:id"] == 1


def test_a_fetched_transaction_is_fetched_once(esplora: TinyEsplora) -> None:
    es = adapter(esplora)  # no archive: before issue 16 every call was a request
    first = es.transaction(ELSEWHERE.txid, final_block=FINAL)
    assert first is not None and es.transaction(ELSEWHERE.txid, final_block=FINAL) == first
    assert esplora.counts["/tx/:id"] == 1
    assert es.transaction(txid("unknown"), final_block=FINAL) is None
    assert es.transaction(txid("unknown"), final_block=FINAL) is None  # a 404 is not remembered: asked again
    assert esplora.counts["/tx/:id"] == 3


def test_outspends_are_asked_once_per_final_block(esplora: TinyEsplora) -> None:
    es = adapter(esplora)
    first = es.outspends(FUND.txid, final_block=FINAL)
    assert [(s.spent, s.tx_hash) for s in first] == [(True, SPEND.txid), (False, None)]
    assert es.outspends(FUND.txid, final_block=FINAL) == first  # a second traced input of the same round
    assert esplora.counts["/tx/:id/outspends"] == 1
    # the monitor asks about the moving tip: never answered from memory
    assert es.outspends(FUND.txid) == first and es.outspends(FUND.txid) == first
    assert esplora.counts["/tx/:id/outspends"] == 3


def test_the_memo_is_bounded(esplora: TinyEsplora) -> None:
    es = EsploraAdapter(EsploraClient(requests.Session(), esplora.url, rate=0), memo_limit=1)
    list(es.transactions_of(ALICE, until_block=FINAL, final_block=FINAL))  # newest first: SPEND, then FUND
    assert es.transaction(FUND.txid, final_block=FINAL) is not None
    assert esplora.counts["/tx/:id"] == 0  # the last one seen is kept
    assert es.transaction(SPEND.txid, final_block=FINAL) is not None
    assert esplora.counts["/tx/:id"] == 1  # the older one was dropped: asked for


def test_a_payout_is_read_from_the_page_its_recipient_is_expanded_from(esplora: TinyEsplora) -> None:
    es = adapter(esplora)
    payout = es.transaction_paying(SPEND.txid, BOB, final_block=FINAL)  # a bridge pays BOB in SPEND
    assert payout is not None and payout.tx_hash == SPEND.txid
    assert esplora.counts == {"/address/:a/txs/chain": 1}  # BOB's newest page, no /tx/:id
    history = list(es.transactions_of(BOB, until_block=FINAL, final_block=FINAL))  # BOB's expansion, next
    assert [t.tx_hash for t in history] == [SPEND.txid] and history[0] == payout
    assert esplora.counts == {"/address/:a/txs/chain": 1}  # the same page, not asked again
    assert es.transaction(SPEND.txid, final_block=FINAL) == payout and esplora.counts["/tx/:id"] == 0


def test_a_payout_not_on_the_newest_page_is_fetched_alone() -> None:
    busy = address("busy")
    old = Tx(txid("old payout"), 100, ((txid("bridge vault"), 0, CAROL, 80_000),), ((busy, 70_000),))
    newer = [Tx(txid(f"deposit{n}"), 101 + n % 8, ((txid(f"user{n}"), 0, ALICE, 5_000),), ((busy, 4_000),))
             for n in range(30)]
    server = TinyEsplora([old, *newer], tip=120)
    try:
        es = adapter(server)
        assert es.transaction_paying(old.txid, busy, final_block=FINAL) is not None
        assert server.counts == {"/address/:a/txs/chain": 1, "/tx/:id": 1}
        assert es.transaction_paying(old.txid, busy, final_block=FINAL) is not None  # remembered since
        assert es.transaction_paying(txid("deposit3"), busy, final_block=FINAL) is not None  # on the kept page
        assert server.counts == {"/address/:a/txs/chain": 1, "/tx/:id": 1}
        # a live question (no final block): the tx alone, nothing kept
        assert adapter(server).transaction_paying(old.txid, busy) is not None
        assert server.counts == {"/address/:a/txs/chain": 1, "/tx/:id": 2}
    finally:
        server.stop()


def test_a_payout_to_an_address_too_large_to_list_is_fetched_alone() -> None:
    server = TinyEsplora([FUND, SPEND], tip=120, too_large=frozenset({BOB}))
    try:
        payout = adapter(server).transaction_paying(SPEND.txid, BOB, final_block=FINAL)
        assert payout is not None and payout.tx_hash == SPEND.txid
        assert server.counts == {"/address/:a/txs/chain": 1, "/tx/:id": 1}
    finally:
        server.stop()
