"""Midgard client and resolver over real loopback HTTP: ETH->BTC streaming swap, refund, paging, archive."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from chains.http import RetryPolicy
from chains.midgard.client import MidgardClient, thornode_txid
from chains.midgard.parse import action_to_bridge_action, asset_chain, canonical_txid
from chains.midgard.resolver import MidgardResolver
from chains.testing import FixtureServer
from db.archive import SqlResponseArchive
from db.base import Base
from db.models import ApiResponseRow
from db.session import make_engine
from tracer.errors import BadResponse
from tracer.model import Chain

SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "midgard" / "thorchain_actions"
SENDER = "0x85b0bfceeb6d2163cdd29cca657af1c4d8010c70"
BTC_TO = "bc1qqk53xfa9t3fw432jj2462zygaq4wyd78cavj9x"
SWAP_IN = "A9D11DC0E148992F1E51F4B04AB35B0E90022D9077C2C2FCFF9A1199EDD6EB25"
SWAP_OUT = "CB84CE7EC0F6C236ED626989D300F492DCBD44D2E31990013DBA7345DD20C6A9"
REFUND_IN = "B15E89A3CFA855EBCE8808183B14ED579FB882EFA4A1F90061AF48262DC5CAD0"
PENDING_IN = "9E776A6F9FD09DAC4085EB7ED152BAD58C8F79715D934A9DD4F7A03DFABA0CDA"


SERVED = SCENARIO  # the folder tests/chains/conftest.py serves over loopback for this module


def sql_archive(directory: Path) -> SqlResponseArchive:
    """The real SQL response archive on a fresh SQLite file."""
    engine = make_engine(f"sqlite:///{directory / 'archive.db'}")
    Base.metadata.create_all(engine)
    return SqlResponseArchive(engine)


def immutable_keys(archive: SqlResponseArchive) -> list[str]:
    """Request keys the archive holds as immutable."""
    with archive._store.session() as s:
        return list(s.scalars(select(ApiResponseRow.request_key).where(ApiResponseRow.immutable.is_(True))))


def client(url: str, archive: SqlResponseArchive | None = None) -> MidgardClient:
    return MidgardClient(requests.Session(), url, rate=0, archive=archive,
                         retry=RetryPolicy(max_attempts=2, base_delay=0.0, cap=0.0), sleep=lambda s: None)


def test_streaming_swap_eth_to_btc_by_eth_hash_in_any_form(server: FixtureServer) -> None:
    resolver = MidgardResolver(client(server.url))
    for form in ("0x" + SWAP_IN.lower(), SWAP_IN, SWAP_IN.lower(), "0X" + SWAP_IN):
        actions = resolver.actions_for_tx(Chain.ETHEREUM, form)
        assert len(actions) == 1
    assert set(server.requests) == {f"GET_v2_actions__txid-{SWAP_IN}.json"}  # always upper-case, no 0x
    swap = actions[0]
    assert (swap.protocol, swap.action_type, swap.status, swap.height) == ("thorchain", "swap", "success", 19893456)
    assert swap.timestamp.isoformat() == "2025-02-24T00:00:00+00:00"
    (leg_in,) = swap.inputs
    assert leg_in.chain is Chain.ETHEREUM and leg_in.tx_hash == "0x" + SWAP_IN.lower()
    assert leg_in.address == SENDER and leg_in.asset == "ETH.ETH" and leg_in.amount_e8 == 5_000_000_000  # 50 ETH
    btc, rune = swap.outputs
    assert btc.chain is Chain.BITCOIN and btc.tx_hash == SWAP_OUT.lower() and btc.address == BTC_TO
    assert btc.amount_e8 == 161_803_398
    assert rune.chain is None and rune.tx_hash is None and rune.asset == "THOR.RUNE"
    assert swap.memo is not None and swap.memo.startswith("=:BTC.BTC:" + BTC_TO)


def test_lookup_by_btc_outbound(server: FixtureServer) -> None:
    resolver = MidgardResolver(client(server.url))
    actions = resolver.actions_for_tx(Chain.BITCOIN, SWAP_OUT.lower())
    assert [a.inputs[0].tx_hash for a in actions] == ["0x" + SWAP_IN.lower()]
    assert resolver.actions_for_tx(Chain.ETHEREUM, SWAP_OUT) == []  # that hash is not an Ethereum leg


def test_refund_returns_tokens_to_sender(server: FixtureServer) -> None:
    (refund,) = MidgardResolver(client(server.url)).actions_for_tx(Chain.ETHEREUM, "0x" + REFUND_IN.lower())
    assert refund.action_type == "refund" and refund.status == "success"
    assert refund.inputs[0].asset == refund.outputs[0].asset == "ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7"
    assert refund.outputs[0].address == SENDER and refund.outputs[0].chain is Chain.ETHEREUM
    assert refund.inputs[0].amount_e8 - refund.outputs[0].amount_e8 == 150_000_000
    assert refund.memo is not None and refund.memo.startswith("=:BTC.BTC:")


def test_unknown_hash_gives_nothing(server: FixtureServer) -> None:
    unknown = "b23a6a8439c0dde5515893e7c90c1e3233b8616e634470f20dc4928bcf3609bc"
    assert MidgardResolver(client(server.url)).actions_for_tx(Chain.ETHEREUM, unknown) == []


def test_address_listing_follows_next_page_token(server: FixtureServer) -> None:
    raw = list(client(server.url).actions(address=SENDER, limit=2))
    assert [(a["type"], a["status"]) for a in raw] == [("swap", "pending"), ("refund", "success"), ("swap", "success")]
    assert len(server.requests) == 2 and "nextPageToken-" in server.requests[1]
    pending = action_to_bridge_action(raw[0])
    assert pending.outputs == () and pending.status == "pending"


def test_finished_actions_come_from_the_archive_pending_do_not(server: FixtureServer, tmp_path: Path) -> None:
    archive = sql_archive(tmp_path)
    MidgardResolver(client(server.url, archive)).actions_for_tx(Chain.ETHEREUM, SWAP_IN)
    MidgardResolver(client(server.url, archive)).actions_for_tx(Chain.ETHEREUM, PENDING_IN)
    assert immutable_keys(archive) == [f"GET http://127.0.0.1:{server.url.rsplit(':', 1)[1]}/v2/actions?txid={SWAP_IN}"]
    again = client(server.url, archive)
    before = len(server.requests)
    assert MidgardResolver(again).actions_for_tx(Chain.ETHEREUM, SWAP_IN)
    assert MidgardResolver(again).actions_for_tx(Chain.ETHEREUM, PENDING_IN)
    assert len(server.requests) - before == 1  # only the pending swap is asked again
    assert again.http.stats.archive_hits == 1


def test_asset_chains_and_txid_forms() -> None:
    assert [asset_chain(a) for a in ("ETH.ETH", "BTC.BTC", "BSC.BNB", "AVAX.AVAX", "BASE.ETH", "TRON.TRX",
                                     "THOR.RUNE", "BTC/BTC", "LTC.LTC")] == [
        Chain.ETHEREUM, Chain.BITCOIN, Chain.BSC, Chain.AVALANCHE, Chain.BASE, Chain.TRON, None, None, None]
    assert canonical_txid(Chain.ETHEREUM, "ABCDEF") == "0xabcdef"
    assert canonical_txid(Chain.BITCOIN, "0xABCDEF") == "abcdef"
    assert canonical_txid(Chain.BITCOIN, "0" * 64) is None
    assert thornode_txid(" 0xabc ") == "ABC"


def test_malformed_action_is_bad_response() -> None:
    with pytest.raises(BadResponse):
        action_to_bridge_action({"type": "swap", "status": "success", "height": "x", "date": "1"})
