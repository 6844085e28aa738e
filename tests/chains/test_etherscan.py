"""EtherscanAdapter over real loopback HTTP, answering from recorded envelopes built from real samples."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from chains.base import transfer_sort_key
from chains.etherscan import EtherscanAdapter
from chains.etherscan.parse import tokentx_items_to_transfers
from chains.testing import FixtureServer
from tests.chains.conftest import EtherscanFactory
from tests.chains.contract import AdapterContract, ContractCase, TransactionContract
from tests.shared_data import SHARED_DATA
from tracer.errors import ApiRejected, BadResponse, ChainUnavailable, QuotaExhausted, RateLimited
from tracer.model import Chain, TransferFlag, TransferKind

HOP1 = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
HOP2 = "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"
NOMAD = "0x94a84433101a10aeda762968f6995c574d1bf154"
NOMAD_TX = "0x350f7f8931a65ec13632dbd7d21bf6ec8778bc28623e84b9ebdbf9de5f956742"
UNKNOWN = "0x000000000000000000000000000000000000dead"
BYBIT = SHARED_DATA / "hacks" / "bybit_2025_phvaz_trace"
NOMAD_ROWS = SHARED_DATA / "hacks" / "nomad_bridge_2022" / "data_recovery_transfer_events.json"


def hop1_expected_ids() -> list[str]:
    with (BYBIT / "hop1_native_rows.csv").open() as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: (int(r["block"]), r["hash"]))
    return [f"ethereum:{r['hash']}:native:-1" for r in rows]


pytestmark = pytest.mark.skipif(not BYBIT.exists(), reason="shared Bybit sample data not present")


class TestEtherscanContract(AdapterContract):
    """The shared adapter contract on the Bybit first hop (46 txs over 5-row pages)."""

    @pytest.fixture
    def adapter(self, etherscan_over: EtherscanFactory) -> EtherscanAdapter:
        return etherscan_over("bybit_hop1_paging")[0]

    @pytest.fixture
    def case(self) -> ContractCase:
        return ContractCase(address=HOP1, expected_ids=hop1_expected_ids(), unknown_address=UNKNOWN,
                            window=(21_895_700, 21_895_720))

    @pytest.fixture
    def failing_adapter(self, etherscan_over: EtherscanFactory) -> EtherscanAdapter:
        return etherscan_over("invalid_key")[0]


class TestEtherscanContractTokens(TransactionContract, AdapterContract):
    """The contract again on a real tokentx history (Nomad recovery address) with a whole transaction."""

    @pytest.fixture
    def adapter(self, etherscan_over: EtherscanFactory) -> EtherscanAdapter:
        return etherscan_over("nomad_recovery_tokentx")[0]

    @pytest.fixture
    def case(self) -> ContractCase:
        rows = json.loads(NOMAD_ROWS.read_text())
        rows = [{("hash" if k == "transactionHash" else k): v for k, v in r.items()} for r in rows]
        expected = sorted(tokentx_items_to_transfers(rows, Chain.ETHEREUM), key=transfer_sort_key)
        return ContractCase(address=NOMAD, expected_ids=[t.id for t in expected], unknown_address=UNKNOWN,
                            tx_hash=NOMAD_TX, unknown_tx_hash="0x" + "00" * 32, window=(15_266_000, 15_270_000))

    @pytest.fixture
    def failing_adapter(self, etherscan_over: EtherscanFactory) -> EtherscanAdapter:
        # Every request answered with Etherscan's in-band "Invalid API Key" envelope (whatever the address).
        def invalid_key(method: str, path: str, params: object, body: object) -> dict[str, object]:
            return {"request": {"method": method, "url": path, "params": params},
                    "response": {"status": 200, "headers": {"content-type": "application/json"},
                                 "body": {"status": "0", "message": "NOTOK", "result": "Invalid API Key"}}}

        return etherscan_over(responder=invalid_key)[0]


def test_paging_reads_every_row_once_across_boundaries(etherscan_over: EtherscanFactory) -> None:
    adapter, server = etherscan_over("bybit_hop1_paging")
    transfers = list(adapter.transfers_of(HOP1))
    assert len(transfers) == 46
    assert sum(t.amount for t in transfers) == 400_001 * 10**18  # README: hop1 total 400,001 ETH
    assert [t.id for t in transfers] == hop1_expected_ids()
    # 46 rows in 5-row pages need at least 10 calls; block-range paging makes 13: the last block of a full
    # page is re-read whole by the next call, and blocks holding >= 5 rows (21895709 has 7) need page 2.
    txlist_calls = [k for k in server.requests if "action-txlist__" in k]
    assert len(txlist_calls) == len(set(txlist_calls)) == 13
    assert sum("page-2" in k for k in txlist_calls) == 2
    assert not server.missing


def test_window_and_direction(etherscan_over: EtherscanFactory) -> None:
    adapter, _ = etherscan_over("bybit_hop1_paging")
    window = list(adapter.transfers_of(HOP1, since_block=21_895_700, until_block=21_895_720))
    assert {t.block_number for t in window} <= set(range(21_895_700, 21_895_721))
    expected = [i for i, t in zip(hop1_expected_ids(), adapter.transfers_of(HOP1), strict=True)
                if 21_895_700 <= t.block_number <= 21_895_720]
    assert [t.id for t in window] == expected and len(expected) == 22
    assert list(adapter.transfers_of(HOP1, direction="in")) == []  # type: ignore[arg-type]


def test_flags_poisoning_and_fake_tokens(etherscan_over: EtherscanFactory) -> None:
    adapter, _ = etherscan_over("bybit_hop2_poisoning")
    transfers = list(adapter.transfers_of(HOP2))
    tokens = [t for t in transfers if t.kind is TransferKind.TOKEN]
    fake = [t for t in tokens if TransferFlag.FAKE_TOKEN in t.flags]
    genuine = [t for t in tokens if not t.flags]
    assert {t.asset.symbol for t in genuine} == {"stETH", "mETH"}
    assert {t.asset.contract for t in fake} == {"0x2a120e7f2f1d8ffd173ed17aa5089f11206b5177",
                                               "0x669507921b89c11536fe28fb2b955fbc23dbe86d",
                                               "0x1111111111111111111111111111111111111111"}
    assert all(not t.followable for t in fake)
    zero = [t for t in tokens if TransferFlag.ZERO_VALUE in t.flags]
    assert len(zero) == 1 and zero[0].asset.symbol == "USDT" and TransferFlag.FAKE_TOKEN not in zero[0].flags
    stake_calls = [t for t in transfers if t.kind is TransferKind.NATIVE and t.amount == 0]
    assert stake_calls and all(TransferFlag.ZERO_VALUE in t.flags for t in stake_calls)


def test_nomad_tokentx_and_transaction(etherscan_over: EtherscanFactory) -> None:
    adapter, _ = etherscan_over("nomad_recovery_tokentx")
    transfers = list(adapter.transfers_of(NOMAD))
    assert len(transfers) == 156 and all(t.kind is TransferKind.TOKEN and t.to_address == NOMAD for t in transfers)
    usdc = [t for t in transfers if t.asset.symbol == "USDC"]
    assert usdc[0].amount == 10_000 and usdc[0].asset.decimals == 6 and not usdc[0].flags
    tx = adapter.transaction(NOMAD_TX)
    assert tx is not None and tx.success
    assert tx.fee == 65_601 * 8_590_071_241
    assert tx.input_data is not None and tx.input_data.startswith("0xa9059cbb")
    token = [t for t in tx.transfers if t.kind is TransferKind.TOKEN]
    assert [t.id for t in token] == [usdc[0].id]  # receipt log and tokentx row give the same transfer id
    native = [t for t in tx.transfers if t.kind is TransferKind.NATIVE]
    assert native[0].amount == 0 and TransferFlag.ZERO_VALUE in native[0].flags


def test_empty_history_is_not_an_error(etherscan_over: EtherscanFactory) -> None:
    adapter, server = etherscan_over("empty_history")
    assert list(adapter.transfers_of(UNKNOWN)) == []
    assert len(server.requests) == 3


@pytest.mark.parametrize(("scenario", "error", "calls", "text"), [
    ("notok_rate_limit", RateLimited, 3, "Max rate limit reached"),
    ("daily_cap", QuotaExhausted, 1, "Max daily"),
    ("invalid_key", ApiRejected, 1, "Invalid API Key"),
    ("truncated_json", BadResponse, 3, "unparseable"),
    ("html_error_page", BadResponse, 3, "unparseable"),
])
def test_error_scenarios_map_to_the_error_tree(etherscan_over: EtherscanFactory, scenario: str,
                                               error: type[Exception], calls: int, text: str) -> None:
    adapter, server = etherscan_over(scenario)
    with pytest.raises(error, match=text) as raised:
        list(adapter.transfers_of(HOP1))
    assert len(server.requests) == calls
    assert "TESTKEY" not in str(raised.value)


def test_stall_beyond_timeout_is_chain_unavailable(etherscan_over: EtherscanFactory) -> None:
    adapter, server = etherscan_over("stall_beyond_timeout", timeout=0.2)
    with pytest.raises(ChainUnavailable, match="Timeout|within 0.2 s"):
        list(adapter.transfers_of(HOP1))
    assert len(server.requests) == 3


def test_missing_fixture_is_reported(fixture_server: object) -> None:
    server = FixtureServer(Path(__file__).parent / "no-such-dir")
    try:
        import requests

        resp = requests.get(server.url + "/v2/api?module=account&action=txlist", timeout=5)
        assert resp.status_code == 404
        assert server.missing == ["GET_v2_api__action-txlist__module-account.json"]
    finally:
        server.stop()


def test_spoof_token_is_flagged_in_the_whole_transaction_too(etherscan_over: EtherscanFactory) -> None:
    spoof = "0xb679d7c0b5bc706d7e054393be20c16af38f47ef02365b49bd8dff128ede3f5d"
    adapter, server = etherscan_over("bybit_hop2_poisoning")
    from_history = {t.id: t for t in adapter.transfers_of(HOP2) if t.tx_hash == spoof}
    tx = adapter.transaction(spoof)
    assert tx is not None
    tokens = [t for t in tx.transfers if t.kind is TransferKind.TOKEN]
    assert [t.id for t in tokens] == list(from_history)
    assert tokens[0].asset.symbol == "ЕТН..." and TransferFlag.FAKE_TOKEN in tokens[0].flags
    assert any("contractaddress-0x2a120e7f2f1d8ffd173ed17aa5089f11206b5177" in k for k in server.requests)
