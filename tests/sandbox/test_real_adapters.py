"""The project's real chain adapters, unchanged, against the sandbox (only base URLs differ)."""

from __future__ import annotations

import pytest
import requests

from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.etherscan.adapter import EtherscanAdapter
from chains.etherscan.client import EtherscanClient
from chains.midgard.client import MidgardClient
from chains.midgard.resolver import MidgardResolver
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from tests.sandbox.helpers import label_of
from tracer.model import Chain, TransferKind
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import ETHEREUM, TRON, World


@pytest.fixture()
def session() -> requests.Session:
    """A plain session (the adapters' HttpClient does the rest)."""
    return requests.Session()


def test_etherscan_adapter(server: SandboxServer, session: requests.Session, truth: Truth, world: World,
                           labels: tuple[LabelRow, ...]) -> None:
    eth = EtherscanAdapter(EtherscanClient(session, server.urls()["etherscan"], rate=1_000), Chain.ETHEREUM)
    assert eth.latest_block() == world.tip(ETHEREUM, 1)
    theft = eth.transaction(truth.theft_txs[0])
    assert theft is not None
    kinds = {(t.kind, t.to_address, t.amount) for t in theft.transfers}
    assert (TransferKind.INTERNAL, truth.exploiter, 3_600 * 10**18) in kinds
    hot = label_of(labels, ETHEREUM, "Exchange X: Hot Wallet")
    rows = list(eth.transfers_of(hot))
    assert len(rows) == sum(1 for t in world.index.evm_by_addr[hot] if t.block <= world.tip(ETHEREUM, 1)) > 1000


def test_esplora_adapter_and_midgard_resolver(server: SandboxServer, session: requests.Session,
                                              truth: Truth) -> None:
    pair = next(p for p in truth.cross_chain if p.kind == "bridge")
    mg = MidgardResolver(MidgardClient(session, server.urls()["midgard"], rate=1_000))
    actions = mg.actions_for_tx(Chain.ETHEREUM, pair.from_tx)
    assert [o.tx_hash for o in actions[0].outputs] == [pair.to_tx]
    esp = EsploraAdapter(EsploraClient(session, server.urls()["esplora"], rate=1_000))
    tx = esp.transaction(pair.to_tx)
    assert tx is not None and tx.outputs[2].op_return == f"OUT:{pair.from_tx[2:].upper()}".encode()
    assert esp.outspends(pair.to_tx)[0].spent


def test_trongrid_adapter(server: SandboxServer, session: requests.Session, truth: Truth, world: World) -> None:
    tg = TronGridAdapter(TronGridClient(session, server.urls()["trongrid"], rate=1_000))
    assert tg.latest_block() == world.tip(TRON, 1)
    frozen = next(e for e in truth.exits if e.status == "frozen")
    assert [f.address for f in tg.usdt_freezes()] == [frozen.address]
    pair = next(p for p in truth.cross_chain if p.kind == "instant_exchange")
    tx = tg.transaction(pair.to_tx)
    assert tx is not None and tx.transfers[0].amount == world.index.tron_by_id[pair.to_tx].trc20[0].value
