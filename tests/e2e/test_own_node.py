"""Own-node tracing end to end: a theft staged on a real anvil, traced by the `tracer` CLI through
TRACER_RPC_URL_ETHEREUM (chains.evm_rpc) instead of Etherscan.

The victim (a funded dev account) loses ETH and an ERC-20 to a fresh exploiter key; the exploiter moves both
through three fresh wallets into an address labelled as an exchange, each hop paying its own gas out of the
stolen ETH. The export must have the shape of every other export, conserve both stolen amounts to the base unit
(ETH split between the exchange and fees), stop at the exchange, and a re-run must make no request at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint, Wei

from tests.chains.conftest import anvil_url  # noqa: F401 - the shared anvil fixture
from tests.chains.nodes import node_without
from tracer.export import load_schema

pytestmark = pytest.mark.anvil

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
ETH = 10**18
GAS_PRICE = 10 * 10**9  # legacy price above anvil's base fee: every fee is exactly gasUsed x GAS_PRICE
STOLEN_ETH = 40 * ETH
STOLEN_TOKENS = 2_500_000 * 10**6  # "TST", 6 decimals
CONFIRMATIONS = 12


@dataclass(frozen=True)
class Theft:
    """What was staged on the node (addresses lower-case)."""

    url: str
    exploiter: str
    wallets: tuple[str, ...]
    exchange: str
    token: str
    fees: dict[str, int]  # sender -> wei it paid in gas out of the stolen ETH


def _key(n: int) -> LocalAccount:
    account: LocalAccount = Account.from_key(n.to_bytes(32, "big"))  # fixed keys: nothing on anvil touched them
    return account


def stage_theft(url: str) -> Theft:
    """Deploy the token, steal, launder through three wallets into the exchange, then bury it under blocks."""
    w3 = Web3(HTTPProvider(url))
    victim = w3.eth.accounts[0]
    artifact = json.loads((CONTRACTS / "TestToken.json").read_text())
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    deployed = w3.eth.wait_for_transaction_receipt(
        factory.constructor("Test Token", "TST", 6, 10 * STOLEN_TOKENS).transact({"from": victim}))
    token = w3.eth.contract(address=deployed["contractAddress"], abi=artifact["abi"])
    exploiter, *wallets = (_key(n) for n in (0xE1, 0xA1, 0xA2, 0xA3))
    exchange = _key(0xEC).address
    for tx in (w3.eth.send_transaction({"from": victim, "to": exploiter.address, "value": Wei(STOLEN_ETH)}),
               token.functions.transfer(exploiter.address, STOLEN_TOKENS).transact({"from": victim})):
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
    fees: dict[str, int] = {}
    path = [exploiter, *wallets]
    for sender, receiver in zip(path, [*[w.address for w in wallets], exchange], strict=True):
        move = token.functions.transfer(receiver, STOLEN_TOKENS)._encode_transaction_data()
        paid = _send(w3, sender, token.address, move, 0, 100_000)
        paid += _send(w3, sender, receiver, "0x", w3.eth.get_balance(sender.address) - 21_000 * GAS_PRICE, 21_000)
        assert w3.eth.get_balance(sender.address) == 0  # every hop sweeps: ETH and tokens all move on
        fees[sender.address.lower()] = paid
    w3.provider.make_request(RPCEndpoint("anvil_mine"), [hex(CONFIRMATIONS + 8)])  # bury the theft below the final block
    low = str.lower
    return Theft(url, low(exploiter.address), tuple(low(w.address) for w in wallets), low(exchange),
                 low(token.address), fees)


def _send(w3: Web3, sender: LocalAccount, to: str, data: str, value: int, gas: int) -> int:
    """Sign and send one legacy tx; returns the fee it paid."""
    tx: dict[str, Any] = {"to": Web3.to_checksum_address(to), "value": value, "data": data, "gas": gas, "gasPrice": GAS_PRICE,
          "nonce": w3.eth.get_transaction_count(sender.address), "chainId": w3.eth.chain_id}
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 1
    return int(receipt["gasUsed"]) * GAS_PRICE


def tracer(tmp: Path, rpc_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console entry point, with only the own node configured (Etherscan unreachable on purpose)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACER_", "ETHERSCAN_"))}
    env.update({"TRACER_DATABASE_URL": f"sqlite:///{tmp / 'case.db'}", "TRACER_RPC_URL_ETHEREUM": rpc_url,
                "TRACER_ETHERSCAN_URL": "http://127.0.0.1:9/v2/api", "TRACER_CONFIRMATIONS": str(CONFIRMATIONS)})
    out = subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=env, cwd=tmp,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out


def trace_and_export(tmp: Path, rpc_url: str, theft: Theft, case: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``tracer trace`` then ``tracer export`` of one case; returns (trace summary + its stderr, export document)."""
    run = tracer(tmp, rpc_url, "trace", f"ethereum:{theft.exploiter}", "--case", case, "--chains", "ethereum",
                 "--json")
    # --force: the same case is exported again after a re-run
    tracer(tmp, rpc_url, "export", case, "--format", "json", "-o", str(tmp / f"{case}.json"), "--force")
    return {**json.loads(run.stdout), "stderr": run.stderr}, json.loads((tmp / f"{case}.json").read_text())


@pytest.fixture(scope="module")
def theft(anvil_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Theft, Path]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("own-node")
    labels = tmp / "exchanges.csv"
    staged = stage_theft(anvil_url)
    labels.write_text("chain,address,label,category,source,confidence\n"
                      f"ethereum,{staged.exchange},Example Exchange hot wallet,exchange,test-exchanges,90\n")
    tracer(tmp, anvil_url, "labels", "import", str(labels))
    return staged, tmp


