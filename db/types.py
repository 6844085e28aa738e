"""Column types that keep values exact on every backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

UINT256_DIGITS = 78  # len(str(2**256 - 1))


class BigAmount(TypeDecorator[int]):
    """An arbitrary-size non-negative or negative integer stored as decimal TEXT.

    SQLite's NUMERIC affinity turns 2**256-1 into a float; a string column is exact everywhere
    (docs/public-apis.md §2.6). Values are zero-padded so text order equals numeric order for
    non-negative amounts, which lets ``ORDER BY`` work on both backends.
    """

    impl = String(UINT256_DIGITS + 1)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"amounts must be int, got {type(value).__name__}")
        if value < 0:
            return "-" + str(-value).zfill(UINT256_DIGITS)
        return str(value).zfill(UINT256_DIGITS)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int(value)
