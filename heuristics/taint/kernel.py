"""The compiled ledger replay: methodology §1.3 for many (address, asset, origin) ledgers in one call.

This is the only implementation of the account-model allocation; :func:`heuristics.taint.replay` (one ledger, the
engine) and :func:`heuristics.taint.propagate` (every sender of a transfer graph, the benchmark and bulk runs) both
call :func:`replay_ledgers`. The rules are those documented in :mod:`heuristics.taint.replay`; here they run on
exact multi-limb integers (first half of this module) so no amount is ever rounded or wrapped.

Data layout: every value lives in a *slot* (a row of 30-bit limbs). A ledger is a run of events, each naming a slot
and whether it is an inflow. Inflows read the slot's amount, taint and origin amount; outflows read its amount and
write the taint and origin amount that leave with it (only when either is non-zero, so a slot already holding
taint -- a theft seeded by the caller -- keeps it when its sender holds none). Ledgers run in the given order, so
an outflow written by one ledger is the inflow read by a later one.

Exact integers: amounts are uint256 wei and the haircut pool holds taint × 1e18, so neither int64 nor float can
carry them; Python ints can, but one interpreted bigint operation costs more than a whole compiled transfer. These helpers do the
few operations the replay needs (compare, add, subtract, multiply, floor-divide) on little-endian limb arrays
sized per run to the largest value it can reach, so the compiled replay is exact for every input, not only for
those that fit a machine word. Limbs are 30 bits (CPython's own digit size) so every intermediate -- a limb
product plus carries, or the signed running value of the long division -- fits a signed 64-bit integer.

Inlining: the helpers the replay calls on every event (compare, assign, clear, add, sub, load, store) are
``inline="always"`` -- a call between separately compiled numba functions passes each array as a struct and checks
an error status, which cost more than the 3-limb arithmetic itself; inlined, 1M transfers replay in 0.56 s instead
of 0.94 s (bench_engine, same per-transfer digest). The price is a longer first compile (about 30 s instead of 11,
once: the result is cached on disk). The multiply, the long division and the 1e9 steps stay calls: inlining them
too gained nothing measurable and lengthened the compile.

Conventions: a number is a 1-D int64 array (its capacity); limbs above the value are zero. Functions that can
overflow their destination return ``False`` instead of wrapping, and the caller reports the error.

The limb arithmetic and the replay share this one module on purpose: numba's on-disk cache re-checks only the file
that defines a compiled function, so a helper edited in another file would leave a stale compiled replay behind.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# ------------------------------------------------------------------------------------- exact limb arithmetic
SHIFT = 30
BASE = 1 << SHIFT
MASK = BASE - 1


@njit(cache=True, inline="always")
def length(a: np.ndarray) -> int:
    """Limbs in use (0 for zero)."""
    n: int = a.shape[0]
    while n > 0 and a[n - 1] == 0:
        n -= 1
    return n


@njit(cache=True, inline="always")
def compare(a: np.ndarray, b: np.ndarray) -> int:
    """-1, 0 or 1 as ``a`` <, == or > ``b``."""
    na, nb = length(a), length(b)
    if na != nb:
        return 1 if na > nb else -1
    for i in range(na - 1, -1, -1):
        if a[i] != b[i]:
            return 1 if a[i] > b[i] else -1
    return 0


@njit(cache=True, inline="always")
def is_zero(a: np.ndarray) -> bool:
    """``a == 0``."""
    return length(a) == 0


@njit(cache=True, inline="always")
def assign(dst: np.ndarray, src: np.ndarray) -> bool:
    """``dst = src`` (capacities may differ); ``False`` when ``src`` does not fit ``dst``."""
    ns = length(src)
    if ns > dst.shape[0]:
        return False
    for i in range(ns):
        dst[i] = src[i]
    for i in range(ns, dst.shape[0]):
        dst[i] = 0
    return True


@njit(cache=True, inline="always")
def clear(a: np.ndarray) -> None:
    """``a = 0``."""
    for i in range(a.shape[0]):
        a[i] = 0


@njit(cache=True, inline="always")
def add(dst: np.ndarray, a: np.ndarray) -> bool:
    """``dst += a``; ``False`` on overflow of ``dst``."""
    na = length(a)
    carry = 0
    i = 0
    cap = dst.shape[0]
    if na > cap:
        return False
    while i < na:
        s = dst[i] + a[i] + carry
        dst[i] = s & MASK
        carry = s >> SHIFT
        i += 1
    while carry and i < cap:
        s = dst[i] + carry
        dst[i] = s & MASK
        carry = s >> SHIFT
        i += 1
    return carry == 0


@njit(cache=True, inline="always")
def sub(dst: np.ndarray, a: np.ndarray) -> bool:
    """``dst -= a``; ``False`` if that would go below zero (``dst`` is then undefined)."""
    na = length(a)
    cap = dst.shape[0]
    if na > cap:
        return False
    borrow = 0
    i = 0
    while i < na:
        s = dst[i] - a[i] - borrow
        borrow = 1 if s < 0 else 0
        dst[i] = s + (borrow << SHIFT)
        i += 1
    while borrow and i < cap:
        s = dst[i] - borrow
        borrow = 1 if s < 0 else 0
        dst[i] = s + (borrow << SHIFT)
        i += 1
    return borrow == 0


@njit(cache=True)
def mul(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """``out = a · b`` (``out`` distinct from both); ``False`` when the product does not fit ``out``."""
    na, nb = length(a), length(b)
    clear(out)
    if na == 0 or nb == 0:
        return True
    if na + nb - 1 > out.shape[0]:
        return False
    cap = out.shape[0]
    for i in range(na):
        ai = a[i]
        if ai == 0:
            continue
        carry = 0
        for j in range(nb):
            t = out[i + j] + ai * b[j] + carry  # < 2^30 + 2^60 + 2^31: fits int64
            out[i + j] = t & MASK
            carry = t >> SHIFT
        k = i + nb
        while carry:
            if k >= cap:
                return False
            t = out[k] + carry
            out[k] = t & MASK
            carry = t >> SHIFT
            k += 1
    return True


@njit(cache=True)
def mul_small(dst: np.ndarray, m: int) -> bool:
    """``dst *= m`` for ``0 <= m < 2**30``; ``False`` on overflow."""
    carry = 0
    n = length(dst)
    cap = dst.shape[0]
    for i in range(n):
        t = dst[i] * m + carry
        dst[i] = t & MASK
        carry = t >> SHIFT
    i = n
    while carry:
        if i >= cap:
            return False
        dst[i] = carry & MASK
        carry >>= SHIFT
        i += 1
    return True


@njit(cache=True)
def add_mul_small(dst: np.ndarray, a: np.ndarray, m: int) -> bool:
    """``dst += a · m`` for ``0 <= m < 2**30``; ``False`` on overflow of ``dst``."""
    na = length(a)
    cap = dst.shape[0]
    if na > cap:
        return False
    carry = 0
    i = 0
    while i < na:
        t = dst[i] + a[i] * m + carry
        dst[i] = t & MASK
        carry = t >> SHIFT
        i += 1
    while carry and i < cap:
        t = dst[i] + carry
        dst[i] = t & MASK
        carry = t >> SHIFT
        i += 1
    return carry == 0


@njit(cache=True)
def div_billion(dst: np.ndarray) -> None:
    """``dst //= 10**9`` (a literal divisor, so the compiler multiplies instead of dividing)."""
    rem = 0
    for i in range(length(dst) - 1, -1, -1):
        cur = (rem << SHIFT) | dst[i]
        q = cur // 1_000_000_000
        dst[i] = q
        rem = cur - q * 1_000_000_000


