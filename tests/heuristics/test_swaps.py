"""DEX swap detection within one transaction (methodology §4.5)."""

from __future__ import annotations

from decimal import Decimal

from heuristics.swaps import detect_swap
from tests.heuristics.builders import ETH, FAKE_USDT, STETH, USDT, WETH, transfer
from tracer.model import EvidenceClass, TransferFlag, TransferKind

HACKER = "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"
ROUTER = "0xe592427a0aece92de3edee1f18e0157c05861564"  # Uniswap V3 SwapRouter
POOL = "0xdc24316b9ae028f1497c275eb9192a3ea0f67022"  # Curve ETH/stETH pool
THIRD = "0x1111111111111111111111111111111111111111"
TX = "0x" + "ab" * 32
OTHER_TX = "0x" + "cd" * 32
E18 = 10**18


def test_steth_to_eth_via_curve() -> None:
    legs = [
        transfer(TX, 12, STETH, HACKER, POOL, 1_000 * E18),
        transfer(TX, 0, ETH, POOL, HACKER, 999_100_000_000_000_000_000, kind=TransferKind.INTERNAL),
    ]
    swap = detect_swap(HACKER, legs)
    assert swap is not None
    assert (swap.asset_in, swap.amount_in) == (STETH, 1_000 * E18)
    assert (swap.asset_out, swap.amount_out) == (ETH, 999_100_000_000_000_000_000)
    assert swap.rate == Decimal("0.9991")
    assert swap.counterparty == POOL and swap.payer == POOL
    assert swap.evidence.evidence_class is EvidenceClass.E2
    assert swap.evidence.rule == "swaps.same_tx" and swap.confidence == 0.95
    assert swap.evidence.facts["sold"] == f"{1_000 * E18} {STETH.key}"
    assert swap.carry_taint(500 * E18) == 499_550_000_000_000_000_000


def test_eth_to_token() -> None:
    legs = [
        transfer(TX, -1, ETH, HACKER, ROUTER, 10 * E18),
        transfer(TX, 5, USDT, POOL, HACKER, 27_000_000_000),
    ]
    swap = detect_swap(HACKER, legs)
    assert swap is not None and swap.asset_in == ETH and swap.asset_out == USDT
    assert swap.rate == Decimal(2700)
    assert swap.counterparty == ROUTER and swap.payer == POOL


def test_token_to_eth_with_weth_unwrap_in_router() -> None:
    # USDT -> pool; pool pays WETH to the router; router unwraps and sends ETH internally.
    legs = [
        transfer(TX, 3, USDT, HACKER, POOL, 5_400_000_000),
        transfer(TX, 4, WETH, POOL, ROUTER, 2 * E18),
        transfer(TX, 0, ETH, WETH.contract, ROUTER, 2 * E18, kind=TransferKind.INTERNAL),
        transfer(TX, 1, ETH, ROUTER, HACKER, 2 * E18, kind=TransferKind.INTERNAL),
    ]
    swap = detect_swap(HACKER, legs)
    assert swap is not None and swap.asset_in == USDT and swap.asset_out == ETH
    assert swap.amount_out == 2 * E18 and swap.payer == ROUTER


def test_token_to_token_swap_and_send() -> None:
    legs = [
        transfer(TX, 1, STETH, HACKER, POOL, 3 * E18),
        transfer(TX, 2, USDT, POOL, THIRD, 8_000_000_000),
    ]
    assert detect_swap(HACKER, legs) is None  # nothing came back to the sender
    swap = detect_swap(HACKER, legs, recipient=THIRD)
    assert swap is not None and swap.recipient == THIRD and swap.asset_out == USDT
    assert swap.evidence.facts["recipient"] == THIRD


def test_weth_wrap_is_a_conversion_not_a_trade() -> None:
    """The value stays the same coin: reported as a conversion at rate 1, so taint follows it into WETH."""
    legs = [
        transfer(TX, -1, ETH, HACKER, WETH.contract, 5 * E18),
        transfer(TX, 0, WETH, "0x0000000000000000000000000000000000000000", HACKER, 5 * E18),
    ]
    wrap = detect_swap(HACKER, legs)
    assert wrap is not None and wrap.evidence.facts["conversion"] == "wrap"
    assert (wrap.asset_in, wrap.asset_out, wrap.carry_taint(2 * E18)) == (ETH, WETH, 2 * E18)
    assert detect_swap(HACKER, legs[:1]) is None  # sent to the contract, nothing back: no conversion


def test_liquidity_add_legs_are_not_each_a_swap_into_the_lp_token() -> None:
    """Why the net-delta rule was kept over the engine's former per-outflow rule ("any other asset coming back in
    the same tx is what this outflow bought"): that rule made the ETH leg and the stETH leg of a liquidity add
    each a swap into the same LP leg, sending their taint onto it twice."""
    lp = STETH.__class__(STETH.chain, "steCRV", "0x06325440d014e39736583c165c2963ba99faf14e", 18)
    legs = [
        transfer(TX, -1, ETH, HACKER, POOL, 1 * E18),
        transfer(TX, 1, STETH, HACKER, POOL, 1 * E18),
        transfer(TX, 2, lp, "0x0000000000000000000000000000000000000000", HACKER, 2 * E18),
    ]
    assert detect_swap(HACKER, legs) is None


def test_unrelated_inflow_in_another_tx_is_not_a_swap() -> None:
    legs = [
        transfer(TX, -1, ETH, HACKER, THIRD, 10 * E18),
        transfer(OTHER_TX, 7, USDT, POOL, HACKER, 27_000_000_000, block=21_895_100),
    ]
    assert detect_swap(HACKER, legs) is None


def test_third_party_inflow_same_block_other_tx_is_not_a_swap() -> None:
    legs = [
        transfer(TX, 1, STETH, HACKER, POOL, 3 * E18),
        transfer(OTHER_TX, 0, ETH, THIRD, HACKER, 3 * E18),  # same block 21_895_000
    ]
    assert detect_swap(HACKER, legs) is None


def test_zero_value_and_fake_token_legs_are_ignored() -> None:
    legs = [
        transfer(TX, -1, ETH, HACKER, ROUTER, 10 * E18),
        transfer(TX, 5, USDT, POOL, HACKER, 0, flags=frozenset({TransferFlag.ZERO_VALUE})),
        transfer(TX, 6, FAKE_USDT, POOL, HACKER, 27_000_000_000, flags=frozenset({TransferFlag.FAKE_TOKEN})),
    ]
    assert detect_swap(HACKER, legs) is None


def test_airdrop_without_outflow_is_not_a_swap() -> None:
    legs = [transfer(TX, 2, USDT, THIRD, HACKER, 1_000_000)]
    assert detect_swap(HACKER, legs) is None


def test_liquidity_add_is_not_a_swap() -> None:
    lp = STETH.__class__(STETH.chain, "steCRV", "0x06325440d014e39736583c165c2963ba99faf14e", 18)
    legs = [
        transfer(TX, -1, ETH, HACKER, POOL, 1 * E18),
        transfer(TX, 1, STETH, HACKER, POOL, 1 * E18),
        transfer(TX, 2, lp, "0x0000000000000000000000000000000000000000", HACKER, 2 * E18),
    ]
    assert detect_swap(HACKER, legs) is None
