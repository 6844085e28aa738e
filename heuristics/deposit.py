"""Exchange deposit-address detection (methodology §2.4 in docs/methodology.md, deposit-address reuse).

An unlabelled address that forwards (nearly) all the value it sends out to one labelled exchange is that
exchange's deposit address for one customer: the value is cashed out there (evidence E3). The test is on value,
not on matching each receipt to a sweep: exchanges sweep deposit addresses whenever they like, together with other
customers' older deposits and, on UTXO chains, with other deposit addresses in one transaction -- on the sandbox
world a receipt-to-forward matcher with Tutela's window (α = 1 %, τ = 3,200 blocks; Victor, FC 2020) found 1 of
18 deposit exits where this rule finds all 18 (tests/heuristics/test_deposit.py keeps that case).

Two levels: an exchange may sweep deposit addresses into an unlabelled consolidation address that pays the
labelled hot wallet. An address that forwards (>= 90 % of every asset) to one unlabelled hub is a deposit address
("deposit.via_consolidation", E3, a little less sure) when the hub itself forwards to one labelled exchange and is
paid by at least MIN_CONSOLIDATION_FEEDERS distinct senders: a consolidation address collects many customers'
deposit addresses, while a launderer's collector that pays a deposit address (or a deposit address itself) has a
handful of senders -- that collector must not be called a deposit address.

Account chains judge every asset the address sent on its own (each must go >= 90 % to the same exchange); on UTXO chains the forwards are the outputs of the
transactions that spend from the address (change back to it excluded). Known exchange wallets themselves are
never deposit addresses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from heuristics.base import Finding, make_evidence
from tracer.model import EvidenceClass, Transfer

RULE = "deposit.forwarding"
CONSOLIDATION_RULE = "deposit.via_consolidation"
DEPOSIT_FORWARD_SHARE = 0.9  # share of the value sent out that must reach one exchange
DEPOSIT_CONFIDENCE = 0.9
CONSOLIDATION_CONFIDENCE = 0.85  # one more inference (the hub is the exchange's) than a direct forward
# Distinct senders that make an unlabelled hub an exchange's consolidation address. Exchange consolidation
# addresses collect hundreds of deposit addresses; a deposit address, even a popular one, or a launderer's
# collector has a handful (the sandbox's popular deposit addresses have about 11).
MIN_CONSOLIDATION_FEEDERS = 20


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
    by_asset = _outflows(address, forwards)
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


def _outflows(address: str, forwards: Sequence[Transfer]) -> dict[str, dict[str, int]]:
    """asset key -> recipient -> base units ``address`` sent there (change to itself left out)."""
    by_asset: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in forwards:
        if t.from_address == address and t.to_address and t.to_address != address and t.followable:
            by_asset[t.asset.key][t.to_address] += t.amount
    return by_asset


def forwarding_hub(address: str, forwards: Sequence[Transfer]) -> str | None:
    """The one address that received >= DEPOSIT_FORWARD_SHARE of every asset ``address`` sent, else None."""
    verdicts = [_exchange_share(recipients, lambda r: r) for recipients in _outflows(address, forwards).values()]
    hubs = {v[0] for v in verdicts if v is not None}
    return hubs.pop() if verdicts and None not in verdicts and len(hubs) == 1 else None


def detect_via_consolidation(address: str, forwards: Sequence[Transfer], hub_forwards: Sequence[Transfer],
                             hub_senders: Collection[str], exchange_of: Callable[[str], str | None]
                             ) -> DepositAddressResult | None:
    """``address`` as a deposit address swept through an exchange's consolidation hub, or None.

    ``forwards``: what ``address`` sent; ``hub_forwards``: what the hub it forwards to sent; ``hub_senders``:
    every distinct address that paid the hub. The hub must be unlabelled (``exchange_of`` None), forward to one
    exchange like a deposit address, and have at least MIN_CONSOLIDATION_FEEDERS senders.
    """
    if exchange_of(address) is not None:
        return None
    hub = forwarding_hub(address, forwards)
    if hub is None or exchange_of(hub) is not None or len(set(hub_senders) - {hub}) < MIN_CONSOLIDATION_FEEDERS:
        return None
    swept = detect_deposit_address(hub, hub_forwards, exchange_of)
    if swept is None:
        return None
    by_asset = _outflows(address, forwards)
    asset = max(sorted(by_asset), key=lambda key: by_asset[key].get(hub, 0) / (sum(by_asset[key].values()) or 1))
    sent, forwarded = sum(by_asset[asset].values()), by_asset[asset].get(hub, 0)
    evidence = make_evidence(EvidenceClass.E3, CONSOLIDATION_RULE, CONSOLIDATION_CONFIDENCE, address=address,
                             exchange=swept.exchange, asset=asset, forwarded=forwarded, sent=sent, consolidation=hub,
                             consolidation_senders=len(set(hub_senders) - {hub}))
    return DepositAddressResult(evidence, address, swept.exchange, asset, forwarded, sent)
