"""The Etherscan V2 dialect over real HTTP."""

from __future__ import annotations

from typing import Any

import requests

from tests.sandbox.helpers import label_of
from tracer.sandbox.generator.abi import TORNADO_DEPOSIT_TOPIC, TRANSFER_TOPIC
from tracer.sandbox.generator.context import STETH, TORNADO_100
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.server.etherscan import BAD_ACTION, BAD_ADDRESS, BAD_CHAIN, RATE_LIMIT, WINDOW_TOO_LARGE
from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import ETHEREUM, World


def call(server: SandboxServer, **params: Any) -> Any:
    """GET the Etherscan endpoint with chainid=1."""
    r = requests.get(server.urls()["etherscan"], params={"chainid": 1, **params}, timeout=10)
    assert r.status_code == 200
    return r.json()


def test_block_range_paging_across_the_1000_cap(server: SandboxServer, world: World,
                                                 labels: tuple[LabelRow, ...]) -> None:
    hot = label_of(labels, ETHEREUM, "Exchange X: Hot Wallet")
    expected = [t.hash for t in world.index.evm_by_addr[hot] if t.block <= world.tip(ETHEREUM, 1)]
    assert len(expected) > 1000
    seen: dict[str, None] = {}
    start, calls = 0, 0
    while True:
        body = call(server, module="account", action="txlist", address=hot, startblock=start, endblock="latest",
                    page=1, offset=1000, sort="asc")
        calls += 1
        rows = body["result"]
        assert body["status"] == "1" and all(isinstance(v, str) for v in rows[0].values())
        for r in rows:
            seen.setdefault(r["hash"])
        if len(rows) < 1000:
            break
        start = int(rows[-1]["blockNumber"])  # re-read the last (possibly cut) block
    assert list(seen) == expected and calls == 2


def test_result_window_too_large(server: SandboxServer, truth: Truth) -> None:
    body = call(server, module="account", action="txlist", address=truth.exploiter, page=2, offset=1000)
    assert body == {"status": "0", "message": WINDOW_TOO_LARGE, "result": None}
    assert "less than or equal to 1000" in WINDOW_TOO_LARGE
    ok = call(server, module="account", action="txlist", address=truth.exploiter, page=2, offset=5, sort="desc")
    assert ok["status"] == "1" and len(ok["result"]) == 5
    blocks = [int(r["blockNumber"]) for r in ok["result"]]
    assert blocks == sorted(blocks, reverse=True)


def test_exact_error_strings(server: SandboxServer, truth: Truth) -> None:
    r = requests.get(server.urls()["etherscan"], params={"chainid": "999", "module": "account", "action": "txlist",
                                                         "address": truth.exploiter}, timeout=10).json()
    assert r == {"status": "0", "message": "NOTOK", "result": BAD_CHAIN}
    assert call(server, module="account", action="nope", address=truth.exploiter)["result"] == BAD_ACTION
    assert call(server, module="account", action="txlist", address="0x1234")["result"] == BAD_ADDRESS
    empty = call(server, module="account", action="txlist", address="0x" + "ab" * 20)
    assert empty == {"status": "0", "message": "No transactions found", "result": []}
    logs = call(server, module="logs", action="getLogs", address="0x" + "ab" * 20, fromBlock=0, toBlock="latest")
    assert logs == {"status": "0", "message": "No records found", "result": []}


def test_theft_internal_and_token_rows(server: SandboxServer, truth: Truth, world: World) -> None:
    seed = truth.theft_txs[0]
    internal = call(server, module="account", action="txlistinternal", txhash=seed)["result"]
    assert internal[0]["to"] == truth.exploiter and internal[0]["value"] == str(3_600 * 10**18)
    tokens = call(server, module="account", action="tokentx", address=truth.exploiter)["result"]
    steth = [t for t in tokens if t["contractAddress"] == STETH]
    assert steth[0]["hash"] == seed and steth[0]["tokenSymbol"] == "stETH" and steth[0]["tokenDecimal"] == "18"
    assert any(t["value"] == "0" for t in steth)  # the poisoning 0-value transferFrom is served as-is
    by_addr = call(server, module="account", action="txlistinternal", address=truth.exploiter)["result"]
    assert {"hash", "traceId"} <= by_addr[0].keys()


def test_getlogs_balance_proxy_and_block_by_time(server: SandboxServer, truth: Truth, world: World) -> None:
    deposits = call(server, module="logs", action="getLogs", address=TORNADO_100, topic0=TORNADO_DEPOSIT_TOPIC,
                    fromBlock=0, toBlock="latest")["result"]
    assert deposits and all(d["topics"][0] == TORNADO_DEPOSIT_TOPIC for d in deposits)
    assert deposits[0]["blockNumber"].startswith("0x")
    transfers = call(server, module="logs", action="getLogs", address=STETH, topic0=TRANSFER_TOPIC,
                     fromBlock=0, toBlock="latest")["result"]
    assert any(t["transactionHash"] == truth.theft_txs[0] for t in transfers)
    held = [e for e in truth.exits if e.chain == ETHEREUM and e.status == "unspent" and e.address.startswith("0x")]
    dormant = next(e for e in held if (ETHEREUM, e.address) in truth.dormant)
    bal = call(server, module="account", action="balance", address=dormant.address, tag="latest")
    assert bal["result"] == str(dormant.amount)
    multi = call(server, module="account", action="balancemulti", address=f"{dormant.address},{truth.exploiter}")
    assert [m["account"] for m in multi["result"]] == [dormant.address, truth.exploiter]
    tip = call(server, module="proxy", action="eth_blockNumber")
    assert int(tip["result"], 16) == world.tip(ETHEREUM, 1)
    rcpt = call(server, module="proxy", action="eth_getTransactionReceipt", txhash=truth.theft_txs[0])["result"]
    assert rcpt["status"] == "0x1" and rcpt["logs"][0]["topics"][0] == TRANSFER_TOPIC
    tx = call(server, module="proxy", action="eth_getTransactionByHash", txhash=truth.theft_txs[0])["result"]
    assert tx["hash"] == truth.theft_txs[0]
    ts = world.time_of(ETHEREUM, 21_895_251)
    blk = call(server, module="block", action="getblocknobytime", timestamp=ts + 5, closest="before")
    assert blk == {"status": "1", "message": "OK", "result": "21895251"}


def test_rate_limit_answers_notok(world: World, truth: Truth) -> None:
    with SandboxServer(world, rate_limits={"etherscan": 2}) as srv:
        bodies = [call(srv, module="account", action="balance", address=truth.exploiter, apikey="K")
                  for _ in range(6)]
    limited = [b for b in bodies if b["result"] == RATE_LIMIT]
    assert limited and limited[0] == {"status": "0", "message": "NOTOK", "result": RATE_LIMIT}
    assert srv.stats()["endpoints"]["ratelimited:etherscan"] == len(limited)
