"""Exact unsigned integers of any width as 30-bit limbs in int64 arrays, for the compiled ledger replay.

Amounts are uint256 wei and the haircut pool holds taint × 1e18, so neither int64 nor float can carry them; Python
ints can, but one interpreted bigint operation costs more than a whole compiled transfer. These helpers do the
few operations the replay needs (compare, add, subtract, multiply, floor-divide) on little-endian limb arrays
sized per run to the largest value it can reach, so the compiled replay is exact for every input, not only for
those that fit a machine word. Limbs are 30 bits (CPython's own digit size) so every intermediate -- a limb
product plus carries, or the signed running value of the long division -- fits a signed 64-bit integer.

Conventions: a number is a 1-D int64 array (its capacity); limbs above the value are zero. Functions that can
overflow their destination return ``False`` instead of wrapping, and the caller reports the error.
"""

from __future__ import annotations

import numpy as np
from numba import njit

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


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def clear(a: np.ndarray) -> None:
    """``a = 0``."""
    for i in range(a.shape[0]):
        a[i] = 0


@njit(cache=True)
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


@njit(cache=True)
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
def div_small(dst: np.ndarray, m: int) -> int:
    """``dst //= m`` for ``0 < m < 2**30``; returns the remainder."""
    rem = 0
    for i in range(length(dst) - 1, -1, -1):
        cur = (rem << SHIFT) | dst[i]
        dst[i] = cur // m
        rem = cur - dst[i] * m
    return rem


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
    if size_w == 1:
        if not assign(q, a):
            return False
        div_small(q, b[0])
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
    if k > q.shape[0]:
        return False
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
        q[j] = qd
    return True
