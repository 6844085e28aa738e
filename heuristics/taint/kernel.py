"""The compiled ledger replay: methodology §1.3 for many (address, asset, origin) ledgers in one call.

This is the only implementation of the account-model allocation; :func:`heuristics.taint.replay` (one ledger, the
engine) and :func:`heuristics.taint.propagate` (every sender of a transfer graph, the benchmark and bulk runs) both
call :func:`replay_ledgers`. The rules are those documented in :mod:`heuristics.taint.replay`; here they run on
exact multi-limb integers (:mod:`heuristics.taint.bignum`) so no amount is ever rounded or wrapped.

Data layout: every value lives in a *slot* (a row of 30-bit limbs). A ledger is a run of events, each naming a slot
and whether it is an inflow. Inflows read the slot's amount, taint and origin amount; outflows read its amount and
write the taint and origin amount that leave with it (only when either is non-zero, so a slot already holding
taint -- a theft seeded by the caller -- keeps it when its sender holds none). Ledgers run in the given order, so
an outflow written by one ledger is the inflow read by a later one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from heuristics.taint.bignum import add, assign, clear, compare, div_small, floordiv, is_zero, mul, mul_small, sub

HAIRCUT, FIFO, POISON = 0, 1, 2
OK, OVERFLOW = 0, 1
BILLION = 10**9  # the pool's 1e18 sub-unit scale, applied as two single-limb steps (1e9 < 2**30)

# Register rows of the working state (one ledger at a time).
_B, _T, _O, _S, _X, _P, _A, _TIN, _OIN, _SP, _OO, _TAU, _TMP, _REM, _PROD = range(15)
_REGS = 15


@njit(cache=True)
def _load(reg: np.ndarray, row: np.ndarray) -> None:
    n = row.shape[0]
    for i in range(n):
        reg[i] = row[i]
    for i in range(n, reg.shape[0]):
        reg[i] = 0


@njit(cache=True)
def _store(row: np.ndarray, reg: np.ndarray) -> bool:
    n = row.shape[0]
    for i in range(n, reg.shape[0]):
        if reg[i] != 0:
            return False
    for i in range(n):
        row[i] = reg[i]
    return True


@njit(cache=True)
def _div_floor_1e18(reg: np.ndarray) -> None:
    """``reg //= 10**18`` (the floor of a floor is the floor)."""
    div_small(reg, BILLION)
    div_small(reg, BILLION)


@njit(cache=True)
def replay_ledgers(amount: np.ndarray, taint: np.ndarray, origin: np.ndarray, ev_slot: np.ndarray,
                   ev_inflow: np.ndarray, starts: np.ndarray, model: int, width: int,
                   held: np.ndarray) -> int:
    """Replay ledgers ``k = 0..`` over events ``starts[k]:starts[k+1]``; ``OK`` or ``OVERFLOW``.

    ``amount``/``taint``/``origin`` are ``(slots, limbs)`` int32 arrays; ``width`` is the register capacity in
    limbs (room for the pool's taint × 1e18 times an amount); ``held[k]`` receives ledger ``k``'s remaining
    taint, origin amount and balance.
    """
    regs = np.zeros((_REGS, width), np.int64)
    b, t, o, s, x, p = regs[_B], regs[_T], regs[_O], regs[_S], regs[_X], regs[_P]
    a, tin, oin, spent, o_out, tau = regs[_A], regs[_TIN], regs[_OIN], regs[_SP], regs[_OO], regs[_TAU]
    tmp, rem, prod = regs[_TMP], regs[_REM], regs[_PROD]
    v = np.zeros(width + 2, np.int64)  # long-division scratch
    w = np.zeros(width + 1, np.int64)
    longest = 0
    for k in range(starts.shape[0] - 1):
        longest = max(longest, starts[k + 1] - starts[k])
    # FIFO lots as a double-ended queue: appends at the tail (two per inflow at most), shortfall lots at the head
    # (one per outflow at most), so ``longest`` free rows on each side of the start suffice.
    cap = 3 * longest + 1 if model == FIFO else 1
    lot_amount = np.zeros((cap, width), np.int64)
    lot_tainted = np.zeros(cap, np.bool_)
    for k in range(starts.shape[0] - 1):
        for r in range(_REGS):
            clear(regs[r])
        head = tail = longest
        for e in range(starts[k], starts[k + 1]):
            slot = ev_slot[e]
            _load(a, amount[slot])
            if ev_inflow[e]:
                _load(tin, taint[slot])
                _load(oin, origin[slot])
                okay = add(b, a) and add(t, tin) and add(o, oin)
                assign(tmp, tin)  # the pool's credit: taint × 1e18
                okay = okay and mul_small(tmp, BILLION) and mul_small(tmp, BILLION) and add(s, tmp)
                if model == FIFO:
                    if not is_zero(tin):
                        assign(lot_amount[tail], tin)
                        lot_tainted[tail] = True
                        tail += 1
                    if compare(a, tin) > 0:
                        assign(tmp, a)
                        sub(tmp, tin)
                        assign(lot_amount[tail], tmp)
                        lot_tainted[tail] = False
                        tail += 1
                if not okay:
                    return OVERFLOW
                continue
            if is_zero(a):
                continue
            # Missing history can leave the replayed balance short: the shortfall is clean money that was there.
            if compare(a, b) > 0:
                if model == FIFO:
                    head -= 1
                    assign(lot_amount[head], a)
                    sub(lot_amount[head], b)
                    lot_tainted[head] = False
                assign(b, a)
            if model == FIFO:
                clear(spent)  # Clayton's case: consume lots from the head
                assign(rem, a)
                while not is_zero(rem) and head < tail:
                    lot = lot_amount[head]
                    if compare(rem, lot) >= 0:
                        if lot_tainted[head]:
                            add(spent, lot)
                        sub(rem, lot)
                        head += 1
                    else:
                        if lot_tainted[head]:
                            add(spent, rem)
                        sub(lot, rem)
                        clear(rem)
                if compare(spent, t) > 0:
                    assign(spent, t)
            elif not is_zero(t):
                # Haircut pool: share = S·a/B (all of S on a drain); pay the growth of ⌊Σ shares / 1e18⌋.
                if compare(a, b) >= 0:
                    assign(tmp, s)
                elif not (mul(prod, s, a) and floordiv(tmp, prod, b, v, w)):
                    return OVERFLOW
                sub(s, tmp)
                if not add(x, tmp):
                    return OVERFLOW
                assign(tmp, x)
                _div_floor_1e18(tmp)
                assign(spent, tmp)
                sub(spent, p)
                assign(p, tmp)
            else:
                clear(spent)
            # Origin amounts leave in proportion to the taint that leaves (the drain takes the rest).
            if is_zero(spent) or is_zero(t):
                clear(o_out)
            elif compare(spent, t) >= 0:
                assign(o_out, o)
            elif not (mul(prod, o, spent) and floordiv(o_out, prod, t, v, w)):
                return OVERFLOW
            if model == POISON and not is_zero(t):
                assign(tau, a)
            else:
                assign(tau, spent)
            if not (sub(t, spent) and sub(o, o_out) and sub(b, a)):
                return OVERFLOW  # cannot happen on a valid ledger: reported rather than wrapped
            if not (is_zero(tau) and is_zero(o_out)):
                if not (_store(taint[slot], tau) and _store(origin[slot], o_out)):
                    return OVERFLOW
        if not (_store(held[k, 0], t) and _store(held[k, 1], o) and _store(held[k, 2], b)):
            return OVERFLOW
    return OK