@njit(cache=True)
def floordiv(q: np.ndarray, a: np.ndarray, b: np.ndarray, v: np.ndarray, w: np.ndarray) -> bool:
    """``q = a // b`` for ``b > 0`` (Knuth's algorithm D as CPython's ``x_divrem`` does it).

    ``v`` (capacity > length(a)) and ``w`` (capacity >= length(b)) are scratch. ``False`` if ``b == 0`` or the
    quotient does not fit ``q``.
    """
    size_w = length(b)
    size_a = length(a)
    clear(q)
    if size_w == 0:
        return False
    if size_a < size_w:
        return True
    if size_w == 1:  # short division
        rem = 0
        for i in range(size_a - 1, -1, -1):
            cur = (rem << SHIFT) | a[i]
            qd = cur // b[0]
            rem = cur - qd * b[0]
            if i < q.shape[0]:
                q[i] = qd
            elif qd != 0:
                return False
        return True
    # Normalise: shift both so the divisor's top limb has its high bit set.
    top = b[size_w - 1]
    d = 0
    while (top << d) < (BASE >> 1):
        d += 1
    carry = 0
    for i in range(size_w):
        t = (b[i] << d) | carry
        w[i] = t & MASK
        carry = t >> SHIFT
    carry = 0
    for i in range(size_a):
        t = (a[i] << d) | carry
        v[i] = t & MASK
        carry = t >> SHIFT
    size_v = size_a
    if carry != 0 or v[size_v - 1] >= w[size_w - 1]:
        v[size_v] = carry
        size_v += 1
    k = size_v - size_w
    wm1 = w[size_w - 1]
    wm2 = w[size_w - 2]
    for j in range(k - 1, -1, -1):
        # Divide v[j : j + size_w + 1] by w: one quotient limb, remainder left in v[j : j + size_w].
        vtop = v[j + size_w]
        vv = (vtop << SHIFT) | v[j + size_w - 1]
        qd = vv // wm1
        r = vv - wm1 * qd
        while wm2 * qd > ((r << SHIFT) | v[j + size_w - 2]):
            qd -= 1
            r += wm1
            if r >= BASE:
                break
        zhi = 0
        for i in range(size_w):
            z = v[j + i] + zhi - qd * w[i]
            v[j + i] = z & MASK
            zhi = z >> SHIFT  # arithmetic shift: the borrow, in [-qd, 0]
        if vtop + zhi < 0:  # the estimate was one too large (rare): add w back
            c = 0
            for i in range(size_w):
                c += v[j + i] + w[i]
                v[j + i] = c & MASK
                c >>= SHIFT
            qd -= 1
        if j < q.shape[0]:
            q[j] = qd
        elif qd != 0:
            return False  # the quotient does not fit q
    return True


