"""Exchange deposit-address detection (docs/methodology.md §2.4, deposit-address reuse).

Victor, "Address Clustering Heuristics for Ethereum" (FC 2020) and Tutela (pareto-xyz/tutela-app
``whitepaper/5_eth.tex``): exchanges give each customer a deposit address that forwards what it receives
to a known exchange hot wallet. An unlabelled address *d* is a deposit address when its receipts are
forwarded to a labelled exchange with |a_forward − a_receive| ≤ α and block(forward) − block(receive) ≤ τ
(Tutela: α = 0.01, τ = 3,200 blocks). Sweeps may collect several receipts at once, so a forward is matched
against the single closest receipt first and otherwise against all unswept receipts in the window. Here α is
relative (DEPOSIT_MAX_AMOUNT_DIFF_REL of the amount received) so that it works for every asset and decimals.

Per forward, Tutela's κ = 1 − [½·|a_f − a_r|/α + ½·(b_f − b_r)/τ]; the finding's confidence (E3
"deposit.forwarding") is 0.6 + 0.3·mean κ, plus DISTINCT_SENDER_BONUS per extra distinct sender (several
customers' EOAs paying in is typical of a deposit address), capped at MAX_CONFIDENCE. Known exchange
wallets themselves are never deposit addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from heuristics.base import Finding, make_evidence
from tracer.model import EvidenceClass, Transfer

DEPOSIT_MAX_AMOUNT_DIFF_REL = 0.01  # α as a fraction of the amount received
DEPOSIT_MAX_DELAY_BLOCKS = 3_200  # τ (Tutela, citing Victor 2020)
MIN_FORWARDED_SHARE = 0.9  # share of the address's outflows (by count) that must go to the exchange
MIN_MATCHED_RECEIPT_SHARE = 0.5  # share of receipts (by count) that must be swept in matched forwards
BASE_CONFIDENCE = 0.6
KAPPA_WEIGHT = 0.3
DISTINCT_SENDER_BONUS = 0.05
MAX_CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class DepositForward:
    """One sweep: receipts of the deposit address and the forward that moved them to the exchange."""

    receipt_ids: tuple[str, ...]
    forward_id: str
    amount_in: int
    amount_out: int
    delay_blocks: int
    kappa: float


@dataclass(frozen=True, slots=True)
class DepositAddressResult(Finding):
    """``address`` behaves as a deposit address of ``exchange``."""

    address: str
    exchange: str
    exchange_addresses: tuple[str, ...]
    senders: tuple[str, ...]
    forwards: tuple[DepositForward, ...]


def _kappa(amount_in: int, amount_out: int, delay_blocks: int, max_delay_blocks: int) -> float:
    alpha = DEPOSIT_MAX_AMOUNT_DIFF_REL * amount_in
    amount_term = abs(amount_out - amount_in) / alpha if alpha else 0.0
    return 1 - (0.5 * amount_term + 0.5 * delay_blocks / max_delay_blocks)


def _fits(amount_in: int, amount_out: int) -> bool:
    return amount_in > 0 and abs(amount_out - amount_in) <= DEPOSIT_MAX_AMOUNT_DIFF_REL * amount_in


def detect_deposit_address(
    address: str,
    transfers_in: Sequence[Transfer],
    transfers_out: Sequence[Transfer],
    is_exchange: Callable[[str], str | None],
    *,
    max_delay_blocks: int = DEPOSIT_MAX_DELAY_BLOCKS,
    max_delay: timedelta | None = None,
) -> DepositAddressResult | None:
    """Return the deposit-address finding for ``address`` or None.

    ``is_exchange(addr)`` names the exchange that labels ``addr`` (None when unlabelled). ``max_delay``
    additionally bounds the receive -> forward delay in time (for chains whose block time differs from
    Ethereum's, where τ = 3,200 blocks ≈ 10.7 h).
    """
    if is_exchange(address) is not None:
        return None
    receipts = sorted((t for t in transfers_in if t.followable and t.to_address == address),
                      key=lambda t: (t.block_number, t.tx_hash, t.index))
    outflows = [t for t in transfers_out if t.followable and t.from_address == address]
    to_exchange = sorted((t for t in outflows if t.to_address is not None and is_exchange(t.to_address)),
                         key=lambda t: (t.block_number, t.tx_hash, t.index))
    if not receipts or not to_exchange or len(to_exchange) < MIN_FORWARDED_SHARE * len(outflows):
        return None
    swept: set[str] = set()
    forwards: list[DepositForward] = []
    for fwd in to_exchange:
        pending = [r for r in receipts if r.id not in swept and r.asset == fwd.asset
                   and 0 <= fwd.block_number - r.block_number <= max_delay_blocks
                   and (max_delay is None or fwd.timestamp - r.timestamp <= max_delay)]
        group = _match(fwd, pending)
        if not group:
            continue
        swept.update(r.id for r in group)
        amount_in = sum(r.amount for r in group)
        delay = fwd.block_number - min(r.block_number for r in group)
        forwards.append(DepositForward(
            receipt_ids=tuple(r.id for r in group), forward_id=fwd.id, amount_in=amount_in, amount_out=fwd.amount,
            delay_blocks=delay, kappa=_kappa(amount_in, fwd.amount, delay, max_delay_blocks)))
    if not forwards or len(swept) < MIN_MATCHED_RECEIPT_SHARE * len(receipts):
        return None
    return _result(address, receipts, to_exchange, forwards, swept, is_exchange)


def _match(fwd: Transfer, pending: list[Transfer]) -> list[Transfer]:
    """The closest single receipt that fits the forward, else all pending receipts if their sum fits."""
    singles = [r for r in pending if _fits(r.amount, fwd.amount)]
    if singles:
        return [min(singles, key=lambda r: (abs(fwd.amount - r.amount), -r.block_number))]
    if pending and _fits(sum(r.amount for r in pending), fwd.amount):
        return pending
    return []


def _result(
    address: str, receipts: list[Transfer], to_exchange: list[Transfer], forwards: list[DepositForward],
    swept: set[str], is_exchange: Callable[[str], str | None],
) -> DepositAddressResult:
    senders = tuple(sorted({r.from_address for r in receipts if r.id in swept and r.from_address}))
    forwarded_ids = {f.forward_id for f in forwards}
    exchange_addresses = tuple(sorted({t.to_address for t in to_exchange if t.id in forwarded_ids and t.to_address}))
    names = sorted({name for a in exchange_addresses if (name := is_exchange(a))})
    mean_kappa = sum(f.kappa for f in forwards) / len(forwards)
    confidence = min(MAX_CONFIDENCE, BASE_CONFIDENCE + KAPPA_WEIGHT * mean_kappa
                     + DISTINCT_SENDER_BONUS * max(0, len(senders) - 1))
    evidence = make_evidence(
        EvidenceClass.E3, "deposit.forwarding", confidence, address=address, exchange="/".join(names),
        forwards=len(forwards), receipts_swept=len(swept), receipts=len(receipts), senders=len(senders),
        mean_kappa=mean_kappa, max_delay_blocks=max(f.delay_blocks for f in forwards),
    )
    return DepositAddressResult(evidence=evidence, address=address, exchange="/".join(names),
                                exchange_addresses=exchange_addresses, senders=senders, forwards=tuple(forwards))
