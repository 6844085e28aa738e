"""TronGrid adapter over real loopback HTTP: fingerprint paging, 403 bans, hex addresses, token flags."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from chains.base import ChainAdapter
from chains.http import RetryPolicy
from chains.testing import FixtureServer, HttpReply, HttpRequest, LoopbackServer, MemoryArchive
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from chains.trongrid.parse import USDT_TRC20, estimate_block, native_transfer, timestamp_window, tron_address
from tests.chains.contract import AdapterContract, ContractCase, TransactionContract
from tracer.errors import ApiRejected, RateLimited
from tracer.model import Direction, TransferFlag, TransferKind

SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "trongrid" / "fingerprint_paging"
A = "TVwEbgh1YUb9bmV8SfqYo4fsvJHWoz1EEp"
OUT_TX = "4aea33ed05f6795f0c24614c0925583341030b81d8640bfb9b125c66780f730d"
TRX_TX = "d104a59070573b51fc73c33b28c34a389e50c2cdb7bd4949e78f6584bd1710a2"
UNKNOWN_TX = "b23a6a8439c0dde5515893e7c90c1e3233b8616e634470f20dc4928bcf3609bc"
TIP = (69_012_345, 1_737_000_000_000)
BAN = {"success": False, "statusCode": 403,
       "error": "The key exceeds the frequency limit(15), and the query server is suspended for 30s"}


def make_adapter(url: str, *, api_key: str | None = None, sleeps: list[float] | None = None,
                 attempts: int = 3) -> TronGridAdapter:
    client = TronGridClient(requests.Session(), url, api_key, rate=0, ban_wait=0.01,
                            retry=RetryPolicy(max_attempts=attempts, base_delay=0.0, cap=1.0),
                            sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return TronGridAdapter(client)


SERVED = SCENARIO  # the folder tests/chains/conftest.py serves over loopback for this module


class TestTronGridContract(TransactionContract, AdapterContract):
    @pytest.fixture
    def adapter(self, server: FixtureServer) -> ChainAdapter:
        return make_adapter(server.url)

    @pytest.fixture
    def case(self) -> ContractCase:
        return ContractCase(
            address=A,
            expected_ids=[f"tron:{OUT_TX}:token:0"], exact=False,
            unknown_address="TK3NUQcgsF3La6sfVoQimck34bXVG1iMpj", window=(68_990_100, 68_990_400),
            tx_hash=OUT_TX, unknown_tx_hash=UNKNOWN_TX,
        )

    @pytest.fixture
    def failing_adapter(self) -> Iterator[ChainAdapter]:
        with FixtureServer(responder=lambda *a: {"request": {}, "response": {"status": 403, "body": BAN}}) as srv:
            yield make_adapter(srv.url, attempts=2)


def test_history_over_fingerprint_pages(server: FixtureServer) -> None:
    transfers = list(make_adapter(server.url).transfers_of(A))
    native_pages = [r for r in server.requests if r.startswith(f"GET_v1_accounts_{A}_transactions_")]
    assert len(native_pages) == 3  # 5 items in pages of 2, chained by fingerprint
    assert any("fingerprint-transactionsFP2" in r for r in native_pages)
    kinds = [(t.kind, t.amount) for t in transfers]
    assert kinds.count((TransferKind.NATIVE, 1_500_000_000)) == 1
    assert len([t for t in transfers if t.kind is TransferKind.NATIVE]) == 4  # the USDT call moves no TRX
    assert len([t for t in transfers if t.kind is TransferKind.TOKEN]) == 5  # the Approval item is skipped
    assert all(t.from_address is None or t.from_address.startswith("T") for t in transfers)
    by_flags = {t.id: t.flags for t in transfers}
    assert sum(1 for f in by_flags.values() if TransferFlag.FAILED in f) == 1
    assert sum(1 for f in by_flags.values() if TransferFlag.FAKE_TOKEN in f) == 1
    assert sum(1 for f in by_flags.values() if TransferFlag.ZERO_VALUE in f) == 1
    usdt = [t for t in transfers if t.asset.contract == USDT_TRC20]
    assert all(t.asset.symbol == "USDT" and t.asset.decimals == 6 for t in usdt)
    out = next(t for t in transfers if t.tx_hash == OUT_TX)
    assert out.block_number == 68_990_200 and out.amount == 10_000_000_000  # exact block from the native listing
    first = next(t for t in transfers if t.amount == 25_000_000_000 and not t.flags)
    assert first.block_number == 68_990_100  # estimated from the nearest native anchor (3 s slots)


def test_direction_uses_only_to_and_only_from(server: FixtureServer) -> None:
    adapter = make_adapter(server.url)
    incoming = list(adapter.transfers_of(A, direction=Direction.IN))
    assert {t.amount for t in incoming} == {1_500_000_000, 300_000_000, 25_000_000_000, 5_000_000}
    assert all("only_to-true" in r for r in server.requests)


def test_transaction_lookup(server: FixtureServer) -> None:
    tx = make_adapter(server.url).transaction("0x" + OUT_TX.upper())
    assert tx is not None and tx.block_number == 68_990_200 and tx.fee == 13_844_850 and tx.success
    (token,) = tx.transfers
    assert token.index == 0 and token.from_address == A and token.asset.symbol == "USDT"
    assert tx.to_address == USDT_TRC20
    assert not any("gettransactioninfobyid" in r for r in server.requests)  # the events gave the block


def test_plain_trx_lookup_needs_the_info_call(server: FixtureServer) -> None:
    tx = make_adapter(server.url).transaction(TRX_TX)
    assert tx is not None and tx.block_number == 68_990_120 and tx.fee == 1_100_000
    (trx,) = tx.transfers
    assert trx.kind is TransferKind.NATIVE and trx.amount == 200_000_000 and trx.index == -1
    assert trx.from_address == A


def test_403_ban_then_ok_waits_the_ban(server: FixtureServer) -> None:
    calls: list[str] = []

    def responder(method: str, path: str, query: Any, body: Any) -> dict[str, Any] | None:
        calls.append(path)
        return {"request": {}, "response": {"status": 403, "body": BAN}} if len(calls) == 1 else None

    sleeps: list[float] = []
    with FixtureServer(SCENARIO, responder=responder) as srv:
        assert make_adapter(srv.url, sleeps=sleeps).latest_block() == TIP[0]
    assert sleeps == [0.01]  # the injectable ban wait, 30 s in production
    assert calls == ["/wallet/getnowblock"] * 2


def test_persistent_ban_is_rate_limited() -> None:
    with FixtureServer(responder=lambda *a: {"request": {}, "response": {"status": 403, "body": BAN}}) as srv:
        with pytest.raises(RateLimited) as info:
            make_adapter(srv.url, attempts=2).latest_block()
    assert info.value.retry_after == 0.01


def test_success_false_is_rejected() -> None:
    body = {"success": False, "error": "account address is invalid", "statusCode": 400}
    with FixtureServer(responder=lambda *a: {"request": {}, "response": {"status": 200, "body": body}}) as srv:
        with pytest.raises(ApiRejected):
            list(make_adapter(srv.url).transfers_of(A))


def test_api_key_only_in_header(caplog: pytest.LogCaptureFixture) -> None:
    nowblock = json.loads((SCENARIO / "GET_wallet_getnowblock.json").read_text())["response"]["body"]
    keys_sent: list[str | None] = []

    def trongrid(request: HttpRequest) -> HttpReply:
        keys_sent.append(request.headers.get("tron-pro-api-key"))
        return HttpReply.json(nowblock) if request.path == "/wallet/getnowblock" else HttpReply.json({}, 404)

    archive = MemoryArchive()
    caplog.set_level(logging.DEBUG)
    with LoopbackServer(trongrid) as server:
        client = TronGridClient(requests.Session(), server.url, "sekret-123", rate=0, archive=archive)
        assert client.now_block() == TIP
        keyless = TronGridClient(requests.Session(), server.url, rate=0)
        assert keyless.now_block() == TIP
    assert keys_sent == ["sekret-123", None]
    assert archive.rows and all("sekret" not in k for k in archive.rows)
    assert "sekret" not in caplog.text
    assert "TRON-PRO-API-KEY" not in keyless.http.headers


def test_hex_and_event_addresses_normalise() -> None:
    assert tron_address("41a614f803b6fd780986a42c78ec9c7f77e6ded13c") == USDT_TRC20
    assert tron_address("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c") == USDT_TRC20
    assert tron_address(USDT_TRC20) == USDT_TRC20


def test_failed_and_call_value_natives() -> None:
    tx: Any = {"txID": "AB" * 32, "ret": [{"contractRet": "OUT_OF_ENERGY"}], "raw_data": {"contract": [
        {"type": "TriggerSmartContract", "parameter": {"value": {
            "owner_address": "41a614f803b6fd780986a42c78ec9c7f77e6ded13c", "call_value": 5,
            "contract_address": "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"}}}]}}
    t = native_transfer(tx, 1, 1_700_000_000_000)  # a real time: 1970 is refused now
    assert t is not None and t.amount == 5 and t.flags == {TransferFlag.FAILED} and t.tx_hash == "ab" * 32


def test_block_estimates_and_window() -> None:
    assert estimate_block(TIP[1] - 3000 * 10, TIP) == TIP[0] - 10
    assert estimate_block(TIP[1] - 3000 * 10 - 1400, TIP) == TIP[0] - 10  # rounds to the nearest slot
    lo, hi = timestamp_window(TIP, TIP[0] - 100, TIP[0] - 10)
    assert hi == TIP[1] - 9 * 3000
    assert lo == TIP[1] - 100 * 3000 - 3_600_000


def test_usdt_issuer_freezes(server: FixtureServer) -> None:
    freezes = make_adapter(server.url).usdt_freezes()
    assert [(f.frozen, f.block_number) for f in freezes] == [
        (True, 68_990_000), (True, 68_990_001), (True, 68_990_700), (False, 68_990_800)]
    assert freezes[2].address == A
    assert any("fingerprint-" in r for r in server.requests)  # the AddedBlackList listing spans two pages


def test_balances(server: FixtureServer) -> None:
    nobody = "TK3NUQcgsF3La6sfVoQimck34bXVG1iMpj"
    assert make_adapter(server.url).balances([A, nobody]) == {A: 1_598_900_000, nobody: 0}
