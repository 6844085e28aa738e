"""Exact formatting of base-unit integers as whole-unit decimal strings (exports, tables, captions)."""

from __future__ import annotations

from decimal import Decimal


def units(amount: int, decimals: int) -> str:
    """``1500000000000000000, 18 -> "1.5"``; exact, no exponent, no trailing zeros."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals) if decimals else (abs(amount), 0)
    if not decimals or frac == 0:
        return f"{sign}{whole}"
    digits = str(frac).rjust(decimals, "0").rstrip("0")
    return f"{sign}{whole}.{digits}"


def usd(value: Decimal | None) -> str | None:
    """USD as a decimal string with cents, or None."""
    if value is None:
        return None
    return str(value.quantize(Decimal("0.01")))
