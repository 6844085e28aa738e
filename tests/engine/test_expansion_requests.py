"""Expansions ask Esplora only what they need (issue 16), over a real Esplora on loopback HTTP.

Post-mix following reads only the spends that can re-link.
A round of 5 wallets and 10 equal outputs: one later transaction consolidates three of them (the launderer's
post-mix coins), three others are spent alone, four stay unspent. Only the consolidation can re-link (CIOH needs
two of the round's coins), so it is the only spend fetched; the links and contributions are what reading every
spend gave.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from db.records import Expansion
from tests.chains.tiny_esplora import TinyEsplora, Tx, address, txid
from tracer.engine.bridges import _payout_transfer
from tracer.engine.context import TraceContext
from tracer.engine.ports import TraceServices
from tracer.engine.postmix import follow_round
from tracer.labels.index import LabelIndex
from tracer.model import Address, CaseParameters, Chain, LinkKind

COIN = 1_000_000
WALLETS = [address(f"wallet{i}") for i in range(5)]
LAUNDERER = WALLETS[0]
ROUND = Tx(txid("round"), 200, tuple((txid(f"prev{i}"), 0, w, 2 * COIN + 500) for i, w in enumerate(WALLETS)),
           tuple((address(f"post{n}"), COIN) for n in range(10)))
CONSOLIDATION = Tx(txid("consolidate"), 205, tuple((ROUND.txid, n, address(f"post{n}"), COIN) for n in (0, 1, 2)),
                   ((address("exit"), 3 * COIN - 900),))
SINGLES = [Tx(txid(f"single{n}"), 206, ((ROUND.txid, n, address(f"post{n}"), COIN),),
              ((address(f"shop{n}"), COIN - 300),)) for n in (3, 4, 5)]
FINAL = 300


@pytest.fixture
def esplora() -> Iterator[TinyEsplora]:
    server = TinyEsplora([ROUND, CONSOLIDATION, *SINGLES], tip=310)
    yield server
    server.stop()


def test_only_spends_of_two_or_more_round_outputs_are_fetched(esplora: TinyEsplora) -> None:
    adapter = EsploraAdapter(EsploraClient(requests.Session(), esplora.url, rate=0))
    ctx = TraceContext(1, CaseParameters(), TraceServices({Chain.BITCOIN: adapter}, LabelIndex([])),
                       final_blocks={Chain.BITCOIN: FINAL})
    round_tx = adapter.transaction(ROUND.txid, final_block=FINAL)
    assert round_tx is not None
    node = Address(Chain.BITCOIN, LAUNDERER)
    exp = Expansion(node)
    follow_round(ctx, node, 3, round_tx, {"BTC": (2 * COIN, 2 * COIN)}, 1.0, exp)

    assert esplora.counts["/tx/:id/outspends"] == 1
    assert esplora.counts["/tx/:id"] == 2  # the round itself, then the consolidation only (not the 3 singles)
    [link] = exp.links
    assert link.kind is LinkKind.MIXER and link.to_tx == CONSOLIDATION.txid
    assert {c.transfer.tx_hash for c in exp.contributions} == {CONSOLIDATION.txid}
    # the launderer put in 1/5 of the round: 1/5 of the 3 coins taken out is credited to it
    assert link.amount_out == 3 * COIN // 5
    assert sum(c.amount for c in exp.contributions) <= 2 * COIN

    # a second traced input of the same round reads the same answers again without a request
    other = Address(Chain.BITCOIN, WALLETS[1])
    follow_round(ctx, other, 3, round_tx, {"BTC": (COIN, COIN)}, 1.0, Expansion(other))
    assert esplora.counts["/tx/:id/outspends"] == 1 and esplora.counts["/tx/:id"] == 2


def test_a_bridge_payout_costs_no_request_of_its_own(esplora: TinyEsplora) -> None:
    """The payout is read from its recipient's newest page, which that recipient's expansion reads next."""
    adapter = EsploraAdapter(EsploraClient(requests.Session(), esplora.url, rate=0))
    ctx = TraceContext(1, CaseParameters(), TraceServices({Chain.BITCOIN: adapter}, LabelIndex([])),
                       final_blocks={Chain.BITCOIN: FINAL})
    recipient = address("exit")
    payout = _payout_transfer(ctx, Chain.BITCOIN, CONSOLIDATION.txid, recipient)
    assert payout is not None and payout.to_address == recipient and payout.amount == 3 * COIN - 900
    history = list(adapter.transactions_of(recipient, until_block=FINAL, final_block=FINAL))
    assert [t.tx_hash for t in history] == [CONSOLIDATION.txid]
    assert esplora.counts == {"/address/:a/txs/chain": 1}  # before: one /tx/:id and the page
