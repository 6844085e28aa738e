"""The generated world: determinism, valid identifiers, conservation, and the incident's structure."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import base58
import bech32
from eth_abi import decode
from eth_utils import is_checksum_address, to_checksum_address

from chains.addresses import is_valid_address
from tests.sandbox.helpers import Generated
from tracer.model import Chain
from tracer.sandbox.generator import generate_world
from tracer.sandbox.generator.abi import selector
from tracer.sandbox.generator.context import THOR_ROUTER
from tracer.sandbox.truth import LABEL_HEADER, write_labels, write_truth
from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON, World

CATEGORIES = {"exchange", "bridge", "mixer", "instant_exchange", "dex", "otc", "sanctioned", "hacker", "victim",
              "issuer", "coinjoin", "service"}


def test_same_seed_same_world_and_truth(generated: Generated) -> None:
    world, truth, labels = generated
    world2, truth2, labels2 = generate_world(7, "demo")
    assert world2.digest() == world.digest()
    assert truth2.to_json() == truth.to_json()
    assert labels2 == labels


def test_different_seed_differs(world: World) -> None:
    other, truth, _ = generate_world(8, "demo")
    assert other.digest() != world.digest()
    assert truth.theft_txs[0] not in world.index.evm_by_hash


def _valid_evm(a: str) -> bool:
    return len(a) == 42 and a == a.lower() and is_checksum_address(to_checksum_address(a))


def _valid_btc(a: str) -> bool:
    if a.startswith("bc1"):  # BIP-173 constant for v0, BIP-350 (bech32m) for v1, checked by hand
        data = [bech32.CHARSET.find(c) for c in a[3:]]
        const = bech32.bech32_polymod(bech32.bech32_hrp_expand("bc") + data)
        return const == (1 if data[0] == 0 else 0x2BC830A3) and len(a) in (42, 62)
    raw = base58.b58decode_check(a)  # raises on a bad checksum
    return len(raw) == 21 and raw[0] == 0


def _valid_tron(a: str) -> bool:
    raw = base58.b58decode_check(a)
    return len(raw) == 21 and raw[0] == 0x41 and a.startswith("T")


def test_every_address_and_hash_is_valid(world: World) -> None:
    evm = {a for tx in world.evm_txs for a in (tx.from_, tx.to)}
    evm |= {a for tx in world.evm_txs for c in tx.internal for a in (c.from_, c.to)}
    evm |= {a for tx in world.evm_txs for t in tx.token_transfers for a in (t.from_, t.to, t.contract)}
    assert all(_valid_evm(a) for a in evm), [a for a in evm if not _valid_evm(a)][:3]
    assert all(is_valid_address(Chain.ETHEREUM, a) for a in evm)  # the project's own validator agrees
    btc = {i.address for tx in world.btc_txs for i in tx.vin} | {
        o.address for tx in world.btc_txs for o in tx.vout if o.address}
    assert all(_valid_btc(a) and is_valid_address(Chain.BITCOIN, a) for a in btc)
    assert {a[:4] for a in btc} >= {"bc1q", "bc1p"} and any(a.startswith("1") for a in btc)
    tron = {a for tx in world.tron_txs for a in (tx.owner, tx.to)} | {
        a for tx in world.tron_txs for t in tx.trc20 for a in (t.from_, t.to)}
    assert all(_valid_tron(a) and is_valid_address(Chain.TRON, a) for a in tron)
    hashes = [tx.hash for tx in world.evm_txs]
    assert all(len(h) == 66 and int(h, 16) >= 0 for h in hashes) and len(set(hashes)) == len(hashes)
    txids = [tx.txid for tx in world.btc_txs] + [tx.txid for tx in world.tron_txs]
    assert all(len(t) == 64 and int(t, 16) >= 0 for t in txids) and len(set(txids)) == len(txids)


def test_realistic_heights_and_times(world: World) -> None:
    assert 21_850_000 < min(tx.block for tx in world.evm_txs) < max(tx.block for tx in world.evm_txs) < 22_100_000
    assert 883_000 < world.tip(BITCOIN, 1) < world.tip(BITCOIN, 2) < 888_000
    assert 69_700_000 < world.tip(TRON, 1) < world.tip(TRON, 2) < 70_500_000
    assert world.time_of(ETHEREUM, 21_895_001) - world.time_of(ETHEREUM, 21_895_000) == 12


def test_flows_balance_in_truth(generated: Generated) -> None:
    _, truth, _ = generated
    for flow in truth.flows:
        assert flow.balanced, flow
        exits = sum(e.amount for e in truth.exits if (e.chain, e.asset) == (flow.chain, flow.asset))
        assert exits == sum(v for k, v in flow.outflows if k.startswith("exit:"))
    stolen = dict(truth.stolen)
    eth_in = dict(next(f for f in truth.flows if f.asset == "ETH").inflows)
    assert eth_in["stolen"] == stolen["ETH"] == 3_600 * 10**18


def test_eth_conservation_recomputed_from_the_ledger(generated: Generated) -> None:
    """Sum the world's own txs over the launderer set: in - out - gas == what the truth says is still held."""
    world, truth, _ = generated
    own = {a for c, a in truth.launderer if c == ETHEREUM}
    net: dict[str, int] = defaultdict(int)
    external_in = external_out = gas = 0
    for tx in world.evm_txs:
        moves = [] if tx.is_error else [(tx.from_, tx.to, tx.value)] + [(c.from_, c.to, c.value) for c in tx.internal]
        if tx.from_ in own:
            gas += tx.fee
            net[tx.from_] -= tx.fee
        for f, t, v in moves:
            net[f] -= v
            net[t] += v
            if t in own and f not in own:
                external_in += v
            if f in own and t not in own:
                external_out += v
    held = sum(net[a] for a in own)
    resting = sum(e.amount for e in truth.exits if e.chain == ETHEREUM and e.asset == "ETH"
                  and e.status in ("unspent", "mixed") and e.address in own)
    assert held == resting == external_in - external_out - gas
    assert all(net[a] >= 0 for a in own)
    flow = next(f for f in truth.flows if f.chain == ETHEREUM and f.asset == "ETH")
    assert dict(flow.outflows)["gas"] == gas


