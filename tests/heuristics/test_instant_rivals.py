"""Instant-exchange payouts when other customers' near-equal orders share the service (issue 13 items 2 and 5):
amount and time alone never link; a match must be unique both ways or singled out by the service's quote."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from heuristics.instant import MatchTerms, consistent_quote_payout, unique_payout
from tests.heuristics.test_instant import DEPOSIT, T0, TRON_USDT, leg
from tracer.model import Asset, Transfer

RATE = Decimal(2700)  # USDT per ETH on the deposit day


def rates(_deposit: Transfer, asset: Asset) -> Decimal | None:
    return RATE if asset.key == TRON_USDT.key else None


TERMS = MatchTerms(rates)


def order(n: int, eth_milli: int, minutes: float) -> Transfer:
    """Another customer's deposit of ``eth_milli`` thousandths of ETH into the service."""
    return replace(DEPOSIT, tx_hash="0x" + f"{n:02x}" * 32, from_address=f"0x{n:040x}", amount=eth_milli * 10**15,
                   timestamp=T0 + timedelta(minutes=minutes))


def payout_for(n: int, deposit: Transfer, minutes: float, fee_per_mille: int = 5) -> Transfer:
    usdt = deposit.amount * 2700 * 10**6 // 10**18 * (1000 - fee_per_mille) // 1000
    return leg(n, TRON_USDT, f"T{n:033d}", usdt, minutes)


def test_a_lone_order_is_linked_to_its_payout() -> None:
    payout = payout_for(1, DEPOSIT, 15)
    found = unique_payout(DEPOSIT, [payout], [DEPOSIT], TERMS)
    assert found is not None and found.payout == payout


def test_near_equal_rival_orders_without_a_shared_quote_link_nothing() -> None:
    # Ours (100 ETH) and a stranger's (101 ETH) minutes apart, each paid at a different fee: both payouts fit
    # both deposits within the fee band -- by amount and time alone either pairing is possible.
    rival = order(7, 101_000, 3)
    payouts = [payout_for(1, DEPOSIT, 15, fee_per_mille=4), payout_for(2, rival, 16, fee_per_mille=15)]
    assert unique_payout(DEPOSIT, payouts, [DEPOSIT, rival], TERMS) is None
    assert consistent_quote_payout(DEPOSIT, payouts, [DEPOSIT, rival], TERMS) is None


def test_the_services_quote_singles_out_our_payout_among_rivals() -> None:
    rivals = [order(7, 98_000, -10), order(8, 102_500, 12)]
    payouts = [payout_for(1, DEPOSIT, 20), payout_for(2, rivals[0], 9), payout_for(3, rivals[1], 30)]
    assert unique_payout(DEPOSIT, payouts, [DEPOSIT, *rivals], TERMS) is None  # ambiguous by amount/time
    found = consistent_quote_payout(DEPOSIT, payouts, [DEPOSIT, *rivals], TERMS)
    assert found is not None and found.payout == payouts[0] and found.rule == "instant.consistent_quote"
    assert found.confidence <= 0.7


def test_a_look_alike_rival_that_can_take_another_payout_leaves_ours_forced() -> None:
    # A stranger ordered the same amount 16 minutes earlier: our payout fits both deposits at the quote, but the
    # stranger's own payout (paid before ours was deposited) fits only the stranger -- one-to-one, ours is forced.
    twin = order(7, 100_000, -16)
    third = order(8, 102_500, 2)
    payouts = [payout_for(1, twin, -6), payout_for(2, DEPOSIT, 12), payout_for(3, third, 20)]
    found = consistent_quote_payout(DEPOSIT, payouts, [twin, DEPOSIT, third], TERMS)
    assert found is not None and found.payout == payouts[1]
    # Without the stranger's own payout either deposit could have been paid by ours: nothing is linked.
    assert consistent_quote_payout(DEPOSIT, payouts[1:], [twin, DEPOSIT, third], TERMS) is None
