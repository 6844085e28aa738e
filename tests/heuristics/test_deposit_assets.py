"""Deposit-address detection judges each asset on its own share (issue 13 item 7): base units of assets with
different decimals are not comparable, so a few wei of ETH must not outweigh millions of USDT."""

from __future__ import annotations

from heuristics.deposit import detect_deposit_address
from tests.heuristics.test_deposit import BINANCE_14, DEPOSIT, E18, ETH, OTHER, USDT, is_exchange, tx


def test_millions_of_usdt_sent_elsewhere_are_not_outweighed_by_wei_sent_to_an_exchange() -> None:
    # 0.01 ETH (10**16 base units) to Binance, 2,000,000 USDT (2 * 10**12 base units) to an unlabelled wallet:
    # by raw base units ETH "dominates", yet almost all the value went elsewhere -- not a deposit address.
    outs = [tx(3, ETH, DEPOSIT, BINANCE_14, E18 // 100, 21_950_010),
            tx(4, USDT, DEPOSIT, OTHER, 2_000_000 * 10**6, 21_950_011)]
    assert detect_deposit_address(DEPOSIT, outs, is_exchange) is None


def test_every_asset_swept_to_the_exchange_is_a_deposit_address() -> None:
    outs = [tx(3, ETH, DEPOSIT, BINANCE_14, E18 // 100, 21_950_010),
            tx(4, USDT, DEPOSIT, BINANCE_14, 2_000_000 * 10**6, 21_950_011)]
    found = detect_deposit_address(DEPOSIT, outs, is_exchange)
    assert found is not None and found.exchange == "Binance" and found.forwarded == found.sent