def test_btc_conservation_recomputed_from_the_ledger(generated: Generated) -> None:
    world, truth, _ = generated
    own = {a for c, a in truth.launderer if c == BITCOIN}
    spent = {(i.prev_txid, i.prev_vout) for tx in world.btc_txs for i in tx.vin}
    held = sum(o.value for tx in world.btc_txs for n, o in enumerate(tx.vout)
               if o.address in own and (tx.txid, n) not in spent)
    resting = sum(e.amount for e in truth.exits if e.chain == BITCOIN and e.status in ("unspent", "mixed"))
    assert held == resting
    received = sum(o.value for tx in world.btc_txs if tx.vin and tx.vin[0].address not in own
                   and not any(i.address in own for i in tx.vin) for o in tx.vout if o.address in own)
    flow = next(f for f in truth.flows if f.chain == BITCOIN)
    assert received == dict(flow.inflows)["thorchain_payout"]


def test_thorchain_deposits_and_payouts_link(generated: Generated) -> None:
    world, truth, _ = generated
    ix = world.index
    sel = selector("depositWithExpiry(address,address,uint256,string,uint256)")
    bridges = [p for p in truth.cross_chain if p.kind == "bridge"]
    assert len(bridges) >= 9
    for pair in bridges:
        tx = ix.evm_by_hash[pair.from_tx]
        assert tx.to == THOR_ROUTER and tx.input.startswith(sel)
        vault, asset, amount, memo, _exp = decode(
            ["address", "address", "uint256", "string", "uint256"], bytes.fromhex(tx.input[10:]))
        assert amount == tx.value and memo.startswith("=:BTC.BTC:")
        assert tx.internal[0].to == vault.lower() and tx.internal[0].value == tx.value
        btx = ix.btc_by_txid[pair.to_tx]
        dest = memo.split(":")[2]
        assert btx.vout[0].address == dest
        assert btx.vout[2].op_return == f"OUT:{pair.from_tx[2:].upper()}".encode()
    streaming = [a for a in world.thor_actions if a.is_streaming]
    refunds = [a for a in world.thor_actions if a.type == "refund"]
    assert len(streaming) == 1 and len(streaming[0].out_legs) == 2
    assert len(refunds) == 1 and refunds[0].out_legs[0].address == refunds[0].in_legs[0].address
    refund_tx = ix.evm_by_hash[refunds[0].out_legs[0].txid]
    assert f"REFUND:{refunds[0].in_legs[0].txid[2:].upper()}" in bytes.fromhex(refund_tx.input[10:]).decode(
        "latin-1")


