"""Shared shapes of the label parsers: the parse result, hints and small helpers for precise errors."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType

from chains.addresses import canonical_address, is_valid_address
from tracer.errors import InvalidAddress, LabelImportError
from tracer.model import Category, Chain, Label


@dataclass(frozen=True)
class ParseHints:
    """What the caller knows that the file may not say: source name, file name, chain, category."""

    source: str
    filename: str = ""
    chain: Chain | None = None
    category: Category | None = None
    lenient: bool = False  # skip and count rows with an invalid address instead of rejecting the file
    case_hints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """lower-cased address -> case-preserved form (to repair lower-cased base58 OFAC keys)."""


@dataclass(frozen=True)
class ParsedLabels:
    """Labels read from one file, what was skipped (reason -> count), and the date the file states."""

    format: str
    labels: tuple[Label, ...]
    skipped: Mapping[str, int]
    file_date: str | None = None
    notes: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # imported, but worth saying
    case_unknown: int = 0  # base58 addresses whose case could not be recovered (looked up case-insensitively)
    unrecognised: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Category words no vocabulary knows -> how many labels carried them (listed by the import)."""


class Collector:
    """Accumulates labels and skip counts while a parser walks a file."""

    def __init__(self, path: str, text: str = "", lenient: bool = False) -> None:
        self.path = path
        self.text = text
        self.lenient = lenient
        self.invalid_lines: list[int | None] = []
        self.labels: list[Label] = []
        self.skipped: Counter[str] = Counter()
        self.notes: Counter[str] = Counter()
        self.unrecognised: Counter[str] = Counter()
        self.case_unknown = 0

    def skip(self, reason: str) -> None:
        """Count a row left out on purpose (not an error)."""
        self.skipped[reason] += 1

    def note(self, reason: str) -> None:
        """Count something worth reporting about rows that were imported."""
        self.notes[reason] += 1

    def fail(self, line: int | None, field_name: str | None, reason: str) -> LabelImportError:
        """The error for a malformed row (raise it)."""
        return LabelImportError(self.path, line, field_name, reason)

    def address(self, chain: Chain, raw: object, line: int | None, field_name: str = "address",
                case_folded_ok: bool = False) -> str | None:
        """The canonical address; a LabelImportError naming file, line and field when invalid.

        In lenient mode an invalid address is counted (``invalid address``) and None is returned: the
        caller skips the row. JSON parsers pass ``line=None``; the line is then found only on failure.
        """
        try:
            if not isinstance(raw, str) or not raw.strip():
                raise InvalidAddress(chain.value, repr(raw), "missing address")
            return canonical_address(chain, raw)
        except InvalidAddress as exc:
            if case_folded_ok and isinstance(raw, str) and is_case_folded(chain, raw.strip()):
                self.case_unknown += 1
                return raw.strip()
            if line is None and isinstance(raw, str) and raw and self.text:
                line = line_of(self.text, f'"{raw}"')
            if self.lenient:
                self.skip(f"invalid {chain.value} address")
                self.invalid_lines.append(line)
                return None
            raise self.fail(line, field_name, str(exc)) from exc

    def result(self, fmt: str, file_date: str | None = None) -> ParsedLabels:
        """Freeze into a :class:`ParsedLabels`."""
        return ParsedLabels(fmt, tuple(self.labels), MappingProxyType(dict(self.skipped)), file_date,
                            MappingProxyType(dict(self.notes)), self.case_unknown,
                            MappingProxyType(dict(self.unrecognised)))


def line_of(text: str, needle: str, start: int = 0) -> int | None:
    """1-based line of the first occurrence of ``needle`` in ``text`` (JSON has no line info of its own)."""
    pos = text.find(needle, start)
    return None if pos < 0 else text.count("\n", 0, pos) + 1


_BASE58_LOWER = re.compile(r"^[1-9a-z]{25,35}$")  # base58 alphabet (no 0) once case is folded
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_date(raw: object) -> datetime | None:
    """A date/datetime/ISO string/``MM/DD/YYYY`` as an aware UTC datetime; None when absent or unparseable."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    text = str(raw).strip()
    us = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    if us:
        return datetime(int(us.group(3)), int(us.group(1)), int(us.group(2)), tzinfo=UTC)
    match = _DATE.search(text)
    if match:
        return datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    return None


def date_text(raw: object) -> str | None:
    """``YYYY-MM-DD`` of :func:`parse_date`, or None."""
    parsed = parse_date(raw)
    return parsed.date().isoformat() if parsed else None


_FILE_CHAINS: tuple[tuple[str, Chain | None], ...] = (
    ("etherscan", Chain.ETHEREUM), ("mainnet", Chain.ETHEREUM), ("chain1_", Chain.ETHEREUM),
    ("bscscan", Chain.BSC), ("arbiscan", Chain.ARBITRUM), ("arbitrum", Chain.ARBITRUM),
    ("polygonscan", Chain.POLYGON), ("optimism", Chain.OPTIMISM), ("chain10_", Chain.OPTIMISM),
    ("avalanche", Chain.AVALANCHE), ("basescan", Chain.BASE), ("ftmscan", None), ("gnosis", None), ("celo", None),
)


def chain_from_filename(name: str) -> tuple[bool, Chain | None]:
    """(recognised, chain) from a scanner/chain prefix in a file name; chain None = a chain we do not model."""
    lowered = name.lower()
    for prefix, chain in _FILE_CHAINS:
        if lowered.startswith(prefix):
            return True, chain
    return False, None


def misfiled_tron(out: Collector, chain: Chain, raw: str) -> Chain:
    """OFAC lists file one TRON address (``TUCsTq7T...``) under XBT: an address that is a valid TRON address
    and not a valid Bitcoin one is TRON whatever the asset code says (noted in the summary)."""
    if chain is Chain.BITCOIN and raw[:1] in ("T", "t") and is_valid_address(Chain.TRON, raw) \
            and not is_valid_address(Chain.BITCOIN, raw):
        out.note("TRON address filed under a Bitcoin asset code: stored as tron")
        return Chain.TRON
    return chain


def is_case_folded(chain: Chain, address: str) -> bool:
    """True for a lower-cased base58 address kept without its original case (see :func:`parse_ofac_entities`)."""
    return chain in (Chain.BITCOIN, Chain.TRON) and address.islower() and not address.startswith("bc1") \
        and bool(_BASE58_LOWER.match(address))