@pytest.fixture(scope="module")
def traced(theft: tuple[Theft, Path]) -> tuple[Theft, Path, dict[str, Any], dict[str, Any]]:
    staged, tmp = theft
    summary, doc = trace_and_export(tmp, staged.url, staged, "own-node")
    return staged, tmp, summary, doc


EXCHANGE = "Example Exchange hot wallet"


def _by_origin(doc: dict[str, Any]) -> dict[str, dict[tuple[str, str], int]]:
    """origin asset -> (address, reason) -> base units of it that stopped there."""
    out: dict[str, dict[tuple[str, str], int]] = {}
    for e in doc["endpoints"]:
        for origin, amount in (e.get("origins") or {}).items():
            spot = out.setdefault(origin, {})
            spot[(e["address"], e["reason"])] = spot.get((e["address"], e["reason"]), 0) + int(amount)
    return out


def test_theft_traced_from_the_node_to_the_exchange(traced: tuple[Theft, Path, dict[str, Any], dict[str, Any]]) \
        -> None:
    staged, _tmp, summary, doc = traced
    assert summary["finished"] and summary["requests"] > 0
    jsonschema.validate(doc, load_schema())  # the shape every Etherscan-sourced export has
    token_key = next(s["asset"] for s in doc["summary"]["stolen"] if staged.token in s["asset"])
    assert {s["asset"] for s in doc["summary"]["stolen"]} == {"ETH", token_key}
    ends = _by_origin(doc)
    assert set(ends) == {"ETH", token_key}
    # value is conserved to the base unit: every stolen wei ends at the exchange or was burnt as gas on the way
    assert sum(ends["ETH"].values()) == STOLEN_ETH and sum(ends[token_key].values()) == STOLEN_TOKENS
    exits = [e for e in doc["endpoints"] if e["service"] == EXCHANGE]
    assert {e["status"] for e in exits} == {"cashed_out"} and {e["asset"].split("@")[0] for e in exits} == {"ETH",
                                                                                                           "TST"}
    exit_address = {e["address"] for e in exits}
    assert len(exit_address) == 1  # the labelled exchange, or the deposit address sweeping into it (E2)
    (where,) = exit_address
    assert where in (staged.exchange, staged.wallets[-1])
    gas_before_exit = sum(fee for sender, fee in staged.fees.items() if sender != where)
    assert {k: v for k, v in ends["ETH"].items() if k[0] == where} == {
        (where, exits[0]["reason"]): STOLEN_ETH - gas_before_exit}
    assert ends[token_key] == {(where, exits[0]["reason"]): STOLEN_TOKENS}
    assert {k for k in ends["ETH"] if k[0] != where} == {(s, "fees") for s in staged.fees if s != where}
    hops = {t["from"] for t in doc["transfers"]} | {t["to"] for t in doc["transfers"]}
    assert {staged.exploiter, *staged.wallets} <= hops
    assert doc["meta"]["conservation_error"] == 0


def test_rerun_of_the_finished_case_makes_zero_requests(
        traced: tuple[Theft, Path, dict[str, Any], dict[str, Any]]) -> None:
    staged, tmp, _summary, before = traced
    summary, again = trace_and_export(tmp, staged.url, staged, "own-node")
    assert summary["already_finished"] and summary["requests"] == 0
    assert _stable(again) == _stable(before)


def test_a_second_case_reads_the_closed_history_from_the_archive(
        traced: tuple[Theft, Path, dict[str, Any], dict[str, Any]]) -> None:
    staged, tmp, _summary, first = traced
    summary, doc = trace_and_export(tmp, staged.url, staged, "own-node-again")
    assert summary["finished"] and summary["requests"] == 1  # only the tip, pinned for the new case
    assert summary["archive_hits"] > 0
    assert _by_origin(doc) == _by_origin(first)


def test_a_node_without_trace_filter_gives_the_same_endpoints(
        traced: tuple[Theft, Path, dict[str, Any], dict[str, Any]]) -> None:
    staged, tmp, _summary, first = traced
    server, proxy = node_without(staged.url, "trace_filter", "trace_transaction")
    with server:
        summary, doc = trace_and_export(tmp, server.url, staged, "own-node-geth-like")
    assert summary["finished"] and "trace_filter" in proxy.refused and "eth_getBlockByNumber" in proxy.forwarded
    assert _by_origin(doc) == _by_origin(first)
    assert f"node at {server.url} lacks trace_filter" in summary["stderr"]


def test_a_node_without_any_trace_method_says_what_still_works(
        traced: tuple[Theft, Path, dict[str, Any], dict[str, Any]]) -> None:
    staged, tmp, _summary, first = traced
    server, proxy = node_without(staged.url, "trace_filter", "trace_transaction", "debug_traceTransaction")
    with server:
        summary, doc = trace_and_export(tmp, server.url, staged, "own-node-bare")
    assert summary["finished"] and {"trace_filter", "debug_traceTransaction"} <= set(proxy.refused)
    assert (f"node at {server.url} lacks trace_filter and debug_traceTransaction: internal ETH transfers not "
            "followed; native and ERC-20 are") in summary["stderr"]
    assert _by_origin(doc) == _by_origin(first)  # this theft moved no value by internal calls: nothing is lost


def _stable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "generated_at"}
