"""The Esplora, TronGrid, Midgard and CoinGecko dialects over real HTTP."""

from __future__ import annotations

import base58
import requests

from tests.sandbox.helpers import label_of
from tracer.sandbox.generator.context import USDT_TRC20
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import BITCOIN, TRON, World


def test_esplora_chain_paging_25_newest_first(world: World, labels: tuple[LabelRow, ...]) -> None:
    vault = label_of(labels, BITCOIN, "Exchange X")  # busy: only pageable with a raised history cap
    with SandboxServer(world, esplora_history_limit=10_000) as srv:
        base = srv.urls()["esplora"]
        got: list[str] = []
        url = f"{base}/address/{vault}/txs/chain"
        while True:
            page = requests.get(url, timeout=10).json()
            got += [t["txid"] for t in page]
            if len(page) < 25:
                break
            url = f"{base}/address/{vault}/txs/chain/{page[-1]['txid']}"
        stats = requests.get(f"{base}/address/{vault}", timeout=10).json()
    expected = [t.txid for t in world.index.btc_by_addr[vault] if t.block <= world.tip(BITCOIN, 1)][::-1]
    assert got == expected and len(got) > 25
    assert stats["chain_stats"]["tx_count"] == len(expected)


def test_esplora_tx_outspends_status_and_errors(server: SandboxServer, truth: Truth, world: World,
                                                labels: tuple[LabelRow, ...]) -> None:
    base = server.urls()["esplora"]
    pair = next(p for p in truth.cross_chain if p.to_chain == BITCOIN)
    tx = requests.get(f"{base}/tx/{pair.to_tx}", timeout=10).json()
    assert tx["vout"][2]["scriptpubkey_type"] == "op_return" and "scriptpubkey_address" not in tx["vout"][2]
    assert bytes.fromhex(tx["vout"][2]["scriptpubkey"][4:]).decode() == "OUT:" + pair.from_tx[2:].upper()
    assert tx["vin"][0]["prevout"]["value"] == sum(o["value"] for o in tx["vout"]) + tx["fee"]
    spends = requests.get(f"{base}/tx/{pair.to_tx}/outspends", timeout=10).json()
    assert len(spends) == 3 and spends[0]["spent"] is True and spends[2] == {"spent": False}
    status = requests.get(f"{base}/tx/{pair.to_tx}/status", timeout=10).json()
    assert status["confirmed"] and status["block_height"] == world.index.btc_by_txid[pair.to_tx].block
    tip = requests.get(f"{base}/blocks/tip/height", timeout=10)
    assert tip.headers["Content-Type"].startswith("text/plain") and int(tip.text) == world.tip(BITCOIN, 1)
    missing = requests.get(f"{base}/tx/{'0' * 64}", timeout=10)
    assert missing.status_code == 404 and missing.text == "Transaction not found"
    hot = label_of(labels, BITCOIN, "Exchange X")
    busy = requests.get(f"{base}/address/{hot}/txs/chain", timeout=10)
    assert busy.status_code == 400 and busy.text == "Too many history entries"
    assert requests.get(f"{base}/address/bc1qnotanaddress/txs", timeout=10).status_code == 400


