"""Ledger replay for one (address, asset, origin): how much of each outflow is tainted.

Account form of docs/methodology.md §1.3. Events are replayed in chain order; tainted inflows carry
``(taint, origin_amount)``. Every outflow (including fees) takes taint by the chosen model:

* haircut: ``a · T / B`` (pool ratio), floor, with the drain (``a >= B``) taking all remaining taint;
* FIFO: lots leave in arrival order (Clayton's case);
* poison: an outflow is wholly tainted when any taint is held (reach only, never conserving).

Origin amounts leave in proportion to the taint that leaves (``O · τ / T``, floor; drain takes the rest), so the
origin-unit total is conserved exactly whatever the model: Σ out + remaining == Σ in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from tracer.model import TaintModel


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One balance change: an inflow (``amount > 0`` with ``inflow=True``) or an outflow."""

    key: str  # transfer id, or "fee:<tx>" for gas
    amount: int
    inflow: bool
    taint: int = 0  # inflows only
    origin_amount: int = 0  # inflows only


@dataclass(frozen=True, slots=True)
class Outflow:
    """Taint that left with one outflow event."""

    key: str
    amount: int
    taint: int
    origin_amount: int


@dataclass(frozen=True, slots=True)
class LedgerResult:
    """Replay result: tainted outflows (in event order) and what remains held."""

    outflows: tuple[Outflow, ...]
    remaining_taint: int
    remaining_origin: int
    balance: int


def replay(events: list[LedgerEvent], model: TaintModel) -> LedgerResult:
    """Replay ``events`` (already in chain order) under ``model``."""
    balance = 0
    taint = 0
    origin = 0
    lots: deque[list[int]] = deque()  # FIFO lots: [amount, taint] (taint == amount or 0 per lot part)
    out: list[Outflow] = []
    for ev in events:
        if ev.inflow:
            balance += ev.amount
            taint += ev.taint
            origin += ev.origin_amount
            if model is TaintModel.FIFO:
                if ev.taint:
                    lots.append([ev.taint, ev.taint])
                if ev.amount - ev.taint > 0:
                    lots.append([ev.amount - ev.taint, 0])
            continue
        amount = ev.amount
        if amount <= 0:
            continue
        # Missing history (beacon withdrawals, coinbase) can make the replayed balance too small: never let it
        # go negative -- treat the shortfall as clean money that was there.
        if amount > balance:
            if model is TaintModel.FIFO:
                lots.appendleft([amount - balance, 0])
            balance = amount
        tau = _take(model, amount, balance, taint, lots)
        if tau > 0 and taint > 0:
            o_out = origin if tau >= taint else origin * tau // taint
        else:
            o_out = 0
        if model is TaintModel.POISON:
            spent = min(taint, amount * taint // balance if balance else taint)  # haircut share leaves the pool
            o_out = origin if spent >= taint else (origin * spent // taint if taint else 0)
            taint -= spent
        else:
            taint -= tau
        origin -= o_out
        balance -= amount
        if tau > 0 or o_out > 0:
            out.append(Outflow(ev.key, amount, tau, o_out))
    return LedgerResult(tuple(out), taint, origin, balance)


def _take(model: TaintModel, amount: int, balance: int, taint: int, lots: deque[list[int]]) -> int:
    if taint <= 0:
        if model is TaintModel.FIFO:
            _consume(lots, amount)
        return 0
    if model is TaintModel.POISON:
        return amount
    if model is TaintModel.FIFO:
        return min(_consume(lots, amount), taint)
    if amount >= balance:
        return taint
    return amount * taint // balance


def _consume(lots: deque[list[int]], amount: int) -> int:
    """Pop ``amount`` from the head of the lot queue; return the tainted part taken."""
    tainted = 0
    while amount > 0 and lots:
        lot = lots[0]
        take = min(amount, lot[0])
        if lot[1]:
            tainted += take
            lot[1] -= take
        lot[0] -= take
        amount -= take
        if lot[0] == 0:
            lots.popleft()
    return tainted


def split_utxo(model: TaintModel, input_total: int, tainted_in: int, origin_in: int,
               outputs: list[int], fee: int, tainted_first_offset: int = 0) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """UTXO form (§1.2): allocate ``tainted_in`` of ``input_total`` over ``outputs`` and the fee.

    Returns ``([(taint_j, origin_j) per output], (fee_taint, fee_origin))``; both sums equal the inputs exactly for
    haircut and FIFO. FIFO lays the tainted segment at ``[tainted_first_offset, offset + tainted_in)`` of the input
    line, outputs in order, fee last. Poison marks every output wholly (reach only) but still splits origin amounts
    by haircut so conservation holds in origin units.
    """
    if tainted_in <= 0 or input_total <= 0:
        return [(0, 0) for _ in outputs], (0, 0)
    amounts = [*outputs, fee]
    if model is TaintModel.FIFO:
        taints = []
        start, end = tainted_first_offset, tainted_first_offset + tainted_in
        cursor = 0
        for w in amounts:
            lo, hi = cursor, cursor + w
            taints.append(max(0, min(hi, end) - max(lo, start)))
            cursor = hi
    else:
        taints = _proportional(tainted_in, amounts, input_total)
    origins = _proportional(origin_in, taints, tainted_in) if sum(taints) else [0] * len(amounts)
    if model is TaintModel.POISON:
        taints = [w if w > 0 else 0 for w in amounts]
    pairs = list(zip(taints, origins, strict=True))
    return pairs[:-1], pairs[-1]


def _proportional(total: int, weights: list[int], denominator: int) -> list[int]:
    """Split ``total`` by ``weights / denominator`` exactly (largest remainder), capped by the weights' share."""
    if denominator <= 0:
        return [0] * len(weights)
    raw = [total * w for w in weights]
    shares = [r // denominator for r in raw]
    remainders = [r % denominator for r in raw]
    target = total * sum(weights) // denominator if sum(weights) != denominator else total
    missing = target - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: max(0, missing)]:
        shares[i] += 1
    return shares
