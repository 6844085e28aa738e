"""Instant-exchange payout matching by amount × rate and time (methodology §4.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from heuristics.instant import match_instant_payouts
from tracer.model import Asset, Chain, EvidenceClass, Transfer, TransferFlag, TransferKind

T0 = datetime(2025, 2, 22, 10, 0, tzinfo=UTC)
ETH = Chain.ETHEREUM.native
BTC = Chain.BITCOIN.native
TRON_USDT = Asset(Chain.TRON, "USDT", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 6)
HACKER = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
EXCH = "0xf1da173228fcf015f43f3ea15abbb51f0d8f1123"
HOT = "bc1qexchhotwallet0000000000000000000000000"
RATES = {"BTC": Decimal("0.028"), TRON_USDT.key: Decimal(2700)}


def leg(n: int, asset: Asset, to: str, amount: int, minutes: float, **kw: object) -> Transfer:
    kind = TransferKind.UTXO if asset.chain.is_utxo else (TransferKind.NATIVE if asset.is_native else TransferKind.TOKEN)
    return Transfer(chain=asset.chain, tx_hash=f"{n:02x}" * 32, index=0, kind=kind, asset=asset,
                    from_address=HOT, to_address=to, amount=amount, block_number=884_000 + n,
                    timestamp=T0 + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


DEPOSIT = Transfer(chain=Chain.ETHEREUM, tx_hash="0x" + "e0" * 32, index=-1, kind=TransferKind.NATIVE, asset=ETH,
                   from_address=HACKER, to_address=EXCH, amount=100 * 10**18, block_number=21_900_000, timestamp=T0)


def test_unique_cross_chain_payout() -> None:
    payout = leg(1, BTC, "bc1qpayout", 277_000_000, minutes=20)  # 2.8 BTC expected, 1.07 % fee
    matches = match_instant_payouts(DEPOSIT, [payout], rates=RATES, service="eXch")
    assert len(matches) == 1
    match = matches[0]
    assert match.payout == payout and match.expected_amount == 280_000_000
    assert abs(match.fee_fraction - 3 / 280) < 1e-12 and match.delay == timedelta(minutes=20)
    assert match.evidence.evidence_class is EvidenceClass.E4 and match.evidence.rule == "instant.amount_time"
    assert 0.5 < match.confidence <= 0.7
    assert match.evidence.facts["service"] == "eXch" and match.evidence.facts["payout_chain"] == "bitcoin"


def test_unique_beats_one_of_many() -> None:
    a = leg(2, BTC, "bc1qa", 277_000_000, minutes=20)
    b = leg(3, TRON_USDT, "TXyz", 268_000_000_000, minutes=30)  # 270,000 USDT expected, 0.74 % fee
    many = match_instant_payouts(DEPOSIT, [b, a], rates=RATES)
    assert {m.payout for m in many} == {a, b} and [m.rank for m in many] == [1, 2]
    unique = match_instant_payouts(DEPOSIT, [a], rates=RATES)
    assert all(m.confidence < unique[0].confidence for m in many)
    assert all(m.confidence <= 0.35 for m in many)


def test_rejects_outside_window_band_unknown_rate_and_noise() -> None:
    late = leg(4, BTC, "bc1qlate", 277_000_000, minutes=3 * 60)
    before = leg(5, BTC, "bc1qbefore", 277_000_000, minutes=-5)
    small = leg(6, BTC, "bc1qsmall", 200_000_000, minutes=10)
    large = leg(7, BTC, "bc1qlarge", 290_000_000, minutes=10)
    no_rate = leg(8, Asset(Chain.TRON, "USDC", "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8", 6), "Tq", 270_000_000_000, 10)
    dust = leg(9, BTC, "bc1qdust", 277_000_000, minutes=10, flags=frozenset({TransferFlag.FAKE_TOKEN}))
    assert match_instant_payouts(DEPOSIT, [late, before, small, large, no_rate, dust], rates=RATES) == []


def test_callable_rates_and_same_asset_default() -> None:
    eth_payout = leg(10, Chain.ARBITRUM.native, HACKER, 99 * 10**18, minutes=5)
    matches = match_instant_payouts(DEPOSIT, [eth_payout], rates=lambda asset: None)
    assert len(matches) == 1 and matches[0].expected_amount == 100 * 10**18
