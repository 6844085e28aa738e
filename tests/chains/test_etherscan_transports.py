"""Retry sequences (ScriptedTransport), archive re-runs, batching, and the fixture/recording transports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from chains.etherscan import EtherscanAdapter, EtherscanClient
from chains.http import RetryPolicy
from chains.testing import (
    FixtureMissing,
    FixtureTransport,
    MemoryArchive,
    RecordingTransport,
    ScriptedResponse,
    ScriptedTransport,
    fixture_key,
    fixture_session,
    session_with,
)
from chains.testing.etherscan import EtherscanSimulator
from tests.chains.conftest import ETHERSCAN_FIXTURES, EtherscanFactory, no_sleep
from tracer.errors import ChainUnavailable, RateLimited
from tracer.model import Chain

HOP1 = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
EMPTY = {"status": "0", "message": "No transactions found", "result": []}
ROW = {"blockNumber": "21895319", "timeStamp": "1740148187", "hash": "0x" + "dd" * 32, "from": HOP1,
       "to": "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e", "value": "1000000000000000000", "isError": "0"}


def scripted_adapter(script: list[ScriptedResponse | BaseException], **kw: object) -> tuple[EtherscanAdapter,
                                                                                              ScriptedTransport]:
    transport = ScriptedTransport(script)
    client = EtherscanClient(session_with(transport), "https://api.etherscan.io/v2/api", api_key="SECRET", rate=0,
                             page_size=5, retry=RetryPolicy(max_attempts=3, base_delay=0.0), sleep=no_sleep,
                             **kw)  # type: ignore[arg-type]
    return EtherscanAdapter(client, Chain.ETHEREUM), transport


def test_429_then_200_and_notok_then_ok() -> None:
    adapter, transport = scripted_adapter([
        ScriptedResponse(status=429, text="Too Many Requests", headers={"Retry-After": "0"}),
        ScriptedResponse(body={"status": "1", "message": "OK", "result": [ROW]}),
        ScriptedResponse(body={"status": "0", "message": "NOTOK",
                               "result": "Max rate limit reached, please use API Key for higher rate limit"}),
        ScriptedResponse(body=EMPTY),
        ScriptedResponse(body=EMPTY),
    ])
    transfers = list(adapter.transfers_of(HOP1))
    assert [t.amount for t in transfers] == [10**18]
    assert len(transport.requests) == 5 and transport.remaining == 0
    assert adapter.client.http.stats.retries == 2


def test_rate_limit_budget_then_rate_limited_and_timeout_then_unavailable() -> None:
    limit = ScriptedResponse(body={"status": "0", "message": "NOTOK", "result": "Max rate limit reached"})
    adapter, _ = scripted_adapter([limit, limit, limit])
    with pytest.raises(RateLimited):
        list(adapter.transfers_of(HOP1))
    adapter, _ = scripted_adapter([requests.ConnectionError("reset"), ScriptedResponse(delay=5.0, body=EMPTY),
                                   ScriptedResponse(delay=5.0, body=EMPTY)], timeout=0.1)
    with pytest.raises(ChainUnavailable, match="ReadTimeout"):
        list(adapter.transfers_of(HOP1))


def test_immutable_windows_are_answered_from_the_archive(etherscan_over: EtherscanFactory) -> None:
    archive = MemoryArchive()
    adapter, server = etherscan_over("bybit_hop1_paging", archive=archive)
    first = list(adapter.transfers_of(HOP1, since_block=21_895_700, until_block=21_895_720, final_block=21_959_000))
    served = len(server.requests)
    assert served > 0
    again = list(adapter.transfers_of(HOP1, since_block=21_895_700, until_block=21_895_720, final_block=21_959_000))
    assert again == first and len(server.requests) == served  # zero requests on the re-run
    assert adapter.client.http.stats.archive_hits == served
    assert all("SECRET" not in k and "TESTKEY" not in k and "apikey" not in k for k in archive.rows)
    # an open-ended query is never immutable: it goes to the network again
    list(adapter.transfers_of(HOP1))
    assert len(server.requests) > served


def test_balancemulti_batches_by_20(etherscan_over: EtherscanFactory) -> None:
    addresses = [f"0x{i:040x}" for i in range(1, 46)]
    sim = EtherscanSimulator(balances={a: i * 10**15 for i, a in enumerate(addresses)})
    adapter, server = etherscan_over(responder=sim)
    balances = adapter.balances(addresses + addresses[:3])
    assert balances == {a: i * 10**15 for i, a in enumerate(addresses)}
    assert sim.calls == 3 and len(server.requests) == 3


def test_paging_inside_a_crowded_block_uses_page_numbers(etherscan_over: EtherscanFactory) -> None:
    rows = [ROW | {"hash": f"0x{i:064x}", "blockNumber": str(100 + (i >= 3) * 1 + (i >= 15) * 1)}
            for i in range(18)]  # blocks: 100 x3, 101 x12, 102 x3
    sim = EtherscanSimulator(histories={"txlist": {HOP1: rows}})
    adapter, _ = etherscan_over(responder=sim)
    transfers = list(adapter.transfers_of(HOP1))
    assert sorted(t.tx_hash for t in transfers) == sorted(r["hash"] for r in rows)
    assert len(transfers) == len({t.id for t in transfers})


def test_fixture_transport_in_process_and_missing_fixture(tmp_path: Path) -> None:
    session = fixture_session(ETHERSCAN_FIXTURES / "invalid_key")
    params: dict[str, str | int] = {"chainid": 1, "module": "account", "action": "txlist", "address": HOP1, "startblock": 0,
              "endblock": 9999999999, "page": 1, "offset": 5, "sort": "asc", "apikey": "anything"}
    body = session.get("https://api.etherscan.io/v2/api", params=params, timeout=5).json()
    assert body["result"] == "Invalid API Key"
    with pytest.raises(FixtureMissing, match="record_fixtures.py") as missing:
        fixture_session(tmp_path).get("https://api.etherscan.io/v2/api", params={"module": "x"}, timeout=5)
    assert missing.value.path.endswith("GET_v2_api__module-x.json")


def test_fixture_key_rules() -> None:
    long_value = ",".join(f"0x{i:040x}" for i in range(3))
    key = fixture_key("GET", "https://h/v2/api", {"b": "2", "a": "1", "apikey": "K", "x_cg_demo_api_key": "K",
                                                  "address": long_value})
    assert key.startswith("GET_v2_api__a-1__address-") and key.endswith("__b-2.json")
    assert "K" not in key.replace("GET", "") and len(key) < 80
    rpc = fixture_key("POST", "http://127.0.0.1:8545", body={"jsonrpc": "2.0", "id": 7, "method": "eth_getLogs",
                                                             "params": [{"fromBlock": "0x1"}]})
    assert rpc.startswith("rpc.eth_getLogs_")


def test_recording_transport_redacts_keys(tmp_path: Path, etherscan_over: EtherscanFactory) -> None:
    sim = EtherscanSimulator(histories={"txlist": {HOP1: [ROW]}})
    _, server = etherscan_over(responder=sim)
    from requests.adapters import HTTPAdapter

    recorder = RecordingTransport(HTTPAdapter(), tmp_path)
    client = EtherscanClient(session_with(recorder), server.url + "/v2/api", api_key="SUPERSECRET", rate=0,
                             page_size=5)
    transfers = list(EtherscanAdapter(client, Chain.ETHEREUM).transfers_of(HOP1))
    assert len(transfers) == 1 and len(recorder.written) == 3
    for path in recorder.written:
        text = path.read_text()
        assert "SUPERSECRET" not in text and "apikey" not in text
        envelope = json.loads(text)
        assert envelope["request"]["params"]["module"] == "account"
    # what was recorded replays offline through FixtureTransport
    replay = EtherscanClient(session_with(FixtureTransport(tmp_path)), "https://api.etherscan.io/v2/api",
                             api_key="OTHER", rate=0, page_size=5)
    assert list(EtherscanAdapter(replay, Chain.ETHEREUM).transfers_of(HOP1)) == transfers


def test_scalar_actions_and_get_logs_paging() -> None:
    log = {"address": "0xdac17f958d2ee523a2206206994597c13d831ec7", "topics": [], "data": "0x",
           "transactionHash": "0x" + "aa" * 32, "logIndex": "0x0"}
    transport = ScriptedTransport([
        ScriptedResponse(body={"status": "1", "message": "OK", "result": "9251482"}),
        ScriptedResponse(body={"status": "1", "message": "OK", "result": "40000000000000000000"}),
        ScriptedResponse(body={"status": "1", "message": "OK", "result": "135499"}),
        ScriptedResponse(body={"jsonrpc": "2.0", "id": 83, "result": "0x14e4b3d"}),
        # getLogs, 2-row pages: blocks 0x10, 0x11 (full) -> restart at 0x11 -> 0x11, 0x12 (full) -> 0x12
        ScriptedResponse(body={"status": "1", "message": "OK", "result": [log | {"blockNumber": "0x10"},
                                                                        log | {"blockNumber": "0x11"}]}),
        ScriptedResponse(body={"status": "1", "message": "OK", "result": [log | {"blockNumber": "0x11"},
                                                                        log | {"blockNumber": "0x12"}]}),
        ScriptedResponse(body={"status": "1", "message": "OK", "result": [log | {"blockNumber": "0x12"}]}),
    ])
    client = EtherscanClient(session_with(transport), "https://api.etherscan.io/v2/api", api_key="K", rate=0,
                             chain_id=56, page_size=2, retry=RetryPolicy(max_attempts=1), sleep=no_sleep)
    assert client.block_by_time(1_578_638_524, "before") == 9_251_482
    assert client.balance(HOP1) == 40 * 10**18
    assert client.tokenbalance("0x55d398326f99059ff775485246999027b3197955", HOP1) == 135_499
    assert client.block_number() == 0x14E4B3D
    logs = list(client.get_logs(16, 20, topics={0: "0xddf252ad"}))
    assert [g["blockNumber"] for g in logs] == ["0x10", "0x11", "0x12"]
    assert all("chainid=56" in url and "apikey=K" in url for url in transport.requests)
    assert "fromBlock=17" in transport.requests[5] and "fromBlock=18" in transport.requests[6]


def test_serve_fixtures_over_loopback() -> None:
    from chains.testing import serve_fixtures

    base_url, stop = serve_fixtures(ETHERSCAN_FIXTURES / "daily_cap")
    try:
        client = EtherscanClient(requests.Session(), base_url + "/v2/api", api_key="K", rate=0, page_size=5,
                                 sleep=no_sleep)
        from tracer.errors import QuotaExhausted

        with pytest.raises(QuotaExhausted, match="Max daily"):
            list(client.txlist(HOP1))
    finally:
        stop()
