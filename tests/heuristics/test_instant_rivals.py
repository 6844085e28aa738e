"""Instant-exchange payouts when other customers' near-equal orders share the service (issue 13 items 2 and 5):
amount and time alone never link; a match must be unique both ways or singled out by the service's quote."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from heuristics.instant import MatchTerms, consistent_quote_payout, settle_payouts, unique_payout
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


def test_an_order_settled_by_its_own_payout_is_no_longer_a_rival() -> None:
    # Large-world miss (seed 0): two of our orders an hour apart, 100 and 100.05 ETH. The first is singled out by
    # the quote its neighbours share; the second's payout fits only it -- and the first order, by amount and
    # time. Counting the settled first order as a rival left the second unresolved.
    strangers = [order(7, 98_000, -100), order(8, 102_500, -90)]
    later = order(9, 100_050, 60)
    payouts = [payout_for(1, strangers[0], -85), payout_for(2, strangers[1], -75), payout_for(3, DEPOSIT, 15),
               payout_for(4, later, 75)]
    everyone = [*strangers, DEPOSIT, later]
    assert unique_payout(later, payouts[3:], everyone, TERMS) is None  # the first order fits its payout too
    assert consistent_quote_payout(later, payouts[3:], everyone, TERMS) is None  # no neighbours share its quote

    settled = settle_payouts([DEPOSIT, later], payouts, everyone, TERMS)
    assert {d: m.payout for d, m in settled.items()} == {DEPOSIT.id: payouts[2], later.id: payouts[3]}
    assert settled[DEPOSIT.id].rule == "instant.consistent_quote"
    second = settled[later.id]
    assert second.rule == "instant.amount_time"
    # the link rests on the first: it names it and is no surer than it
    assert second.evidence.facts["settled_rivals"] == DEPOSIT.tx_hash
    assert second.confidence == min(settled[DEPOSIT.id].confidence,
                                    unique_payout(later, payouts[3:], [later], TERMS).confidence)  # type: ignore[union-attr]


def test_settling_needs_a_link_first_two_open_orders_stay_open() -> None:
    # Nothing singles either order out: the earlier fits both payouts, the later one's payout fits both orders.
    # Neither is settled, so neither stops being the other's rival -- no link on time order alone.
    later = order(9, 100_050, 60)
    payouts = [payout_for(3, DEPOSIT, 15), payout_for(4, later, 75)]
    assert settle_payouts([DEPOSIT, later], payouts, [DEPOSIT, later], TERMS) == {}


def test_a_settled_orders_payout_still_counts_when_the_quote_is_matched() -> None:
    # Large-world miss (seed 0): a stranger's order equal to our first, ours an hour later 0.08 % larger. Our first
    # order is singled out by the quote and its payout taken; matching the second at the quote without that payout
    # let the settled first order "take" the second's payout, so nothing was forced. Every order and every payout
    # of the window stay in the quote's one-to-one matching; only a linked payout cannot be linked twice.
    stranger = order(7, 100_000, -10)
    ours_first = order(8, 100_000, 0)
    ours_second = order(9, 100_080, 67)
    others = [order(10, 101_000, 55), order(11, 102_000, 86)]
    payouts = [payout_for(1, stranger, -3), payout_for(2, ours_first, 19), payout_for(3, ours_second, 81),
               payout_for(4, others[0], 62), payout_for(5, others[1], 110)]
    everyone = [stranger, ours_first, ours_second, *others]
    free = [p for p in payouts if p != payouts[1]]
    assert consistent_quote_payout(ours_second, free, everyone, TERMS) is None  # the settled order's payout gone

    settled = settle_payouts([ours_first, ours_second], payouts, everyone, TERMS)
    assert {d: m.payout for d, m in settled.items()} == {ours_first.id: payouts[1], ours_second.id: payouts[2]}


def test_the_fee_that_explains_the_most_orders_is_the_quote() -> None:
    # Large-world miss (seed 1, amounts as there): orders stepping by about 1 % also line up one step shifted --
    # ours into the next stranger's payout, that stranger's into the next -- at a fee 1 % off the quote, with
    # three orders. Both fees singled a payout out, so nothing was linked. The true quote settles all six.
    wide = MatchTerms(rates, fee_band=(-0.10, 0.13))  # the engine's band: daily closes sit up to 10 % off
    first, ours, second = order(7, 1_059_004, -11.4), order(8, 1_080_616, 0), order(9, 1_091_423, 4)
    ours_later, third, fourth = order(10, 1_079_506, 24), order(11, 1_101_096, 34.6), order(12, 1_090_301, 34.8)
    everyone = [first, ours, second, ours_later, third, fourth]
    payouts = [payout_for(n, d, minutes) for n, (d, minutes) in enumerate(
        zip(everyone, (-1.3, 6.1, 9.1, 33.1, 46.6, 47.8), strict=True), start=1)]

    found = consistent_quote_payout(ours, payouts, everyone, wide)
    assert found is not None and found.payout == payouts[1]
    assert (found.evidence.facts["quote_orders"], found.evidence.facts["next_quote_orders"]) == ("6", "3")
    settled = settle_payouts([ours, ours_later], payouts, everyone, wide)
    assert {d: m.payout for d, m in settled.items()} == {ours.id: payouts[1], ours_later.id: payouts[3]}

