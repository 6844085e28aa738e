"""Exchange deposit-address detection (methodology §2.4; Victor 2020 / Tutela)."""

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


def test_two_senders_forwarded_to_binance() -> None:
    ins = [tx(1, ETH, LAZ_1, DEPOSIT, 5 * E18, 21_950_000), tx(2, ETH, LAZ_2, DEPOSIT, 3 * E18, 21_950_100)]
    gas = 21_000 * 2 * 10**9
    outs = [tx(3, ETH, DEPOSIT, BINANCE_14, 5 * E18 - gas, 21_950_012),
            tx(4, ETH, DEPOSIT, BINANCE_14, 3 * E18 - gas, 21_950_130)]
    result = detect_deposit_address(DEPOSIT, ins, outs, is_exchange)
    assert result is not None
    assert result.exchange == "Binance" and result.exchange_addresses == (BINANCE_14,)
    assert result.senders == tuple(sorted((LAZ_1, LAZ_2)))
    assert [f.delay_blocks for f in result.forwards] == [12, 30]
    assert result.evidence.evidence_class is EvidenceClass.E3 and result.evidence.rule == "deposit.forwarding"
    assert result.confidence > 0.9
    assert result.evidence.facts["senders"] == "2"


def test_single_sender_scores_lower() -> None:
    ins = [tx(1, ETH, LAZ_1, DEPOSIT, 5 * E18, 21_950_000)]
    outs = [tx(3, ETH, DEPOSIT, BINANCE_14, 5 * E18 - 10**15, 21_950_012)]
    one = detect_deposit_address(DEPOSIT, ins, outs, is_exchange)
    ins2 = [*ins, tx(2, ETH, LAZ_2, DEPOSIT, 3 * E18, 21_950_100)]
    outs2 = [*outs, tx(4, ETH, DEPOSIT, BINANCE_14, 3 * E18 - 10**15, 21_950_130)]
    two = detect_deposit_address(DEPOSIT, ins2, outs2, is_exchange)
    assert one is not None and two is not None and one.confidence < two.confidence


def test_aggregated_token_sweep() -> None:
    ins = [tx(1, USDT, LAZ_1, DEPOSIT, 1_000_000_000, 21_950_000),
           tx(2, USDT, LAZ_2, DEPOSIT, 2_000_000_000, 21_950_050),
           tx(5, ETH, OTHER, DEPOSIT, 10**15, 21_950_060)]  # exchange gas top-up, never forwarded
    outs = [tx(3, USDT, DEPOSIT, BINANCE_14, 3_000_000_000, 21_950_200)]
    result = detect_deposit_address(DEPOSIT, ins, outs, is_exchange)
    assert result is not None and len(result.forwards) == 1
    assert len(result.forwards[0].receipt_ids) == 2 and result.forwards[0].amount_in == 3_000_000_000


def test_counter_examples() -> None:
    ins = [tx(1, ETH, LAZ_1, DEPOSIT, 5 * E18, 21_950_000)]
    # Forwards to an unlabelled address: a pass-through wallet, not a deposit address.
    assert detect_deposit_address(DEPOSIT, ins, [tx(3, ETH, DEPOSIT, OTHER, 5 * E18, 21_950_010)], is_exchange) is None
    # Forwards only half of what it received.
    half = [tx(3, ETH, DEPOSIT, BINANCE_14, 2_500_000_000_000_000_000, 21_950_010)]
    assert detect_deposit_address(DEPOSIT, ins, half, is_exchange) is None
    # Forwards too late (beyond τ = 3,200 blocks).
    late = [tx(3, ETH, DEPOSIT, BINANCE_14, 5 * E18, 21_953_500)]
    assert detect_deposit_address(DEPOSIT, ins, late, is_exchange) is None
    # Within τ blocks but beyond an explicit time bound (12 s blocks: 500 blocks = 100 min).
    slow = [tx(3, ETH, DEPOSIT, BINANCE_14, 5 * E18, 21_950_500)]
    assert detect_deposit_address(DEPOSIT, ins, slow, is_exchange) is not None
    assert detect_deposit_address(DEPOSIT, ins, slow, is_exchange, max_delay=timedelta(hours=1)) is None
    # Most outflows go elsewhere.
    mixed = [tx(3, ETH, DEPOSIT, BINANCE_14, 1 * E18, 21_950_010)] + [
        tx(10 + i, ETH, DEPOSIT, OTHER, E18, 21_950_020 + i) for i in range(4)]
    assert detect_deposit_address(DEPOSIT, ins, mixed, is_exchange) is None
    # The exchange's own hot wallet is never a deposit address.
    assert detect_deposit_address(BINANCE_14, [tx(1, ETH, LAZ_1, BINANCE_14, E18, 1)],
                                  [tx(2, ETH, BINANCE_14, BINANCE_14, E18, 2)], is_exchange) is None
    # No receipts at all.
    assert detect_deposit_address(DEPOSIT, [], [tx(3, ETH, DEPOSIT, BINANCE_14, E18, 5)], is_exchange) is None
