"""The monitor's cheap reads, over real loopback HTTP: TronGrid ``/v1/accounts/{a}`` states, and the chain-wide
Etherscan Transfer-log scan with its block paging and its one-block overflow fallback."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import requests

from chains.addresses import evm_from_bytes, tron_from_bytes
from chains.etherscan.client import EtherscanClient
from chains.etherscan.transfer_scan import token_senders
from chains.http import RetryPolicy
from chains.testing import HttpReply, HttpRequest, LoopbackServer
from chains.trongrid.accounts import NOT_ACTIVATED, AccountState
from chains.trongrid.client import TronGridClient
from chains.trongrid.parse import USDT_TRC20
from tracer.errors import BadResponse
from tracer.model import Chain
from tracer.sandbox.server.app import SandboxServer
from tracer.sandbox.world import BlockClock, EvmTx, TokenTransfer, World

USDT_ETH = "0xdac17f958d2ee523a2206206994597c13d831ec7"
USDC_TRC20 = "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8"
ACTIVE = "TVwEbgh1YUb9bmV8SfqYo4fsvJHWoz1EEp"
NEVER = "TK3NUQcgsF3La6sfVoQimck34bXVG1iMpj"
BROKEN = tron_from_bytes(b"\x01" * 20)


def _evm(name: str) -> str:
    return evm_from_bytes(hashlib.sha256(name.encode()).digest()[:20])


def _account_app(request: HttpRequest) -> HttpReply:
    """TronGrid's /v1/accounts/{a} envelope: an active account, a never-activated one, a malformed one."""
    meta = {"at": 1_737_000_000_000, "page_size": 1}
    if request.path.endswith(ACTIVE):
        return HttpReply.json({"data": [{
            "balance": 4_196_409_173,
            "create_time": 1_529_897_991_000, "latest_opration_time": 1_558_108_998_000,
            "trc20": [{USDT_TRC20: "1250000000"}, {USDC_TRC20: "0"}]}], "success": True, "meta": meta})
    if request.path.endswith(NEVER):
        return HttpReply.json({"data": [], "success": True, "meta": {**meta, "page_size": 0}})
    return HttpReply.json({"data": [{"balance": 5, "trc20": [{USDT_TRC20: "-3"}]}], "success": True, "meta": meta})


@pytest.fixture()
def trongrid() -> Iterator[TronGridClient]:
    with LoopbackServer(_account_app, name="trongrid-accounts") as server:
        yield TronGridClient(requests.Session(), server.url, rate=0,
                             retry=RetryPolicy(max_attempts=2, base_delay=0.0, cap=0.0), sleep=lambda _s: None)


def test_account_state_reads_trx_trc20_and_last_operation_in_one_request(trongrid: TronGridClient) -> None:
    state = trongrid.account_state(ACTIVE)
    assert state == AccountState(trx=4_196_409_173, tokens=((USDT_TRC20, 1_250_000_000),),
                                 last_operation_ms=1_558_108_998_000)
    assert trongrid.http.stats.requests == 1
    assert trongrid.account_state(NEVER) == NOT_ACTIVATED
    # the fingerprint moves with every part of the state, and only with it
    assert state.fingerprint() == AccountState(4_196_409_173, ((USDT_TRC20, 1_250_000_000),),
                                               1_558_108_998_000).fingerprint()
    for other in (AccountState(4_196_409_172, state.tokens, state.last_operation_ms),
                  AccountState(state.trx, ((USDT_TRC20, 1_249_999_999),), state.last_operation_ms),
                  AccountState(state.trx, state.tokens, 1_558_108_998_000 + 3000)):
        assert other.fingerprint() != state.fingerprint()


def test_a_malformed_account_is_refused_not_stored(trongrid: TronGridClient) -> None:
    with pytest.raises(BadResponse, match="trc20"):
        trongrid.account_state(BROKEN)


def test_transfer_scan_pages_by_block_and_reads_an_overfull_block_per_wallet() -> None:
    watched, other, quiet, sink = _evm("watched"), _evm("other"), _evm("quiet"), _evm("sink")
    crowded = EvmTx("0x" + "aa" * 32, 60, 0, other, USDT_ETH, 0, 0, 200_000, 150_000, 10**9, input="0x",
                    token_transfers=tuple(TokenTransfer(USDT_ETH, frm, sink, 10 + i, i)
                                          for i, frm in enumerate((other, other, watched))))
    later = EvmTx("0x" + "bb" * 32, 61, 0, _evm("spender"), USDT_ETH, 0, 0, 90_000, 52_000, 10**9, input="0x",
                  token_transfers=(TokenTransfer(USDT_ETH, watched, sink, 7, 0),))
    world = World(clocks={"ethereum": BlockClock(0, 1_700_000_000, 12)}, tips={"ethereum": (100,)},
                  evm_txs=(crowded, later))
    with SandboxServer(world) as server:
        client = EtherscanClient(requests.Session(), server.urls()["etherscan"], "key", rate=0, page_size=2)
        sent = token_senders(client, Chain.ETHEREUM, [watched.upper().replace("0X", "0x"), quiet], 1, 100)
        assert sent == {watched: 61}
        # 1..100 (full: block 60 held back), 60..100 (block 60 alone fills it), block 60 per watched wallet (2),
        # then 61..100
        assert client.http.stats.requests == 5
        assert token_senders(client, Chain.ETHEREUM, [quiet], 62, 100) == {}