# ------------------------------------------------------------------------------------------------ the replay
HAIRCUT, FIFO, POISON = 0, 1, 2
OK, OVERFLOW = 0, 1
BILLION = 10**9  # the pool's 1e18 sub-unit scale, applied as two single-limb steps (1e9 < 2**30)

# Register rows of the working state (one ledger at a time): slot-sized ones, and wide ones.
_B, _T, _O, _P, _A, _TIN, _OIN, _SP, _OO, _TAU, _REM = range(11)
_SMALL = 11
_S, _X, _TMP, _PROD = range(4)
_WIDE = 4


@njit(cache=True, inline="always")
def _load(reg: np.ndarray, rows: np.ndarray, r: int) -> None:
    """``reg = rows[r]``."""
    n = rows.shape[1]
    for i in range(n):
        reg[i] = rows[r, i]
    for i in range(n, reg.shape[0]):
        reg[i] = 0


@njit(cache=True, inline="always")
def _store(rows: np.ndarray, r: int, reg: np.ndarray) -> bool:
    """``rows[r] = reg``; ``False`` if it does not fit."""
    n = rows.shape[1]
    for i in range(n, reg.shape[0]):
        if reg[i] != 0:
            return False
    for i in range(n):
        rows[r, i] = reg[i]
    return True


@njit(cache=True)
def _div_floor_1e18(reg: np.ndarray) -> None:
    """``reg //= 10**18`` (the floor of a floor is the floor)."""
    div_billion(reg)
    div_billion(reg)


