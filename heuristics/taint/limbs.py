"""Python ints <-> rows of 30-bit limbs (:mod:`heuristics.taint.bignum`), in bulk.

The round trip goes through little-endian bytes: ``int.to_bytes``/``int.from_bytes`` run in C per value, and the
regrouping of 8-bit bytes into 30-bit limbs runs compiled over the whole column.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Literal

import numpy as np
from numba import njit

from heuristics.taint.bignum import MASK, SHIFT

LITTLE: Literal["little"] = "little"


def limbs_for(bound: int) -> int:
    """Limbs that hold every value up to ``bound``."""
    return max(1, -(-max(bound, 1).bit_length() // SHIFT))


def to_limbs(values: Sequence[int], limbs: int) -> np.ndarray:
    """``(len(values), limbs)`` int32 rows; ``ValueError`` for a negative value or one wider than ``limbs``."""
    width = -(-limbs * SHIFT // 8)
    try:
        raw = b"".join(map(int.to_bytes, values, repeat(width), repeat(LITTLE)))
    except OverflowError as exc:
        raise ValueError(f"an amount is negative or exceeds {limbs * SHIFT} bits") from exc
    out = np.empty((len(values), limbs), np.int32)
    if not _unpack(np.frombuffer(raw, np.uint8).reshape(len(values), width), out):
        raise ValueError(f"an amount exceeds {limbs * SHIFT} bits")
    return out


def from_limbs(rows: np.ndarray) -> list[int]:
    """The Python ints of ``(n, limbs)`` rows."""
    width = -(-rows.shape[1] * SHIFT // 8)
    packed = np.zeros((rows.shape[0], width), np.uint8)
    _pack(rows, packed)
    # Viewed as fixed-width byte strings numpy drops trailing NULs: in little-endian those are high zero bytes.
    return list(map(int.from_bytes, packed.view(f"S{width}").ravel().tolist(), repeat(LITTLE)))


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
