"""Tornado pool map and linkers H1-H5 on literal events (one real mainnet pair from lambdaclass H1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heuristics.mixers.pools import POOLS, Pool, find_pool, pool_of
from heuristics.mixers.tornado import (
    H1_BUSY_RECIPIENT,
    PoolDeposit,
    PoolWithdrawal,
    TornadoCallbacks,
    anonymity_set_sizes,
    link_address_match,
    link_fifo_time,
    link_linked_addresses,
    link_multi_denomination,
    link_unique_gas_price,
    link_withdrawals,
)
from tracer.model import Chain, EvidenceClass


def _pool(p: Pool | None) -> Pool:
    assert p is not None
    return p


ETH01 = _pool(pool_of(Chain.ETHEREUM, "0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc"))
ETH100 = _pool(pool_of(Chain.ETHEREUM, "0xA160CDAB225685DA1D56AA342AD8841C3B53F291"))
ETH1 = _pool(find_pool(Chain.ETHEREUM, "ETH", "1"))
T0 = datetime(2022, 4, 4, tzinfo=UTC)


def dep(h: str, block: int, pool: Pool = ETH100, who: str | None = None, gas: int | None = None,
        t: datetime | None = None) -> PoolDeposit:
    assert pool in POOLS.values()
    return PoolDeposit(h, block, t or T0 + timedelta(minutes=block), pool, who, gas)


def wd(h: str, block: int, to: str, pool: Pool = ETH100, relayer: str | None = None, gas: int | None = None,
       t: datetime | None = None) -> PoolWithdrawal:
    return PoolWithdrawal(h, block, t or T0 + timedelta(minutes=block), pool, to, relayer, 10**17 if relayer else 0,
                          gas)


def test_pool_map_from_tutela_tables() -> None:
    assert len(POOLS) == 19
    assert ETH100.denomination == 100 * 10**18 and ETH100.name == "100 ETH"
    assert ETH01.denomination == 10**17 and ETH01.name == "0.1 ETH"
    usdc = pool_of(Chain.ETHEREUM, "0x4736dcf1b7a3d580672cce6e7c65cd5cc9cfba9d")
    assert usdc is not None and usdc.denomination == 1000 * 10**6 and usdc.asset.symbol == "USDC"
    cdai = find_pool(Chain.ETHEREUM, "cDAI", "5000000")
    assert cdai is not None and cdai.denomination == 5_000_000 * 10**8
    assert pool_of(Chain.ETHEREUM, "0x0000000000000000000000000000000000000000") is None
    assert pool_of(Chain.BSC, ETH100.address) is None


def test_h1_real_mainnet_pair_from_lambdaclass() -> None:
    # lambdaclass heuristic_1_results.csv pair in the 0.1 ETH pool (blocks 9443959 -> 9446111, Feb 2020);
    # the deposit sender is implied by the pair itself (H1: sender == recipient).
    who = "0x9d2099bf2d8647a9199b1d725a46845537bed774"
    d = PoolDeposit("0x24d0f40f4063bd80c3f5090cef94ce8f4348563e4857b0389e267e1c8fcd7332", 9443959,
                    datetime(2020, 2, 8, 19, 19, 33, tzinfo=UTC), ETH01, who, None)
    w = PoolWithdrawal("0x35d3dccaf96914709f3b7ffda3ca21e10605fd4e21cb2047358bbac8a419c06a", 9446111,
                       datetime(2020, 2, 9, 3, 17, 55, tzinfo=UTC), ETH01, who.upper().replace("0X", "0x"), None, 0,
                       None)
    other = wd("0xother", 9446200, "0x1111111111111111111111111111111111111111", pool=ETH01)
    links = link_withdrawals([d], [d], [w, other], use_fifo=False)
    assert len(links) == 1
    link = links[0]
    assert link.withdrawal.tx_hash == w.tx_hash and link.heuristics == ("address_match",)
    assert link.evidence.evidence_class is EvidenceClass.E4
    assert link.evidence.rule == "mixers.tornado.address_match"
    assert link.evidence.facts["recipient"] == who and link.confidence == pytest.approx(0.9)


def test_h1_requires_same_pool_and_order_and_skips_busy_and_services() -> None:
    a = "0xaaaa"
    d = dep("0xd1", 100, who=a)
    assert link_address_match([d], [wd("0xw1", 50, a)]) == []  # withdrawal before deposit
    assert link_address_match([d], [wd("0xw2", 150, a, pool=ETH01)]) == []  # other pool
    assert link_address_match([d], [wd("0xw3", 100, a)]) == []  # same block: note not yet usable
    busy = [wd(f"0xb{i}", 200 + i, a) for i in range(H1_BUSY_RECIPIENT + 1)]
    assert link_address_match([d], busy) == []  # exchange-like recipient
    service = TornadoCallbacks(is_service=lambda x: x == a)
    assert link_address_match([d], [wd("0xw4", 150, a)], service) == []
    assert len(link_address_match([d], [wd("0xw4", 150, a)])) == 1


def test_h2_unique_gas_price_only_for_self_relayed_and_unique() -> None:
    d1 = dep("0xd1", 100, gas=41_234_567_891)
    d2 = dep("0xd2", 101, gas=20_000_000_000)
    d3 = dep("0xd3", 102, gas=20_000_000_000)
    w1 = wd("0xw1", 200, "0xr1", gas=41_234_567_891)
    w2 = wd("0xw2", 201, "0xr2", gas=20_000_000_000)  # shared by two deposits: not unique
    w3 = wd("0xw3", 202, "0xr3", gas=41_234_567_891, relayer="0xrelayer")  # relayed: ignored
    alld, allw = [d1, d2, d3], [w1, w2]
    got = link_unique_gas_price(alld, alld, allw)
    assert [(c.deposit.tx_hash, c.withdrawal.tx_hash) for c in got] == [("0xd1", "0xw1")]
    # the relayed withdrawal with the same price makes the price non-unique for w1 too
    assert link_unique_gas_price(alld, alld, [w1, w3]) == []


def test_h3_linked_addresses_through_callback() -> None:
    d = dep("0xd1", 100, who="0xdepositor")
    ws = [wd("0xw1", 200, "0xfriend"), wd("0xw2", 201, "0xstranger")]
    calls: list[tuple[str, str]] = []

    def interacted(a: str, b: str) -> bool:
        calls.append((a, b))
        return b == "0xfriend"

    got = link_linked_addresses([d], ws, TornadoCallbacks(interacted=interacted))
    assert [c.withdrawal.tx_hash for c in got] == ["0xw1"]
    assert sorted(calls) == [("0xdepositor", "0xfriend"), ("0xdepositor", "0xstranger")]
    assert link_linked_addresses([d], ws, TornadoCallbacks()) == []


def test_h4_multi_denomination_portfolio() -> None:
    # 0xalice deposits 100 ETH x2 + 1 ETH x1 within 24 h; 0xbob withdraws the same portfolio a day later.
    deps = [dep("0xa1", 10, who="0xalice"), dep("0xa2", 20, who="0xalice"), dep("0xa3", 30, ETH1, who="0xalice"),
            dep("0xc1", 40, who="0xcarol")]
    later = T0 + timedelta(days=2)
    ws = [wd("0xb1", 5000, "0xbob", t=later), wd("0xb2", 5001, "0xbob", ETH1, t=later + timedelta(hours=1)),
          wd("0xb3", 5002, "0xbob", t=later + timedelta(hours=2)), wd("0xz1", 5003, "0xzed")]
    got = link_multi_denomination(deps, deps, ws)
    pairs = {(c.deposit.tx_hash, c.withdrawal.tx_hash) for c in got}
    assert pairs == {("0xa1", "0xb1"), ("0xa2", "0xb3"), ("0xa3", "0xb2")}
    assert all(c.confidence == pytest.approx(0.7) for c in got)
    # a second depositor with the same portfolio halves the confidence (|C| = 2)
    twin = [dep("0xt1", 11, who="0xtwin"), dep("0xt2", 21, who="0xtwin"), dep("0xt3", 31, ETH1, who="0xtwin")]
    got2 = link_multi_denomination(deps, deps + twin, ws)
    assert got2 and all(c.confidence == pytest.approx(0.35) for c in got2)
    # a single-pool portfolio is ignored
    single = [dep(f"0xs{i}", i, who="0xsolo") for i in range(3)]
    assert link_multi_denomination(single, single, [wd(f"0xq{i}", 900 + i, "0xq") for i in range(3)]) == []


def test_anonymity_sets_and_fifo_lifo() -> None:
    deps = [dep("0xd1", 1), dep("0xd2", 2), dep("0xd3", 3)]
    ws = [wd("0xw1", 3, "0xr1"), wd("0xw2", 4, "0xr2")]
    assert anonymity_set_sizes(deps, ws) == {"0xw1": 2, "0xw2": 2}
    fifo = link_fifo_time(deps, deps, ws)
    assert [(c.deposit.tx_hash, c.withdrawal.tx_hash) for c in fifo] == [("0xd1", "0xw1"), ("0xd2", "0xw2")]
    lifo = link_fifo_time(deps, deps, ws, lifo=True)
    assert [(c.deposit.tx_hash, c.withdrawal.tx_hash) for c in lifo] == [("0xd2", "0xw1"), ("0xd3", "0xw2")]
    # deposits older than the FIFO window are skipped
    old = [dep("0xold", 1, t=T0 - timedelta(days=60)), dep("0xnew", 2)]
    assert [c.deposit.tx_hash for c in link_fifo_time(old, old, [wd("0xw", 5, "0xr")])] == ["0xnew"]


def test_combination_noisy_or_and_evidence_class() -> None:
    a = "0xaaaa"
    d = dep("0xd1", 100, who=a, gas=33_333_333_333)
    w = wd("0xw1", 101, a, gas=33_333_333_333)
    links = link_withdrawals([d], [d], [w])
    assert len(links) == 1
    lk = links[0]
    assert set(lk.heuristics) == {"address_match", "unique_gas_price", "fifo_time"}
    assert lk.confidence == pytest.approx(1 - 0.1 * 0.25 * 0.9)
    assert lk.evidence.rule == "mixers.tornado.combined" and lk.evidence.evidence_class is EvidenceClass.E4
    only_time = link_withdrawals([dep("0xd9", 100)], [dep("0xd9", 100)], [wd("0xw9", 101, "0xb")])
    assert only_time[0].evidence.evidence_class is EvidenceClass.E5 and only_time[0].confidence == pytest.approx(0.1)
