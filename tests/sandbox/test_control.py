"""Phases, fault injection, stats and the start_sandbox helper."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tracer.sandbox.faults import FaultPlan
from tracer.sandbox.launch import start_sandbox
from tracer.sandbox.server import SandboxServer
from tracer.sandbox.truth import Truth
from tracer.sandbox.world import ETHEREUM, TRON, World


def _txlist(srv: SandboxServer, addr: str) -> list[dict[str, str]]:
    body = requests.get(srv.urls()["etherscan"], params={"chainid": "1", "module": "account", "action": "txlist",
                                                         "address": addr}, timeout=10).json()
    return list(body["result"])


def test_phase_two_reveals_dormant_moves(server: SandboxServer, truth: Truth, world: World) -> None:
    late = [e for e in truth.exits if e.phase == 2]
    assert {e.chain for e in late} == {ETHEREUM, TRON}
    dormant_eth = [a for c, a in truth.dormant if c == ETHEREUM]
    before = {a: len(_txlist(server, a)) for a in dormant_eth}
    ctl = f"{server.base_url}/__sandbox/phase"
    assert requests.get(ctl, timeout=10).json()["phase"] == 1
    moved = requests.post(ctl, json={"n": 2}, timeout=10).json()
    assert moved["phase"] == 2 and moved["tips"][ETHEREUM] == world.tip(ETHEREUM, 2) > world.tip(ETHEREUM, 1)
    after = {a: len(_txlist(server, a)) for a in dormant_eth}
    assert any(after[a] > before[a] for a in dormant_eth)
    late_eth = next(e for e in late if e.chain == ETHEREUM)
    assert _txlist(server, late_eth.address)  # the phase-2 exchange deposit now exists
    tip = requests.get(server.urls()["etherscan"], params={"chainid": "1", "module": "proxy",
                                                           "action": "eth_blockNumber"}, timeout=10).json()
    assert int(tip["result"], 16) == world.tip(ETHEREUM, 2)
    server.set_phase(1)
    assert not _txlist(server, late_eth.address)
    assert requests.get(f"{ctl}?n=9", timeout=10).status_code == 400


def _statuses(world: World, plan: FaultPlan, n: int) -> list[str]:
    out = []
    with SandboxServer(world, faults=plan) as srv:
        for _ in range(n):
            try:
                r = requests.get(srv.urls()["etherscan"], timeout=0.5,
                                 params={"chainid": "1", "module": "proxy", "action": "eth_blockNumber"})
                kind = str(r.status_code)
                if r.status_code == 200:
                    try:
                        r.json()
                    except ValueError:
                        kind = "truncated"
            except requests.exceptions.Timeout:
                kind = "stall"
            out.append(kind)
        faults = srv.stats()["faults"]
    assert sum(faults.values()) == sum(1 for k in out if k != "200")
    return out


def test_faults_are_deterministic_and_roughly_the_fraction(world: World) -> None:
    plan = FaultPlan(fraction=0.3, kinds=("429", "500", "html", "truncated"), seed=11)
    first = _statuses(world, plan, 60)
    assert first == _statuses(world, plan, 60)
    bad = sum(1 for s in first if s != "200")
    assert 8 <= bad <= 30  # 60 x 0.3 = 18 expected
    assert {"429", "500", "502"} <= set(first)
    assert _statuses(world, FaultPlan(0.3, plan.kinds, seed=12), 60) != first


def test_stall_longer_than_client_timeout(world: World) -> None:
    kinds = _statuses(world, FaultPlan(fraction=1.0, kinds=("stall",), stall_seconds=1.0), 2)
    assert kinds == ["stall", "stall"]


def test_control_endpoints_are_never_faulted_and_faults_settable(world: World) -> None:
    with SandboxServer(world, faults=FaultPlan(1.0, ("500",))) as srv:
        for _ in range(5):
            assert requests.get(f"{srv.base_url}/__sandbox/stats", timeout=5).status_code == 200
        assert requests.get(f"{srv.urls()['midgard']}/v2/actions", timeout=5).status_code == 500
        off = requests.get(f"{srv.base_url}/__sandbox/faults", params={"fraction": "0"}, timeout=5).json()
        assert off["fraction"] == 0.0
        assert requests.get(f"{srv.urls()['midgard']}/v2/actions", timeout=5).status_code == 200
        bad = requests.get(f"{srv.base_url}/__sandbox/faults", params={"kinds": "boom"}, timeout=5)
        assert bad.status_code == 400


def test_stats_count_requests(server: SandboxServer, truth: Truth) -> None:
    for _ in range(3):
        _txlist(server, truth.exploiter)
    requests.get(f"{server.urls()['esplora']}/blocks/tip/height", timeout=10)
    stats = requests.get(f"{server.base_url}/__sandbox/stats", timeout=10).json()
    assert stats["endpoints"]["etherscan:account/txlist"] == 3
    assert stats["endpoints"]["esplora:/blocks/tip/height"] == 1
    assert stats["dialects"] == {"etherscan": 3, "esplora": 1} and stats["total"] == 4


def test_start_sandbox_writes_files_and_env(tmp_path: Path) -> None:
    sb = start_sandbox(7, out_dir=tmp_path)
    try:
        env = sb.env()
        assert env["TRACER_ETHERSCAN_URL"].endswith("/etherscan/v2/api")
        assert set(env) == {"TRACER_ETHERSCAN_URL", "TRACER_ESPLORA_URL", "TRACER_TRONGRID_URL",
                            "TRACER_MIDGARD_URL", "TRACER_COINGECKO_URL"}
        assert sb.truth_path.exists() and sb.labels_path.read_text().startswith("chain,address,label")
        assert requests.get(env["TRACER_ESPLORA_URL"] + "/blocks/tip/height", timeout=10).text.isdigit()
    finally:
        sb.stop()


def test_unknown_scale_rejected() -> None:
    from tracer.sandbox.generator import generate_world

    with pytest.raises(ValueError, match="unknown scale"):
        generate_world(1, "huge")


def test_midgard_pending_until_the_payout_is_visible(server: SandboxServer, world: World) -> None:
    url = f"{server.urls()['midgard']}/v2/actions"
    straddling = [a for a in world.thor_actions if a.visible_block > world.tip(a.visible_chain, 1)
                  and world.index.evm_by_hash[a.in_legs[0].txid].block <= world.tip(ETHEREUM, 1)]
    assert straddling
    txid = straddling[0].in_legs[0].txid
    before = requests.get(url, params={"txid": txid}, timeout=10).json()["actions"][0]
    assert before["status"] == "pending" and before["out"] == []
    server.set_phase(2)
    after = requests.get(url, params={"txid": txid}, timeout=10).json()["actions"][0]
    assert after["status"] == "success" and after["out"][0]["coins"][0]["asset"] == "BTC.BTC"
