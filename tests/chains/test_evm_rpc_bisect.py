"""Adaptive eth_getLogs range bisection and RPC error mapping, through web3 over a scripted transport."""

from __future__ import annotations

from typing import Any

import pytest

from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient
from chains.testing import ScriptedResponse, ScriptedTransport, session_with
from tracer.errors import ApiRejected, BadResponse, ChainUnavailable
from tracer.model import Chain


def rpc_ok(result: Any) -> ScriptedResponse:
    return ScriptedResponse(body={"jsonrpc": "2.0", "id": 1, "result": result})


def rpc_err(code: int, message: str, data: Any = None) -> ScriptedResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return ScriptedResponse(body={"jsonrpc": "2.0", "id": 1, "error": error})


def adapter_on(script: list[ScriptedResponse | BaseException], span: int) -> tuple[EvmRpcAdapter, ScriptedTransport]:
    transport = ScriptedTransport(script)
    client = EvmRpcClient(session_with(transport), "http://node.test:8545", retries=0)
    return EvmRpcAdapter(client, Chain.ETHEREUM, initial_span=span, max_span=1000), transport


def ranges(transport: ScriptedTransport) -> list[tuple[int, int]]:
    return [(int(b["params"][0]["fromBlock"], 16), int(b["params"][0]["toBlock"], 16)) for b in transport.bodies]


def logs_scan(adapter: EvmRpcAdapter, start: int, end: int) -> list[dict[str, Any]]:
    return adapter.scan(lambda lo, hi: adapter.client.get_logs(lo, hi, topics=["0xddf2"]), start, end)


def test_alchemy_size_error_halves_then_widens() -> None:
    adapter, transport = adapter_on([
        rpc_err(-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"),
        rpc_ok([{"n": 1}]), rpc_ok([{"n": 2}]), rpc_ok([]),
    ], span=400)
    assert logs_scan(adapter, 0, 999) == [{"n": 1}, {"n": 2}]
    assert ranges(transport) == [(0, 399), (0, 199), (200, 599), (600, 999)]


def test_infura_suggested_range_is_used() -> None:
    adapter, transport = adapter_on([
        rpc_err(-32005, "query returned more than 10000 results. Try with this block range [0x0, 0x95].",
                {"from": "0x0", "to": "0x95"}),
        rpc_ok([]), rpc_ok([]), rpc_ok([]),
    ], span=500)
    logs_scan(adapter, 0, 499)
    assert ranges(transport) == [(0, 499), (0, 149), (150, 449), (450, 499)]
    assert adapter.span == 1000  # widened back up to max_span after successes


def test_single_block_too_large_is_bad_response() -> None:
    adapter, _ = adapter_on([rpc_err(-32005, "query returned more than 10000 results")], span=1)
    with pytest.raises(BadResponse, match="block 7 alone"):
        logs_scan(adapter, 7, 7)


def test_other_errors_map_to_the_tree() -> None:
    adapter, _ = adapter_on([rpc_err(-32000, "execution reverted")], span=10)
    with pytest.raises(ApiRejected, match="execution reverted"):
        logs_scan(adapter, 0, 5)
    adapter, _ = adapter_on([ScriptedResponse(status=503, text="<html>unavailable</html>")], span=10)
    with pytest.raises(ChainUnavailable, match="HTTP 503"):
        logs_scan(adapter, 0, 5)
    adapter, _ = adapter_on([ScriptedResponse(status=200, text='{"jsonrpc":"2.0","id":1,"resu')], span=10)
    with pytest.raises(BadResponse, match="unparseable"):
        logs_scan(adapter, 0, 5)