def test_trongrid_fingerprint_paging(server: SandboxServer, world: World, labels: tuple[LabelRow, ...]) -> None:
    broker = label_of(labels, TRON, "OTC Broker 1")
    url = f"{server.urls()['trongrid']}/v1/accounts/{broker}/transactions/trc20"
    params: dict[str, str] = {"limit": "200", "only_confirmed": "true", "contract_address": USDT_TRC20}
    ids: list[str] = []
    pages = 0
    while True:
        body = requests.get(url, params=params, timeout=10).json()
        pages += 1
        assert body["success"] is True
        ids += [d["transaction_id"] for d in body["data"]]
        assert all(d["from"].startswith("T") and d["to"].startswith("T") for d in body["data"])
        fp = body["meta"].get("fingerprint")
        if not fp:
            assert "links" not in body["meta"]
            break
        assert body["meta"]["links"]["next"].endswith(f"fingerprint={fp}")
        params = {**params, "fingerprint": fp}
    expected = [tx.txid for tx, _ in world.index.trc20_by_addr[broker] if tx.block <= world.tip(TRON, 1)]
    assert sorted(ids) == sorted(expected) and len(ids) > 200 and pages == -(-len(ids) // 200)
    incoming = requests.get(url, params={"limit": "50", "only_to": "true"}, timeout=10).json()["data"]
    assert incoming and all(d["to"] == broker for d in incoming)
    ts = [d["block_timestamp"] for d in incoming]
    assert ts == sorted(ts, reverse=True)
    over = requests.get(url, params={"limit": "201"}, timeout=10)
    assert over.status_code == 400 and over.json()["success"] is False


def test_trongrid_raw_tx_hex_addresses_events_and_block(server: SandboxServer, truth: Truth, world: World) -> None:
    base = server.urls()["trongrid"]
    frozen = next(e for e in truth.exits if e.status == "frozen")
    hex_addr = bytes(base58.b58decode_check(frozen.address)).hex()
    payout = world.index.tron_by_id[next(p.to_tx for p in truth.cross_chain if p.kind == "instant_exchange")]
    sender = payout.trc20[0].to  # the launderer's receiving wallet, which then sends (owner of TRC-20 calls)
    sender_hex = bytes(base58.b58decode_check(sender)).hex()
    txs = requests.get(f"{base}/v1/accounts/{sender_hex}/transactions", params={"limit": "20"}, timeout=10).json()
    assert txs["success"] and txs["data"]
    kinds = {d["raw_data"]["contract"][0]["type"] for d in txs["data"]}
    assert kinds == {"TransferContract", "TriggerSmartContract"}
    for d in txs["data"]:
        value = d["raw_data"]["contract"][0]["parameter"]["value"]
        assert value["owner_address"].startswith("41") and len(value["owner_address"]) == 42
    events = requests.get(f"{base}/v1/transactions/{frozen.tx}/events", timeout=10).json()["data"]
    assert events[0]["event_name"] == "AddedBlackList"
    assert events[0]["result"]["_user"] == "0x" + hex_addr[2:]
    byid = requests.post(f"{base}/wallet/gettransactionbyid", json={"value": frozen.tx}, timeout=10).json()
    assert byid["txID"] == frozen.tx and byid["ret"][0]["contractRet"] == "SUCCESS"
    now = requests.get(f"{base}/wallet/getnowblock", timeout=10).json()
    assert now["block_header"]["raw_data"]["number"] == world.tip(TRON, 1)


def test_trongrid_rate_limit_403(world: World, truth: Truth) -> None:
    addr = next(e.address for e in truth.exits if e.status == "frozen")
    with SandboxServer(world, rate_limits={"trongrid": 1}) as srv:
        codes = [requests.get(f"{srv.urls()['trongrid']}/v1/accounts/{addr}/transactions", timeout=10)
                 for _ in range(5)]
    banned = [r for r in codes if r.status_code == 403]
    assert banned and "frequency limit" in banned[0].json()["error"] and banned[0].json()["statusCode"] == 403


def test_midgard_txid_any_case_and_prefix(server: SandboxServer, truth: Truth) -> None:
    url = f"{server.urls()['midgard']}/v2/actions"
    pair = next(p for p in truth.cross_chain if p.kind == "bridge")
    h = pair.from_tx
    for form in (h, h[2:], h[2:].upper(), "0x" + h[2:].upper()):
        body = requests.get(url, params={"txid": form}, timeout=10).json()
        assert body["count"] == "1", form
        act = body["actions"][0]
        assert act["in"][0]["txID"] == h[2:].upper() and act["status"] == "success"
        assert any(o["txID"] == pair.to_tx.upper() for o in act["out"])
        assert act["metadata"]["swap"]["memo"].startswith("=:BTC.BTC:")
    out_lookup = requests.get(url, params={"txid": pair.to_tx}, timeout=10).json()
    assert out_lookup["actions"][0]["in"][0]["txID"] == h[2:].upper()
    refund = next(p for p in truth.cross_chain if p.kind == "refund")
    r = requests.get(url, params={"txid": refund.from_tx}, timeout=10).json()["actions"][0]
    assert r["type"] == "refund" and r["out"][0]["txID"] == refund.to_tx[2:].upper()


def test_midgard_address_paging_and_limits(server: SandboxServer, world: World) -> None:
    url = f"{server.urls()['midgard']}/v2/actions"
    first = requests.get(url, params={"limit": "5"}, timeout=10).json()
    total = int(first["count"])
    seen = [a["in"][0]["txID"] for a in first["actions"]]
    token = first["meta"].get("nextPageToken")
    while token:
        page = requests.get(url, params={"limit": "5", "nextPageToken": token}, timeout=10).json()
        seen += [a["in"][0]["txID"] for a in page["actions"]]
        token = page["meta"].get("nextPageToken")
    assert len(seen) == total == len(set(seen)) > 5
    streaming = next(a for a in world.thor_actions if a.is_streaming)
    body = requests.get(url, params={"address": streaming.in_legs[0].address.upper()}, timeout=10).json()
    swap = next(a for a in body["actions"] if a["type"] == "swap")
    assert swap["metadata"]["swap"]["isStreamingSwap"] is True and len(swap["out"]) == 2
    assert requests.get(url, params={"limit": "51"}, timeout=10).status_code == 400


def test_coingecko_range(server: SandboxServer, world: World) -> None:
    base = server.urls()["coingecko"]
    lo = world.time_of("ethereum", 21_895_251)
    body = requests.get(f"{base}/coins/ethereum/market_chart/range",
                        params={"vs_currency": "usd", "from": str(lo), "to": str(lo + 86_400)}, timeout=10).json()
    assert 23 <= len(body["prices"]) <= 25 and 2_000 < body["prices"][0][1] < 3_500
    assert requests.get(f"{base}/ping", timeout=10).json() == {"gecko_says": "(V3) To the Moon!"}