def test_mixer_pairs_some_linkable_some_not(generated: Generated) -> None:
    world, truth, _ = generated
    ix = world.index
    pairs = truth.mixer_pairs
    assert any("H2" in p.linkable_by for p in pairs) and any("H3" in p.linkable_by for p in pairs)
    assert sum(1 for p in pairs if not p.linkable_by) > len(pairs) // 2
    for p in pairs:
        dep, wd = ix.evm_by_hash[p.deposit_tx], ix.evm_by_hash[p.withdrawal_tx]
        assert dep.value in (10 * 10**18, 100 * 10**18) and dep.to == wd.to == p.pool
        assert wd.internal[0].to == p.recipient and dep.block < wd.block
        if "H2" in p.linkable_by:
            same = [t for t in world.evm_txs if t.gas_price == dep.gas_price]
            assert {t.hash for t in same} == {dep.hash, wd.hash}
        if "H3" in p.linkable_by:
            links = [t for t in ix.evm_by_addr[p.recipient] if t.from_ == dep.from_ and t.to == p.recipient]
            assert len(links) >= 3
    other_deposits = [t for t in world.evm_txs if t.to == pairs[0].pool and t.value > 0
                      and t.hash not in {p.deposit_tx for p in pairs}]
    assert len(other_deposits) >= 5


def test_coinjoin_and_postmix_consolidation(generated: Generated) -> None:
    world, truth, _ = generated
    noise = dict(truth.noise)
    cj = world.index.btc_by_txid[noise["coinjoin_txs"][0]]
    owners = {i.address for i in cj.vin}
    values = [o.value for o in cj.vout]
    assert len(owners) >= 10 and max(values.count(v) for v in set(values)) >= 5
    cons = world.index.btc_by_txid[noise["postmix_consolidation_txs"][0]]
    assert len(cons.vin) >= 2 and all(i.prev_txid == cj.txid for i in cons.vin)


def test_noise_sets(generated: Generated) -> None:
    world, truth, _ = generated
    noise = dict(truth.noise)
    for look in noise["poisoning_addresses"]:
        real = [a for c, a in truth.launderer if c == ETHEREUM and a[:6] == look[:6] and a[-4:] == look[-4:]]
        assert real and real[0] != look
    fake = noise["fake_token_contracts"][0]
    tok = world.index.tokens[fake]
    assert tok.symbol == "USDT" and not tok.verified
    assert all(world.index.evm_by_hash[h].to == truth.exploiter for h in noise["dust_txs"])
    busy = [b.split(":", 1)[1] for b in noise["busy_addresses"]]
    assert len(world.index.evm_by_addr[busy[0]]) > 1000 and len(world.index.btc_by_addr[busy[1]]) > 1000


def test_truth_and_labels_files(generated: Generated, tmp_path: Path) -> None:
    _, truth, labels = generated
    data = json.loads(write_truth(truth, tmp_path / "truth.json").read_text())
    assert data["stolen"]["ETH"] == str(3_600 * 10**18)
    assert {e["status"] for e in data["exits"]} >= {"cashed_out", "dark", "frozen", "unspent", "mixed", "bridged"}
    assert all(isinstance(e["amount"], str) for e in data["exits"])
    assert {p["kind"] for p in data["cross_chain"]} == {"bridge", "instant_exchange", "refund", "swap"}
    with write_labels(labels, tmp_path / "labels.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == LABEL_HEADER
    assert {r[3] for r in rows[1:]} <= CATEGORIES
    assert {"exchange", "bridge", "mixer", "instant_exchange", "dex", "otc", "issuer", "hacker", "victim"} <= {
        r[3] for r in rows[1:]}
    assert all(0 <= float(r[5]) <= 1 for r in rows[1:])
    deposit_addrs = {e.address for e in truth.exits if e.service == "Exchange X"}
    assert not deposit_addrs & {r[1] for r in rows[1:]}  # deposit addresses are found by behaviour


def test_exits_per_phase(generated: Generated) -> None:
    _, truth, _ = generated
    late = [e for e in truth.exits if e.phase == 2]
    held = truth.phase1_holdings
    assert late and held and {(e.chain, e.address) for e in held} <= set(truth.dormant)
    for chain in (ETHEREUM, TRON):
        asset = "ETH" if chain == ETHEREUM else next(e.asset for e in late if e.chain == TRON)
        phase1 = sum(e.amount for e in truth.exits_for_phase(1) if e.chain == chain and e.asset == asset)
        phase2 = sum(e.amount for e in truth.exits_for_phase(2) if e.chain == chain and e.asset == asset)
        gas_later = sum(h.amount for h in held if h.chain == chain) - sum(
            e.amount for e in late if e.chain == chain)
        assert phase1 == phase2 + gas_later and gas_later >= 0


def test_large_scale_is_consistent() -> None:
    world, truth, _ = generate_world(3, "large")
    assert all(f.balanced for f in truth.flows)
    assert len(truth.mixer_pairs) > 100 and len([p for p in truth.cross_chain if p.kind == "bridge"]) > 30
    hot = dict(truth.noise)["busy_addresses"][0].split(":", 1)[1]
    assert len(world.index.evm_by_addr[hot]) > 10_000
