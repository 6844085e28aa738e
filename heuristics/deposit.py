"""Exchange deposit-address detection (methodology §2.4 in docs/methodology.md, deposit-address reuse).

An unlabelled address that forwards (nearly) all the value it sends out to one labelled exchange is that
exchange's deposit address for one customer: the value is cashed out there (evidence E3). The test is on value,
not on matching each receipt to a sweep: exchanges sweep deposit addresses whenever they like, together with other
customers' older deposits and, on UTXO chains, with other deposit addresses in one transaction -- on the sandbox
world a receipt-to-forward matcher with Tutela's window (α = 1 %, τ = 3,200 blocks; Victor, FC 2020) found 1 of
18 deposit exits where this rule finds all 18 (tests/heuristics/test_deposit.py keeps that case).

Account chains judge every asset the address sent on its own (each must go >= 90 % to the same exchange); on UTXO chains the forwards are the outputs of the
transactions that spend from the address (change back to it excluded). Known exchange wallets themselves are
never deposit addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from heuristics.base import Finding, make_evidence
from tracer.model import EvidenceClass, Transfer

RULE = "deposit.forwarding"
DEPOSIT_FORWARD_SHARE = 0.9  # share of the value sent out that must reach one exchange
DEPOSIT_CONFIDENCE = 0.9


@dataclass(frozen=True, slots=True)
class DepositAddressResult(Finding):
    """``address`` behaves as a deposit address of ``exchange``: ``forwarded`` of ``sent`` base units went there."""

    address: str
    exchange: str
    asset: str
    forwarded: int
    sent: int


def _exchange_share(recipients: dict[str, int], exchange_of: Callable[[str], str | None]) -> tuple[str, int] | None:
    """(exchange, forwarded) when one exchange got >= DEPOSIT_FORWARD_SHARE of this asset's outflow, else None."""
    sent = sum(recipients.values())
    to_exchange: dict[str, int] = defaultdict(int)
    for recipient, amount in recipients.items():
        name = exchange_of(recipient)
        if name is not None:
            to_exchange[name] += amount
    if not to_exchange:
        return None
    exchange, forwarded = max(to_exchange.items(), key=lambda kv: (kv[1], kv[0]))
    return (exchange, forwarded) if forwarded >= sent * DEPOSIT_FORWARD_SHARE else None


def _largest_share_asset(by_asset: dict[str, dict[str, int]], exchange: str,
                         exchange_of: Callable[[str], str | None]) -> str:
    """The asset reported in the evidence: the one with the highest share forwarded (ties: by key)."""
    def share(key: str) -> float:
        sent = sum(by_asset[key].values())
        return sum(a for r, a in by_asset[key].items() if exchange_of(r) == exchange) / sent if sent else 0.0
    return max(sorted(by_asset), key=share)


def detect_deposit_address(address: str, forwards: Sequence[Transfer],
                           exchange_of: Callable[[str], str | None]) -> DepositAddressResult | None:
    """The deposit-address finding for ``address`` from the transfers it sent, or None.

    ``exchange_of(addr)`` names the exchange whose label covers ``addr`` (None when it is not an exchange).
    """
    if exchange_of(address) is not None:
        return None
    by_asset: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in forwards:
        if t.from_address == address and t.to_address and t.to_address != address and t.followable:
            by_asset[t.asset.key][t.to_address] += t.amount
    if not by_asset:
        return None
    # Every asset the address sent is judged on its own share: base units of assets with different decimals
    # (wei vs USDT's 6) are not comparable, so no asset is picked as "dominant" by raw amount.
    verdicts = [_exchange_share(recipients, exchange_of) for recipients in by_asset.values()]
    exchanges = {v[0] for v in verdicts if v is not None}
    if None in verdicts or len(exchanges) != 1:
        return None
    exchange = exchanges.pop()
    asset = _largest_share_asset(by_asset, exchange, exchange_of)
    sent = sum(by_asset[asset].values())
    forwarded = sum(a for r, a in by_asset[asset].items() if exchange_of(r) == exchange)
    evidence = make_evidence(EvidenceClass.E3, RULE, DEPOSIT_CONFIDENCE, address=address, exchange=exchange,
                             asset=asset, forwarded=forwarded, sent=sent)
    return DepositAddressResult(evidence, address, exchange, asset, forwarded, sent)
