"""Exchange deposit-address detection (methodology §2.4): where the value an unlabelled address sends goes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from heuristics.deposit import detect_deposit_address
from tracer.model import Asset, Chain, EvidenceClass, Transfer, TransferKind

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
ETH = Chain.ETHEREUM.native
USDT = Asset(Chain.ETHEREUM, "USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6)
BINANCE_14 = "0x28c6c06298d514db089934071355e5743bf21d60"
DEPOSIT = "0x9d0c5e4e1b3b5b8f2f0b4e1c7a6d5c4b3a291807"
LAZ_1 = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
LAZ_2 = "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"
OTHER = "0x5555555555555555555555555555555555555555"
E18 = 10**18
LABELS = {BINANCE_14: "Binance"}


def is_exchange(address: str) -> str | None:
    return LABELS.get(address)


def tx(n: int, asset: Asset, frm: str, to: str, amount: int, block: int) -> Transfer:
    kind = TransferKind.NATIVE if asset.is_native else TransferKind.TOKEN
    return Transfer(chain=Chain.ETHEREUM, tx_hash="0x" + f"{n:02x}" * 32, index=-1 if asset.is_native else 3,
                    kind=kind, asset=asset, from_address=frm, to_address=to, amount=amount, block_number=block,
                    timestamp=T0 + timedelta(seconds=12 * (block - 21_950_000)))


def test_two_forwards_to_binance() -> None:
    gas = 21_000 * 2 * 10**9
    outs = [tx(3, ETH, DEPOSIT, BINANCE_14, 5 * E18 - gas, 21_950_012),
            tx(4, ETH, DEPOSIT, BINANCE_14, 3 * E18 - gas, 21_950_130)]
    result = detect_deposit_address(DEPOSIT, outs, is_exchange)
    assert result is not None
    assert (result.exchange, result.forwarded, result.sent) == ("Binance", 8 * E18 - 2 * gas, 8 * E18 - 2 * gas)
    assert result.evidence.evidence_class is EvidenceClass.E3 and result.rule == "deposit.forwarding"
    assert result.confidence == 0.9 and result.evidence.facts["exchange"] == "Binance"


def test_sweep_with_other_customers_older_deposits_is_found() -> None:
    """Why the value rule was kept over receipt-to-sweep matching (Tutela's α = 1 %, τ = 3,200 blocks): the
    sandbox's deposit addresses hold other customers' deposits from two days earlier (~14,400 blocks) and are
    swept in one transfer 40 minutes after the loot arrived, so no receipt inside τ matches the sweep's amount
    (that matcher found 1 of the demo's 18 deposit exits). What matters is where the value went."""
    loot = tx(1, ETH, LAZ_1, DEPOSIT, 5 * E18, 21_950_000)
    older = [tx(2, ETH, OTHER, DEPOSIT, 2 * E18, 21_935_600), tx(5, ETH, LAZ_2, DEPOSIT, 3 * E18 // 10, 21_935_900)]
    sweep = tx(3, ETH, DEPOSIT, BINANCE_14, loot.amount + sum(t.amount for t in older) - 10**15, 21_950_200)
    result = detect_deposit_address(DEPOSIT, [loot, *older, sweep], is_exchange)
    assert result is not None and result.exchange == "Binance" and result.forwarded == sweep.amount


def test_counter_examples() -> None:
    # Forwards to an unlabelled address: a pass-through wallet, not a deposit address.
    assert detect_deposit_address(DEPOSIT, [tx(3, ETH, DEPOSIT, OTHER, 5 * E18, 21_950_010)], is_exchange) is None
    # Less than 90 % of the value sent goes to the exchange.
    mixed = [tx(3, ETH, DEPOSIT, BINANCE_14, 8 * E18, 21_950_010), tx(4, ETH, DEPOSIT, OTHER, 2 * E18, 21_950_011)]
    assert detect_deposit_address(DEPOSIT, mixed, is_exchange) is None
    # The exchange's own hot wallet is never a deposit address.
    assert detect_deposit_address(BINANCE_14, [tx(2, ETH, BINANCE_14, OTHER, E18, 2)], is_exchange) is None
    # Nothing sent, or only what came in (receipts are not forwards).
    assert detect_deposit_address(DEPOSIT, [], is_exchange) is None
    assert detect_deposit_address(DEPOSIT, [tx(1, ETH, LAZ_1, DEPOSIT, E18, 1)], is_exchange) is None
