"""What a perfect tracer can know, recorded in the truth (issue 13): instant-exchange orders whose twin no public
data separates, and deposit addresses that have not been swept yet when a phase's blocks end."""

from __future__ import annotations

from tracer.sandbox.generator import generate_world
from tracer.sandbox.generator.context import HOUR
from tracer.sandbox.generator.tron import InstantOrder
from tracer.sandbox.generator.variants import is_twin
from tracer.sandbox.world import ETHEREUM


def usdt(wei: int) -> int:
    """The service's payout at one quote: 2,640 USDT per ETH less 0.5 %."""
    return wei * 2_640 * 10**6 // 10**18 * 995 // 1_000


OURS = InstantOrder(ts=1_000_000, deposit_tx="0xa", value=12 * 10**18, payout_tx="b", t_pay=1_000_900, dest="T1",
                    usdt=usdt(12 * 10**18))


def rival(value: int, ts: int, t_pay: int) -> InstantOrder:
    return InstantOrder(ts, "0xc", value, "d", t_pay, "T2", usdt(value))


def test_a_twin_is_the_same_size_within_the_quote_and_either_settlement_is_causal() -> None:
    assert is_twin(OURS, rival(12 * 10**18 + 4 * 10**14, 1_000_300, 1_001_500))  # 0.003 % apart: a twin
    assert not is_twin(OURS, rival(12 * 10**18 * 101 // 100, 1_000_300, 1_001_500))  # 1 % apart: the quote tells
    assert not is_twin(OURS, rival(12 * 10**18, 1_000_950, 1_002_000))  # deposited after our payout: forced
    assert not is_twin(OURS, rival(12 * 10**18, 999_000, 999_900))  # paid before our deposit: forced
    assert is_twin(OURS, rival(12 * 10**18, 999_000, 1_000_000 + HOUR))


def test_the_shared_world_records_the_twin_of_an_order_and_the_default_world_none() -> None:
    _, truth, _ = generate_world(1, "small", "shared")
    assert len(truth.ambiguous_crossings) == 1
    twin = truth.ambiguous_crossings[0]
    pairs = {(p.from_tx, p.to_tx) for p in truth.cross_chain if p.kind == "instant_exchange"}
    assert (twin.from_tx, twin.to_tx) in pairs and (twin.twin_from_tx, twin.twin_to_tx) not in pairs
    assert generate_world(7, "demo")[1].ambiguous_crossings == ()


def test_every_deposit_address_records_the_phase_of_its_first_sweep() -> None:
    _, truth, _ = generate_world(11, "small", "all")
    phases = {(c, a): p for c, a, p in truth.deposit_sweep_phase}
    assert set(phases) == set(truth.deposit_addresses)
    late = "0x187bebdd8267824c1e4447391007b99d76ab623c"  # paid on day 8, swept 3 days later: after phase 1
    assert phases[(ETHEREUM, late)] == 2
    assert sum(p == 1 for p in phases.values()) >= 10
