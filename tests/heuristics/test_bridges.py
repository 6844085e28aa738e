"""Known-bridge registry and the generic amount/time bridge matcher (methodology §4.4)."""

from __future__ import annotations

from decimal import Decimal

from heuristics.bridges.generic import match_bridge_out
from heuristics.bridges.registry import KNOWN_BRIDGES, BridgeRegistry
from tests.heuristics.builders import ETH, T0, USDT, transfer
from tracer.model import Asset, Category, Chain, EvidenceClass, Label, Transfer, TransferFlag

HACKER = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
SPOKE = "0x5c7bcd6e7de5423a257d81b442095a1a6ced35c5"
RELAYER = "0x428ab2ba90eba0a4be7af34c9ac451ab061ac010"
OTHER = "0x2222222222222222222222222222222222222222"
ARB_ETH = Chain.ARBITRUM.native
ARB_USDC = Asset(Chain.ARBITRUM, "USDC", "0xaf88d065e77c8cc2239327c5edb3a432268e5831", 6)
BSC_USDT = Asset(Chain.BSC, "USDT", "0x55d398326f99059ff775485246999027b3197955", 18)
E18 = 10**18


def deposit(amount: int = 100 * E18) -> Transfer:
    return transfer("0x" + "d1" * 32, -1, ETH, HACKER, SPOKE, amount)


def release(n: int, to: str, amount: int, minutes: float, asset: Asset = ARB_ETH,
            flags: frozenset[TransferFlag] = frozenset()) -> Transfer:
    return transfer("0x" + f"{n:02x}" * 32, 0, asset, RELAYER, to, amount, minutes=minutes, block=300_000_000 + n,
                    flags=flags)


def test_registry_built_ins_and_labels() -> None:
    registry = BridgeRegistry()
    thor = registry.lookup(Chain.ETHEREUM, "0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146")
    assert thor is not None and thor.protocol == "thorchain"
    lifi = [b for b in KNOWN_BRIDGES if b.protocol == "lifi"]
    assert {b.chain for b in lifi} >= {Chain.ETHEREUM, Chain.ARBITRUM, Chain.BSC}
    assert registry.lookup(Chain.ETHEREUM, OTHER) is None and registry.lookup(Chain.ETHEREUM, None) is None
    assert all(b.address == b.address.lower() and len(b.address) == 42 for b in KNOWN_BRIDGES)
    labels = [
        Label(Chain.BASE, "0x09aea4b2242abc8bb4bb78d537a67a245a7bec64", "Across SpokePool", Category.BRIDGE,
              "test", 0.9, entity="Across"),
        Label(Chain.ETHEREUM, OTHER, "Some exchange", Category.EXCHANGE, "test", 0.9),
        Label(Chain.ETHEREUM, SPOKE, "dup", Category.BRIDGE, "test", 0.9, entity="dup"),
    ]
    before = len(registry)
    assert registry.add_labels(labels) == 1 and len(registry) == before + 1
    base = registry.lookup(Chain.BASE, "0x09AEA4B2242abC8bb4BB78D537A67a245A7bEC64")
    assert base is not None and base.protocol == "across" and base.source == "test"
    spoke = registry.lookup(Chain.ETHEREUM, SPOKE)
    assert spoke is not None and spoke.protocol == "across"  # built-in wins


def test_unique_same_address_release() -> None:
    out = release(1, HACKER, 99_940_000_000_000_000_000, minutes=2)
    matches = match_bridge_out(deposit(), [out], protocol="across")
    assert len(matches) == 1
    match = matches[0]
    assert match.candidate == out and match.recipient_match and match.rank == 1 and match.candidates == 1
    assert match.expected_amount == 100 * E18 and abs(match.fee_fraction - 0.0006) < 1e-12
    assert match.evidence.evidence_class is EvidenceClass.E4
    assert 0.7 < match.confidence <= 0.8
    assert match.evidence.facts["protocol"] == "across" and match.evidence.facts["delay_s"] == "120"


def test_filters_window_band_asset_and_flags() -> None:
    too_late = release(2, HACKER, 99 * E18, minutes=7 * 60)
    too_early = release(3, HACKER, 99 * E18, minutes=-1)
    too_cheap = release(4, HACKER, 90 * E18, minutes=3)  # 10% fee > band
    too_much = release(5, HACKER, 101 * E18, minutes=3)  # more than sent
    wrong_asset = release(6, HACKER, 99 * E18, minutes=3, asset=ARB_USDC)
    zero = release(7, HACKER, 0, minutes=3, flags=frozenset({TransferFlag.ZERO_VALUE}))
    cands = [too_late, too_early, too_cheap, too_much, wrong_asset, zero]
    assert match_bridge_out(deposit(), cands) == []


def test_ambiguity_lowers_confidence() -> None:
    a = release(8, OTHER, 99_900_000_000_000_000_000, minutes=3)
    b = release(9, "0x3333333333333333333333333333333333333333", 99_800_000_000_000_000_000, minutes=4)
    matches = match_bridge_out(deposit(), [b, a])
    assert [m.candidate for m in matches] == [a, b]
    assert all(m.candidates == 2 for m in matches)
    unique = match_bridge_out(deposit(), [a])
    assert matches[0].confidence < unique[0].confidence
    assert matches[0].confidence <= 0.4


def test_declared_recipient_overrides() -> None:
    near = release(10, OTHER, 99_990_000_000_000_000_000, minutes=1)
    declared = release(11, "0x4444444444444444444444444444444444444444", 98 * E18, minutes=50)
    matches = match_bridge_out(deposit(), [near, declared],
                               declared_recipient="0x4444444444444444444444444444444444444444")
    assert [m.candidate for m in matches] == [declared] and matches[0].recipient_match


def test_clear_leader_keeps_most_confidence() -> None:
    mine = release(12, HACKER, 99_950_000_000_000_000_000, minutes=1)
    far = release(13, OTHER, 96 * E18, minutes=300)
    matches = match_bridge_out(deposit(), [far, mine])
    assert matches[0].candidate == mine and matches[0].score - matches[1].score >= 0.2
    assert matches[0].confidence > 0.5 > matches[1].confidence


def test_cross_asset_with_price_ratio_and_decimals() -> None:
    usdt_in = transfer("0x" + "d2" * 32, 7, USDT, HACKER, SPOKE, 50_000_000_000)  # 50,000 USDT (6 decimals)
    bsc_out = release(14, HACKER, 49_950 * E18, minutes=5, asset=BSC_USDT)  # BSC USDT has 18 decimals
    matches = match_bridge_out(usdt_in, [bsc_out])
    assert len(matches) == 1 and matches[0].expected_amount == 50_000 * E18
    eth_out = release(15, HACKER, 19_950_000_000_000_000_000, minutes=5)
    priced = match_bridge_out(usdt_in, [eth_out], price_ratio=Decimal("0.0004"))  # 1 USDT = 0.0004 ETH
    assert len(priced) == 1 and priced[0].expected_amount == 20 * E18
    assert match_bridge_out(usdt_in, [eth_out]) == []  # different asset needs a ratio
    assert T0.tzinfo is not None