@njit(cache=True)
def replay_ledgers(amount: np.ndarray, taint: np.ndarray, origin: np.ndarray, ev_slot: np.ndarray,
                   ev_inflow: np.ndarray, starts: np.ndarray, model: int, width: int,
                   held: np.ndarray) -> int:
    """Replay ledgers ``k = 0..`` over events ``starts[k]:starts[k+1]``; ``OK`` or ``OVERFLOW``.

    ``amount``/``taint``/``origin`` are ``(slots, limbs)`` int32 arrays; ``width`` is the register capacity in
    limbs (room for the pool's taint × 1e18 times an amount); ``held[k]`` receives ledger ``k``'s remaining
    taint, origin amount and balance.
    """
    # Balances, taint, origin amounts and amounts never exceed the slots' limb count (the caller sized it to the
    # sum of all inputs); only the pool (× 1e18), its payouts and products need the wide registers. Tight
    # capacities keep every length scan short.
    limbs = amount.shape[1]
    small = np.zeros((_SMALL, limbs), np.int64)
    wide = np.zeros((_WIDE, width), np.int64)
    b, t, o, p, a, tin, oin = small[_B], small[_T], small[_O], small[_P], small[_A], small[_TIN], small[_OIN]
    spent, o_out, tau, rem = small[_SP], small[_OO], small[_TAU], small[_REM]
    s, x, tmp, prod = wide[_S], wide[_X], wide[_TMP], wide[_PROD]
    v = np.zeros(width + 2, np.int64)  # long-division scratch
    w = np.zeros(width + 1, np.int64)
    longest = 0
    for k in range(starts.shape[0] - 1):
        longest = max(longest, starts[k + 1] - starts[k])
    # FIFO lots as a double-ended queue: appends at the tail (two per inflow at most), shortfall lots at the head
    # (one per outflow at most), so ``longest`` free rows on each side of the start suffice.
    cap = 3 * longest + 1 if model == FIFO else 1
    lot_amount = np.zeros((cap, limbs), np.int64)
    lot_tainted = np.zeros(cap, np.bool_)
    for k in range(starts.shape[0] - 1):
        for reg in (b, t, o, p, s, x):  # the ledger's state; every other register is set before it is read
            clear(reg)
        head = tail = longest
        for e in range(starts[k], starts[k + 1]):
            slot = ev_slot[e]
            _load(a, amount, slot)
            if ev_inflow[e]:
                _load(tin, taint, slot)
                _load(oin, origin, slot)
                okay = add(b, a) and add(t, tin) and add(o, oin)
                if not is_zero(tin):  # the pool's credit: taint × 1e18, as × 1e9 twice
                    clear(tmp)
                    okay = okay and add_mul_small(tmp, tin, BILLION) and mul_small(tmp, BILLION) and add(s, tmp)
                if model == FIFO:
                    if not is_zero(tin):
                        assign(lot_amount[tail], tin)
                        lot_tainted[tail] = True
                        tail += 1
                    if compare(a, tin) > 0:
                        assign(lot_amount[tail], a)
                        sub(lot_amount[tail], tin)
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
                if not (assign(spent, tmp) and sub(spent, p) and assign(p, tmp)):
                    return OVERFLOW
            else:
                clear(spent)
            # Origin amounts leave in proportion to the taint that leaves (the drain takes the rest).
            if is_zero(spent) or is_zero(t):
                clear(o_out)
            elif compare(spent, t) >= 0:
                assign(o_out, o)
            elif compare(o, t) == 0:  # O·τ/T with O == T is τ: the usual case, a single origin's own taint
                assign(o_out, spent)
            elif not (mul(prod, o, spent) and floordiv(o_out, prod, t, v, w)):
                return OVERFLOW
            if model == POISON and not is_zero(t):
                assign(tau, a)
            else:
                assign(tau, spent)
            if not (sub(t, spent) and sub(o, o_out) and sub(b, a)):
                return OVERFLOW  # cannot happen on a valid ledger: reported rather than wrapped
            if not (is_zero(tau) and is_zero(o_out)):
                if not (_store(taint, slot, tau) and _store(origin, slot, o_out)):
                    return OVERFLOW
        if not (_store(held[k], 0, t) and _store(held[k], 1, o) and _store(held[k], 2, b)):
            return OVERFLOW
    return OK
