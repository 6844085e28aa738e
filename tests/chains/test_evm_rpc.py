"""EvmRpcAdapter against a real anvil node: ERC-20 logs, native and internal (mixer payout) transfers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from web3 import HTTPProvider, Web3
from web3.types import Wei

from chains.etherscan.parse import internal_index, token_index
from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient
from chains.evm_rpc.history import NO_TRACE_FILTER, TraceMethod
from chains.testing import MemoryArchive, ScriptedResponse, ScriptedTransport, session_with
from tests.chains.contract import AdapterContract, ContractCase, TransactionContract
from tests.chains.nodes import node_without
from tracer.errors import ChainError
from tracer.model import Chain, Direction, TransferFlag, TransferKind

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
ETH = 10**18

pytestmark = pytest.mark.anvil


@dataclass(frozen=True)
class Scenario:
    """What was done on the node, in order (addresses lower-case)."""

    url: str
    hacker: str
    a: str
    b: str
    c: str
    poisoner: str
    token: str
    fake: str
    pool: str
    txs: dict[str, tuple[str, int]]  # name -> (hash, block)


def _deploy(w3: Web3, name: str, sender: str, *args: Any) -> Any:
    artifact = json.loads((CONTRACTS / f"{name}.json").read_text())
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact({"from": sender}))
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


@pytest.fixture(scope="module")
def scenario(anvil_url: str) -> Scenario:
    return deploy_scenario(anvil_url)


def deploy_scenario(anvil_url: str) -> Scenario:
    """Deploy the contracts and run the transactions (also used by tests/fixtures/evm_rpc/build_fixtures.py)."""
    w3 = Web3(HTTPProvider(anvil_url))
    accounts = list(w3.eth.accounts)
    hacker, a, b, relayer, c, poisoner = accounts[:6]
    token = _deploy(w3, "TestToken", hacker, "Test Token", "TST", 6, 10**12)
    fake = _deploy(w3, "TestToken", poisoner, "Tether USD", "USDT", 6, 10**12)
    pool = _deploy(w3, "MiniTornado", hacker, ETH)
    txs: dict[str, tuple[str, int]] = {}

    def run(name: str, tx_hash: Any) -> None:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, name
        txs[name] = (receipt["transactionHash"].to_0x_hex(), receipt["blockNumber"])

    run("native", w3.eth.send_transaction({"from": hacker, "to": a, "value": Wei(5 * ETH)}))
    run("tok1", token.functions.transfer(a, 1_000_000).transact({"from": hacker}))
    run("tok2", token.functions.transfer(b, 400_000).transact({"from": a}))
    run("fake", fake.functions.transfer(a, 1_000).transact({"from": poisoner}))
    run("zero", token.functions.transferFrom(a, poisoner, 0).transact({"from": poisoner}))
    run("deposit", pool.functions.deposit(b"\x01" * 32).transact({"from": a, "value": ETH}))
    run("withdraw", pool.functions.withdraw(c, b"\x02" * 32).transact({"from": relayer}))
    low = str.lower
    return Scenario(anvil_url, low(hacker), low(a), low(b), low(c), low(poisoner), low(token.address),
                    low(fake.address), low(pool.address), txs)


def make_adapter(url: str, **kw: Any) -> EvmRpcAdapter:
    return EvmRpcAdapter(EvmRpcClient(requests.Session(), url, timeout=10), Chain.ETHEREUM, **kw)


def expected_for_a(s: Scenario) -> list[str]:
    rows = [
        (s.txs["native"], "native", -1),
        (s.txs["tok1"], "token", token_index(s.token, s.hacker, s.a, 1_000_000)),
        (s.txs["tok2"], "native", -1),  # a's call to the token contract: zero-value top-level transfer
        (s.txs["tok2"], "token", token_index(s.token, s.a, s.b, 400_000)),
        (s.txs["fake"], "token", token_index(s.fake, s.poisoner, s.a, 1_000)),
        (s.txs["zero"], "token", token_index(s.token, s.a, s.poisoner, 0)),
        (s.txs["deposit"], "native", -1),
    ]
    rows.sort(key=lambda r: (r[0][1], r[0][0], r[1], r[2]))
    return [f"ethereum:{h}:{kind}:{index}" for (h, _), kind, index in rows]


class TestEvmRpcContract(TransactionContract, AdapterContract):
    """The shared adapter contract against anvil."""

    @pytest.fixture
    def adapter(self, scenario: Scenario) -> EvmRpcAdapter:
        return make_adapter(scenario.url)

    @pytest.fixture
    def case(self, scenario: Scenario) -> ContractCase:
        return ContractCase(address=scenario.a, expected_ids=expected_for_a(scenario),
                            unknown_address="0x000000000000000000000000000000000000dead",
                            window=(scenario.txs["tok1"][1], scenario.txs["fake"][1]),
                            tx_hash=scenario.txs["withdraw"][0], unknown_tx_hash="0x" + "00" * 32)

    @pytest.fixture
    def failing_adapter(self) -> EvmRpcAdapter:
        transport = ScriptedTransport([
            ScriptedResponse(body={"jsonrpc": "2.0", "id": 1, "result": "0x10"}),
            ScriptedResponse(body={"jsonrpc": "2.0", "id": 1,
                                   "error": {"code": -32000, "message": "header not found"}}),
        ])
        return EvmRpcAdapter(EvmRpcClient(session_with(transport), "http://node.invalid:8545"), Chain.ETHEREUM)


def test_flags_and_amounts(scenario: Scenario) -> None:
    transfers = {t.tx_hash: t for t in make_adapter(scenario.url).transfers_of(scenario.a)
                 if t.kind is TransferKind.TOKEN}
    tok1 = transfers[scenario.txs["tok1"][0]]
    assert tok1.amount == 1_000_000 and tok1.asset.symbol == "TST" and tok1.asset.decimals == 6 and not tok1.flags
    fake = transfers[scenario.txs["fake"][0]]
    assert fake.asset.symbol == "USDT" and TransferFlag.FAKE_TOKEN in fake.flags  # unverified "USDT"
    zero = transfers[scenario.txs["zero"][0]]
    assert zero.flags == {TransferFlag.ZERO_VALUE} and not zero.followable


def test_mixer_withdrawal_is_an_internal_transfer(scenario: Scenario) -> None:
    adapter = make_adapter(scenario.url)
    received = list(adapter.transfers_of(scenario.c))
    assert [(t.kind, t.from_address, t.amount, t.index) for t in received] == [
        (TransferKind.INTERNAL, scenario.pool, ETH, internal_index(scenario.pool, scenario.c, ETH))]
    pool_out = list(adapter.transfers_of(scenario.pool, direction="out"))  # type: ignore[arg-type]
    assert [t.id for t in pool_out] == [t.id for t in received]
    tx = adapter.transaction(scenario.txs["withdraw"][0])
    assert tx is not None and tx.success and tx.fee > 0 and tx.input_data is not None
    assert [t.id for t in tx.transfers if t.kind is TransferKind.INTERNAL] == [received[0].id]


def test_token_transaction_matches_history(scenario: Scenario) -> None:
    adapter = make_adapter(scenario.url)
    tx = adapter.transaction(scenario.txs["tok2"][0])
    assert tx is not None
    history = {t.id for t in adapter.transfers_of(scenario.b)}
    tokens = [t for t in tx.transfers if t.kind is TransferKind.TOKEN]
    assert len(tokens) == 1 and tokens[0].id in history and tokens[0].amount == 400_000


def test_small_spans_give_the_same_history(scenario: Scenario) -> None:
    wide = [t.id for t in make_adapter(scenario.url).transfers_of(scenario.a)]
    narrow = make_adapter(scenario.url, initial_span=1, max_span=2)
    assert [t.id for t in narrow.transfers_of(scenario.a)] == wide
    assert narrow.client.requests > 20


def test_the_sender_history_carries_the_fee_like_etherscan_txlist(scenario: Scenario) -> None:
    receipt = Web3(HTTPProvider(scenario.url)).eth.get_transaction_receipt(scenario.txs["deposit"][0])  # type: ignore[arg-type]
    fee = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
    sent = [t for t in make_adapter(scenario.url).transfers_of(scenario.a, direction=Direction.OUT)
            if t.tx_hash == scenario.txs["deposit"][0]]
    assert [(t.kind, t.amount, t.fee) for t in sent] == [(TransferKind.NATIVE, ETH, fee)] and fee > 0


def test_balances(scenario: Scenario) -> None:
    balances = make_adapter(scenario.url).balances([scenario.c, scenario.pool])
    assert balances[scenario.pool] == 0 and balances[scenario.c] > 10_000 * ETH


def test_without_trace_filter_blocks_and_debug_traces_give_the_same_history(scenario: Scenario) -> None:
    full = {addr: [t.id for t in make_adapter(scenario.url).transfers_of(addr)] for addr in (scenario.a, scenario.c)}
    server, proxy = node_without(scenario.url, "trace_filter", "trace_transaction")
    with server:
        adapter = make_adapter(server.url)
        assert [t.id for t in adapter.transfers_of(scenario.a)] == full[scenario.a]
        assert [t.id for t in adapter.transfers_of(scenario.c)] == full[scenario.c]  # mixer payout: internal
        tx = adapter.transaction(scenario.txs["withdraw"][0])
    assert adapter.support.method is TraceMethod.DEBUG_TRACE
    assert adapter.support.limitation == NO_TRACE_FILTER.format(url=server.url)
    assert proxy.refused == ["trace_filter"] and "debug_traceTransaction" in proxy.forwarded
    assert tx is not None and [t.to_address for t in tx.transfers if t.kind is TransferKind.INTERNAL] == [scenario.c]


def test_without_any_trace_method_internal_transfers_are_named_as_missing(
        scenario: Scenario, caplog: pytest.LogCaptureFixture) -> None:
    server, proxy = node_without(scenario.url, "trace_filter", "trace_transaction", "debug_traceTransaction")
    with server:
        adapter = make_adapter(server.url)
        a_history = [t.id for t in adapter.transfers_of(scenario.a)]
        c_history = list(adapter.transfers_of(scenario.c))
    assert a_history == [t.id for t in make_adapter(scenario.url).transfers_of(scenario.a)]  # native + ERC-20
    assert [t.kind for t in c_history] == []  # the mixer paid c by an internal call: not visible
    message = ("lacks trace_filter and debug_traceTransaction: internal ETH transfers not followed; "
               "native and ERC-20 are")
    assert adapter.support.limitation is not None and message in adapter.support.limitation
    assert message in caplog.text and set(proxy.refused) == {"trace_filter", "debug_traceTransaction"}


def test_closed_ranges_are_answered_from_the_archive(scenario: Scenario) -> None:
    archive = MemoryArchive()
    tip = make_adapter(scenario.url).latest_block()

    def run() -> tuple[list[str], EvmRpcClient]:
        client = EvmRpcClient(requests.Session(), scenario.url, timeout=10, archive=archive)
        adapter = EvmRpcAdapter(client, Chain.ETHEREUM)
        ids = [t.id for a in (scenario.a, scenario.c) for t in adapter.transfers_of(a, until_block=tip,
                                                                                       final_block=tip)]
        tx = adapter.transaction(scenario.txs["withdraw"][0], final_block=tip)
        assert tx is not None
        return ids + [t.id for t in tx.transfers], client

    first, client = run()
    assert client.stats.requests > 0 and client.stats.archive_hits == 0
    again, client = run()
    assert again == first and client.stats.requests == 0 and client.stats.archive_hits > 0
    assert all(k.startswith(f"POST {scenario.url}?method=") for k in archive.rows)


def test_node_url_secrets_stay_out_of_keys_and_errors() -> None:
    client = EvmRpcClient(requests.Session(), "http://user:pw@127.0.0.1:9/v3/SECRETKEY", timeout=0.5, retries=0)
    assert client.url == "http://127.0.0.1:9"
    with pytest.raises(ChainError) as info:
        client.block_number()
    assert "SECRETKEY" not in str(info.value) and "pw" not in str(info.value)


def test_recorded_rpc_replays_offline(scenario: Scenario, tmp_path: Path) -> None:
    from requests.adapters import HTTPAdapter

    from chains.testing import FixtureTransport, RecordingTransport

    recorder = RecordingTransport(HTTPAdapter(), tmp_path)
    live = EvmRpcAdapter(EvmRpcClient(session_with(recorder), scenario.url), Chain.ETHEREUM)
    tip = live.latest_block()
    recorded = list(live.transfers_of(scenario.a, until_block=tip))
    assert recorded and all(p.name.startswith("rpc.") for p in recorder.written)
    replay = EvmRpcAdapter(EvmRpcClient(session_with(FixtureTransport(tmp_path)), "http://offline.invalid:8545"),
                           Chain.ETHEREUM)
    assert list(replay.transfers_of(scenario.a, until_block=tip)) == recorded
