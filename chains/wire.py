"""Explicit schemas for API answers: every wire value is checked here before it can become a domain value.

Parsers call these helpers on each field; a value of the wrong type, out of its range or missing raises
:class:`~tracer.errors.InvalidAnswer` naming the field, so arbitrary JSON can only ever produce a valid domain
object or that error (hypothesis property tests in tests/hostile). Ranges:

* amounts: integers in ``0 .. 2**256-1`` (an EVM word; nothing real is larger; the store's NUMERIC(78) holds it);
* block numbers / heights: ``0 .. MAX_BLOCK`` (far above any chain's tip for centuries: Arbitrum, the fastest
  chain we read, is at ~3e8);
* timestamps: from 2009-01-03 (Bitcoin's genesis block) to 2100-01-01: anything outside is not a mined block.

Rows are de-duplicated by their natural identity with :func:`dedupe`: a hostile or buggy server repeating a
row must not double an amount.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from tracer.errors import InvalidAnswer

UINT256_MAX = 2**256 - 1
MAX_BLOCK = 10**10
MIN_UNIX = 1_231_006_505  # Bitcoin genesis block, 2009-01-03
MAX_UNIX = 4_102_444_800  # 2100-01-01
MAX_NUMBER_TEXT = 80  # digits of 2**256 in hex with 0x is 66; longer numeric text is garbage, not parsed
MAX_TEXT = 4096

MAX_JSON_DEPTH = 256
"""Deepest JSON nesting accepted from an API (real answers nest < 10). Checked before parsing: a body nested
200,000 deep makes the C parser raise RecursionError, or crash the process when the recursion limit was raised."""
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')

T = TypeVar("T")


def json_too_deep(body: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``limit`` (strings skipped; linear, C-speed counting)."""
    raw = body.encode("utf-8", errors="replace") if isinstance(body, str) else body
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKEN.finditer(raw):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif char in (b"]", b"}"):
            depth -= 1
    return False


def where(context: str, name: str) -> str:
    return f"{context}: field {name!r}" if context else f"field {name!r}"


def required(row: Mapping[str, Any], name: str, context: str = "") -> Any:
    """``row[name]``, which must be present and not null."""
    if not isinstance(row, Mapping):
        raise InvalidAnswer(f"{context or 'answer'}: expected an object, got {type(row).__name__}")
    value = row.get(name)
    if value is None:
        raise InvalidAnswer(f"{where(context, name)} is missing")
    return value


def text(value: Any, name: str, context: str = "", *, allow_empty: bool = False) -> str:
    """A string field (not a number, list or object)."""
    if not isinstance(value, str):
        raise InvalidAnswer(f"{where(context, name)} must be a string, got {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise InvalidAnswer(f"{where(context, name)} is empty")
    if len(value) > MAX_TEXT:
        raise InvalidAnswer(f"{where(context, name)} is {len(value)} characters long")
    return value


def uint(value: Any, name: str, context: str = "", *, maximum: int = UINT256_MAX, hex_ok: bool = True) -> int:
    """A non-negative integer from a JSON int or a decimal / ``0x`` hex string, at most ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidAnswer(f"{where(context, name)} must be an integer, got {type(value).__name__}")
    if isinstance(value, str):
        raw = value.strip()
        if not raw or len(raw) > MAX_NUMBER_TEXT:
            raise InvalidAnswer(f"{where(context, name)} is not a number: {value[:40]!r}")
        try:
            if raw[:2].lower() == "0x" and hex_ok:
                number = int(raw[2:], 16) if len(raw) > 2 else 0
            elif raw.isascii() and raw.isdigit() or raw[:1] == "-" and raw[1:].isascii() and raw[1:].isdigit():
                number = int(raw)
            else:
                raise ValueError(raw)
        except ValueError:
            raise InvalidAnswer(f"{where(context, name)} is not a number: {value[:40]!r}") from None
    else:
        number = value
    if number < 0:
        raise InvalidAnswer(f"{where(context, name)} is negative: {number}")
    if number > maximum:
        raise InvalidAnswer(f"{where(context, name)} is out of range (> {maximum}): {str(number)[:40]}")
    return number


def block(value: Any, name: str = "blockNumber", context: str = "") -> int:
    """A block number or height in ``0 .. MAX_BLOCK``."""
    return uint(value, name, context, maximum=MAX_BLOCK)


def unix_seconds(value: Any, name: str = "timeStamp", context: str = "") -> int:
    """Unix seconds within the sane window (2009 .. 2100)."""
    seconds = uint(value, name, context, maximum=MAX_UNIX)
    if seconds < MIN_UNIX:
        raise InvalidAnswer(f"{where(context, name)} is before 2009: {seconds}")
    return seconds


def unix_millis(value: Any, name: str = "block_timestamp", context: str = "") -> int:
    """Unix milliseconds within the sane window (2009 .. 2100)."""
    millis = uint(value, name, context, maximum=MAX_UNIX * 1000)
    if millis < MIN_UNIX * 1000:
        raise InvalidAnswer(f"{where(context, name)} is before 2009: {millis}")
    return millis


def utc(seconds: int) -> datetime:
    """Already-checked unix seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def rows(data: Any, context: str) -> list[Mapping[str, Any]]:
    """A JSON list whose every element is an object."""
    if not isinstance(data, list):
        raise InvalidAnswer(f"{context}: expected a list of rows, got {type(data).__name__}")
    for i, row in enumerate(data):
        if not isinstance(row, Mapping):
            raise InvalidAnswer(f"{context}: row {i} is a {type(row).__name__}, not an object")
    return data


def row_list(items: Any, context: str) -> list[Mapping[str, Any]]:
    """:func:`rows` for a list or any other iterable of rows (a client's page iterator)."""
    if isinstance(items, list):
        return rows(items, context)
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise InvalidAnswer(f"{context}: expected a list of rows, got {type(items).__name__}")
    return rows(list(items), context)


def dedupe(items: Iterable[T], identity: Callable[[T], Hashable]) -> list[T]:
    """``items`` without later repeats of the same natural identity, first occurrence kept, order kept."""
    seen: set[Hashable] = set()
    out: list[T] = []
    for item in items:
        key = identity(item)
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


def row_identity(row: Mapping[str, Any]) -> Hashable:
    """The whole row as a hashable value: the identity of rows that carry no unique id (no log index)."""
    try:
        return _freeze(row)
    except RecursionError:
        raise InvalidAnswer("row nested too deep to be an API row") from None


def _freeze(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)
