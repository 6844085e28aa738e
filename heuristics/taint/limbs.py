"""Python ints <-> rows of 30-bit limbs (:mod:`heuristics.taint.kernel`), in bulk.

The round trip goes through little-endian bytes: ``int.to_bytes``/``int.from_bytes`` run in C per value, and the
regrouping of 8-bit bytes into 30-bit limbs runs compiled over the whole column.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Literal

import numpy as np
from numba import njit

from heuristics.taint.kernel import MASK, SHIFT

LITTLE: Literal["little"] = "little"


def limbs_for(bound: int) -> int:
    """Limbs that hold every value up to ``bound``."""
    return max(1, -(-max(bound, 1).bit_length() // SHIFT))


WORD_LIMIT = (1 << 62) - 1  # values up to here travel as one int64 (the 99% case for real amounts)


def to_limbs(values: Sequence[int], limbs: int) -> np.ndarray:
    """``(len(values), limbs)`` int32 rows; ``ValueError`` for a negative value or one wider than ``limbs``."""
    n = len(values)
    boxed = np.fromiter(values, object, n)
    if n and (boxed < 0).any():
        raise ValueError("an amount is negative")
    wide = np.flatnonzero(boxed > WORD_LIMIT)
    boxed[wide] = 0
    out = np.empty((n, limbs), np.int32)
    if not _split(boxed.astype(np.int64), out):
        raise ValueError(f"an amount exceeds {limbs * SHIFT} bits")
    if wide.size:  # the rest through bytes
        width = -(-limbs * SHIFT // 8)
        try:
            raw = b"".join(map(int.to_bytes, boxed_values(values, wide), repeat(width), repeat(LITTLE)))
        except OverflowError as exc:
            raise ValueError(f"an amount exceeds {limbs * SHIFT} bits") from exc
        rows = np.empty((wide.size, limbs), np.int32)
        if not _unpack(np.frombuffer(raw, np.uint8).reshape(wide.size, width), rows):
            raise ValueError(f"an amount exceeds {limbs * SHIFT} bits")
        out[wide] = rows
    return out


def boxed_values(values: Sequence[int], index: np.ndarray) -> list[int]:
    """``values`` at ``index``."""
    return [values[i] for i in index.tolist()]


def from_limbs(rows: np.ndarray) -> list[int]:
    """The Python ints of ``(n, limbs)`` rows."""
    small = np.empty(rows.shape[0], np.int64)
    wide = np.flatnonzero(_join(rows, small))
    out: list[int] = small.tolist()
    if wide.size:
        width = -(-rows.shape[1] * SHIFT // 8)
        packed = np.zeros((wide.size, width), np.uint8)
        _pack(rows[wide], packed)
        # Viewed as fixed-width byte strings numpy drops trailing NULs: in little-endian those are high zero bytes.
        big = map(int.from_bytes, packed.view(f"S{width}").ravel().tolist(), repeat(LITTLE))
        for i, value in zip(wide.tolist(), big, strict=True):
            out[i] = value
    return out


@njit(cache=True)
def _split(values: np.ndarray, out: np.ndarray) -> bool:
    """Rows of limbs from values in ``[0, 2**62)``."""
    limbs = out.shape[1]
    for r in range(values.shape[0]):
        v = values[r]
        for j in range(limbs):
            out[r, j] = v & MASK
            v >>= SHIFT
        if v != 0:
            return False
    return True


@njit(cache=True)
def _join(rows: np.ndarray, small: np.ndarray) -> np.ndarray:
    """``small[r]`` = row ``r`` where it is below 2**62; returns where it is not."""
    wide = np.zeros(rows.shape[0], np.bool_)
    for r in range(rows.shape[0]):
        v = 0
        for j in range(rows.shape[1] - 1, -1, -1):
            if v >> (62 - SHIFT) != 0:
                wide[r] = True
                break
            v = (v << SHIFT) | rows[r, j]
        small[r] = 0 if wide[r] else v
    return wide


@njit(cache=True)
def _unpack(raw: np.ndarray, out: np.ndarray) -> bool:
    for r in range(raw.shape[0]):
        acc = np.int64(0)
        bits = 0
        j = 0
        for byte in raw[r]:
            acc |= np.int64(byte) << bits
            bits += 8
            if bits >= SHIFT:
                out[r, j] = acc & MASK
                acc >>= SHIFT
                bits -= SHIFT
                j += 1
        if j < out.shape[1]:
            out[r, j] = acc
            j += 1
        elif acc != 0:
            return False  # bits above the last limb
        while j < out.shape[1]:
            out[r, j] = 0
            j += 1
    return True


@njit(cache=True)
def _pack(rows: np.ndarray, packed: np.ndarray) -> None:
    for r in range(rows.shape[0]):
        acc = np.int64(0)
        bits = 0
        j = 0
        for limb in rows[r]:
            acc |= np.int64(limb) << bits
            bits += SHIFT
            while bits >= 8:
                packed[r, j] = acc & 0xFF
                acc >>= 8
                bits -= 8
                j += 1
        if bits > 0:
            packed[r, j] = acc
