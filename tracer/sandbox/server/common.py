"""Request/response values shared by the dialect modules, and the phase-aware view of the world."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON, World, WorldIndex


@dataclass(frozen=True)
class Request:
    """A parsed HTTP request as the dialect handlers see it (path relative to the dialect prefix)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str  # scheme://host:port + dialect prefix, for building next-page links
    client: str

    def q(self, *names: str, default: str = "") -> str:
        """First present query parameter among ``names`` (snake_case / camelCase aliases)."""
        for n in names:
            if n in self.query:
                return self.query[n]
        return default


@dataclass
class Response:
    """What a handler answers; ``endpoint`` names the route for the stats counters."""

    status: int
    body: bytes
    content_type: str = "application/json"
    endpoint: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(obj: Any, status: int = 200, endpoint: str = "") -> Response:
    """A JSON response (compact, like the real APIs)."""
    return Response(status, json.dumps(obj, separators=(",", ":")).encode(), "application/json", endpoint)


def text_response(text: str, status: int = 200, endpoint: str = "") -> Response:
    """A text/plain response."""
    return Response(status, text.encode(), "text/plain; charset=utf-8", endpoint)


@dataclass(frozen=True)
class View:
    """The world as visible in one phase: only blocks up to each chain's phase tip exist."""

    world: World
    phase: int

    @property
    def ix(self) -> WorldIndex:
        """The world's indexes."""
        return self.world.index

    def tip(self, chain: str) -> int:
        """Visible tip height."""
        return self.world.tip(chain, self.phase)

    def eth_visible(self, block: int) -> bool:
        """True if an Ethereum block is visible."""
        return block <= self.tip(ETHEREUM)

    def btc_visible(self, block: int) -> bool:
        """True if a Bitcoin block is visible."""
        return block <= self.tip(BITCOIN)

    def tron_visible(self, block: int) -> bool:
        """True if a TRON block is visible."""
        return block <= self.tip(TRON)

    def time_of(self, chain: str, block: int) -> int:
        """Unix seconds of a block."""
        return self.world.time_of(chain, block)


def encode_cursor(offset: int, salt: str) -> str:
    """An opaque page token carrying an offset (URL-safe)."""
    return base64.urlsafe_b64encode(f"{salt}:{offset}".encode()).decode().rstrip("=")


def decode_cursor(token: str, salt: str) -> int | None:
    """Offset from a token made by :func:`encode_cursor`, or None if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    prefix, _, num = raw.rpartition(":")
    if prefix != salt or not num.isdigit():
        return None
    return int(num)
