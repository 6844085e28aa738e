"""Deposit addresses an exchange sweeps through an unlabelled consolidation hub (methodology §2.4, two levels):
the deposit address is found, the hub is not mistaken for one, and a launderer's collector that pays a deposit
address (the ``waves`` shape: collector -> deposit address -> hot wallet) is not called a deposit address."""

from __future__ import annotations

from heuristics.deposit import (
    CONSOLIDATION_RULE,
    MIN_CONSOLIDATION_FEEDERS,
    detect_deposit_address,
    detect_via_consolidation,
    forwarding_hub,
)
from tests.heuristics.test_deposit import BINANCE_14, DEPOSIT, E18, ETH, LAZ_1, OTHER, USDT, is_exchange, tx
from tracer.model import EvidenceClass, Transfer

HUB = "0x7777777777777777777777777777777777777777"
COLLECTOR = "0x3333333333333333333333333333333333333333"


def feeder(n: int) -> str:
    return f"0x{0xfeed0000 + n:040x}"


def hub_history(feeders: int, to: str = BINANCE_14) -> tuple[list[Transfer], set[str]]:
    """The hub's own history: ``feeders`` other deposit addresses swept into it, ours too, then one forward."""
    sweeps = [tx(10 + n, ETH, feeder(n), HUB, (n % 7 + 1) * E18 // 3, 21_949_000 + 60 * n) for n in range(feeders)]
    ours = tx(9, ETH, DEPOSIT, HUB, 24 * E18 - 441 * 10**12, 21_950_400)
    total = sum(t.amount for t in sweeps) + ours.amount
    forward = tx(8, ETH, HUB, to, total - 21_000 * 10**9, 21_950_700)
    history = [*sweeps, ours, forward]
    return history, {t.from_address for t in history if t.to_address == HUB and t.from_address}


def deposit_forwards() -> list[Transfer]:
    """Our deposit address: paid by the launderer and another customer, swept whole into the hub."""
    return [tx(1, ETH, LAZ_1, DEPOSIT, 22 * E18, 21_950_100), tx(2, ETH, OTHER, DEPOSIT, 2 * E18, 21_950_050),
            tx(9, ETH, DEPOSIT, HUB, 24 * E18 - 441 * 10**12, 21_950_400)]


def test_a_deposit_swept_through_a_consolidation_hub_is_a_deposit_address_and_the_hub_is_not_needed() -> None:
    forwards = deposit_forwards()
    assert detect_deposit_address(DEPOSIT, forwards, is_exchange) is None  # one level sees an unlabelled hub
    history, senders = hub_history(30)
    found = detect_via_consolidation(DEPOSIT, forwards, history, senders, is_exchange)
    assert found is not None and found.exchange == "Binance" and found.address == DEPOSIT
    assert found.rule == CONSOLIDATION_RULE and found.evidence.evidence_class is EvidenceClass.E3
    assert found.forwarded == found.sent == 24 * E18 - 441 * 10**12
    assert dict(found.evidence.facts)["consolidation"] == HUB and found.confidence < 0.9


def test_a_launderers_collector_paying_a_deposit_address_is_not_a_deposit_address() -> None:
    # waves: two launderer wallets pay the collector, the collector pays a deposit address (two customers, the
    # collector), which the exchange sweeps to its hot wallet. Structurally collector -> hub -> exchange, but the
    # "hub" has three senders: it is a deposit address, not a consolidation address.
    collector = [tx(1, ETH, LAZ_1, COLLECTOR, 12 * E18, 21_950_000), tx(2, ETH, OTHER, COLLECTOR, 9 * E18, 21_951_000),
                 tx(3, ETH, COLLECTOR, DEPOSIT, 12 * E18 - 10**15, 21_950_100),
                 tx(4, ETH, COLLECTOR, DEPOSIT, 9 * E18 - 10**15, 21_951_100)]
    deposit = [tx(3, ETH, COLLECTOR, DEPOSIT, 12 * E18 - 10**15, 21_950_100),
               tx(4, ETH, COLLECTOR, DEPOSIT, 9 * E18 - 10**15, 21_951_100),
               tx(5, ETH, "0x" + "ab" * 20, DEPOSIT, 3 * E18, 21_949_900),
               tx(6, ETH, "0x" + "cd" * 20, DEPOSIT, 2 * E18, 21_950_900),
               tx(7, ETH, DEPOSIT, BINANCE_14, 26 * E18 - 2 * 10**15 - 10**15, 21_951_300)]
    senders = {t.from_address for t in deposit if t.to_address == DEPOSIT and t.from_address}
    assert forwarding_hub(COLLECTOR, collector) == DEPOSIT
    assert detect_deposit_address(DEPOSIT, deposit, is_exchange) is not None  # the real deposit address
    assert detect_via_consolidation(COLLECTOR, collector, deposit, senders, is_exchange) is None


def test_counter_examples_of_the_two_level_rule() -> None:
    forwards = deposit_forwards()
    history, senders = hub_history(MIN_CONSOLIDATION_FEEDERS - 2)  # with ours: one sender short
    assert len(senders) == MIN_CONSOLIDATION_FEEDERS - 1
    assert detect_via_consolidation(DEPOSIT, forwards, history, senders, is_exchange) is None
    history, senders = hub_history(30, to=OTHER)  # a busy hub that pays no exchange
    assert detect_via_consolidation(DEPOSIT, forwards, history, senders, is_exchange) is None
    history, senders = hub_history(30)
    assert detect_via_consolidation(DEPOSIT, forwards, history, senders, lambda a: "Binance" if a in (
        BINANCE_14, HUB) else None) is None  # a labelled hub is the exchange itself: the one-level rule's case
    split = [*forwards[:2], tx(9, ETH, DEPOSIT, HUB, 12 * E18, 21_950_400), tx(11, ETH, DEPOSIT, OTHER, 12 * E18,
                                                                                 21_950_400)]
    assert forwarding_hub(DEPOSIT, split) is None  # half to the hub, half elsewhere: no single hub
    assert detect_via_consolidation(DEPOSIT, split, history, senders, is_exchange) is None
    two_assets = [*forwards, tx(12, USDT, DEPOSIT, OTHER, 5_000 * 10**6, 21_950_500)]
    assert forwarding_hub(DEPOSIT, two_assets) is None  # its USDT went elsewhere
