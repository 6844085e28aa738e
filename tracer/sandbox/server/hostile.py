"""Hostile answers for the sandbox server (``tracer sandbox serve --hostile dup,huge,...``, issue 15).

Each kind reproduces one way a real or compromised API can hurt the tracer; the regression suite
(tests/hostile) and anyone evaluating the engine can replay them offline:

* ``dup``      -- every row of a list answer is sent twice (Etherscan result rows, TronGrid ``data`` items,
                  Esplora txs, Midgard actions): amounts must not double;
* ``huge``     -- a list answer becomes an endless body (no Content-Length, padding until the client hangs
                  up, at most ``huge_bytes``): it must be refused while streaming, not read whole;
* ``trickle``  -- a list answer's headers go out, then one byte every ``trickle_seconds``: the request's total
                  deadline must cut it off;
* ``redirect`` -- every API answer is a 302 to the same server under another host name (``localhost`` for
                  ``127.0.0.1``): a client that follows it carries its key to another host; the server counts
                  such key-carrying arrivals in ``stats()["hostile"]["keys_received_after_redirect"]``;
* ``range``    -- out-of-range values: the first row's amount becomes 2**256 + 1 (Esplora: 10**100 sat), the
                  second row's block -1; tips become 2**200;
* ``types``    -- wrong types and missing fields: the first row loses ``from`` / ``hash`` (Esplora: ``txid``),
                  the second gets a JSON object as its block number.

Control endpoints (``/__sandbox/...``) are never made hostile. Single-object answers (a tx by hash) are left
alone except by ``redirect`` and tips by ``range``, so a trace can start and the hostility hits address
histories, where the probes found it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BufferedIOBase
from typing import Any

from tracer.sandbox.server.common import Response

KINDS = ("dup", "huge", "trickle", "redirect", "range", "types")
KEY_HEADERS = ("tron-pro-api-key", "x-cg-pro-api-key", "x-cg-demo-api-key")
HUGE_BYTES = 400 * 1024 * 1024
_PAD = b" " * 65536


@dataclass
class HostilePlan:
    """Which hostile kinds are on, and their knobs; counts what it did (thread-safe)."""

    kinds: frozenset[str]
    huge_bytes: int = HUGE_BYTES
    trickle_seconds: float = 2.0
    spare: frozenset[str] = frozenset()  # lower-case path fragments (addresses) whose answers stay honest
    tips: bool = True  # ``range`` also sends absurd tips (False: rows only, so a trace gets going)
    counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def parse(cls, text: str, **knobs: Any) -> HostilePlan:
        """``"dup,huge"`` -> a plan. May raise: ValueError naming the unknown kinds."""
        kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
        unknown = sorted(kinds - set(KINDS))
        if unknown or not kinds:
            raise ValueError(f"unknown hostile kinds {unknown}; choose from {', '.join(KINDS)}")
        return cls(kinds, **knobs)

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counts)

    # ------------------------------------------------------------------ rewriting
    def rewrite(self, dialect: str, raw_path: str, host: str, headers: dict[str, str], resp: Response) -> Response:
        """The hostile version of ``resp`` for a request to ``raw_path`` on ``host``."""
        if any(fragment in raw_path.lower() for fragment in self.spare):
            return resp
        redirected_here = host.split(":")[0] == "localhost"
        if redirected_here and (any(h in headers for h in KEY_HEADERS) or "apikey=" in raw_path):
            self.count("keys_received_after_redirect")
        if "redirect" in self.kinds and not redirected_here:
            port = host.rsplit(":", 1)[1] if ":" in host else "80"
            self.count("redirect")
            return Response(302, b"", "text/plain", resp.endpoint, {"Location": f"http://localhost:{port}{raw_path}"})
        if "range" in self.kinds and self.tips and dialect == "esplora" and raw_path.split("?")[0].endswith("/blocks/tip/height"):
            self.count("range")
            return Response(resp.status, str(2**200).encode(), resp.content_type, resp.endpoint, resp.headers)
        data = _json(resp)
        if data is None:
            return resp
        if "range" in self.kinds and self.tips and _is_tip(dialect, raw_path):
            self.count("range")
            return _tip(dialect, data, resp)
        rows = _rows(dialect, data)
        if rows is None or not rows:
            return resp
        if "huge" in self.kinds:
            self.count("huge")
            return Streamed(resp.status, b"", resp.content_type, resp.endpoint, {}, self._huge)
        if "trickle" in self.kinds:
            self.count("trickle")
            body = resp.body
            return Streamed(resp.status, body, resp.content_type, resp.endpoint, {}, self._trickle)
        if "range" in self.kinds:
            self.count("range")
            _out_of_range(dialect, rows)
        if "types" in self.kinds:
            self.count("types")
            _wrong_types(dialect, rows)
        if "dup" in self.kinds:
            self.count("dup")
            rows.extend(json.loads(json.dumps(rows)))  # a deep copy of every row, appended
        return Response(resp.status, json.dumps(data).encode(), resp.content_type, resp.endpoint, resp.headers)

    # ------------------------------------------------------------------ wire writers
    def _huge(self, resp: Streamed, out: BufferedIOBase) -> None:
        """``[`` then blanks until the client hangs up or ``huge_bytes`` went out; no Content-Length."""
        out.write(b"[")
        sent = 1
        while sent < self.huge_bytes:
            chunk = _PAD[: self.huge_bytes - sent]
            out.write(chunk)
            sent += len(chunk)
        out.write(b"]")

    def _trickle(self, resp: Streamed, out: BufferedIOBase) -> None:
        """The real body, one byte every ``trickle_seconds``."""
        for i in range(len(resp.body)):
            out.write(resp.body[i:i + 1])
            out.flush()
            time.sleep(self.trickle_seconds)


@dataclass
class Streamed(Response):
    """An answer the handler does not write whole: ``writer`` writes the body itself after the headers."""

    writer: Callable[[Streamed, BufferedIOBase], None] | None = None

    @property
    def length(self) -> int | None:
        """Content-Length to announce, None for "until the connection closes"."""
        return len(self.body) if self.body else None


def _json(resp: Response) -> Any:
    if resp.status >= 300 or "json" not in resp.content_type and resp.body[:1] not in (b"[", b"{"):
        return None
    try:
        return json.loads(resp.body)
    except ValueError:
        return None


def _is_tip(dialect: str, raw_path: str) -> bool:
    return ((dialect == "etherscan" and "action=eth_blockNumber" in raw_path)
            or (dialect == "trongrid" and "/wallet/getnowblock" in raw_path))


def _tip(dialect: str, data: Any, resp: Response) -> Response:
    if dialect == "etherscan":
        data["result"] = hex(2**200)
    else:
        data["block_header"]["raw_data"]["number"] = 2**200
    return Response(resp.status, json.dumps(data).encode(), resp.content_type, resp.endpoint, resp.headers)


def _rows(dialect: str, data: Any) -> list[Any] | None:
    """The list of rows of a list answer (mutable, inside ``data``), or None."""
    rows: Any
    if dialect == "esplora" and isinstance(data, list):
        rows = data
    elif isinstance(data, dict):
        key = {"etherscan": "result", "trongrid": "data", "midgard": "actions"}.get(dialect)
        rows = data.get(key) if key else None
    else:
        return None
    return rows if isinstance(rows, list) and all(isinstance(r, dict) for r in rows) else None


def _out_of_range(dialect: str, rows: list[Any]) -> None:
    first = rows[0]
    if dialect == "esplora":
        if first.get("vout"):
            first["vout"][0]["value"] = 10**100
        if len(rows) > 1 and isinstance(rows[1].get("status"), dict):
            rows[1]["status"]["block_height"] = -1
        return
    if dialect == "midgard":
        for entry in first.get("in") or []:
            for coin in entry.get("coins") or []:
                coin["amount"] = str(10**100)
        if len(rows) > 1:
            rows[1]["height"] = "-1"
        return
    if "value" in first:
        first["value"] = str(2**256 + 1)
    if len(rows) > 1:
        for name in ("blockNumber", "block_number"):
            if name in rows[1]:
                rows[1][name] = "-1" if isinstance(rows[1][name], str) else -1
        if "block_timestamp" in rows[1]:
            rows[1]["block_timestamp"] = -1


def _wrong_types(dialect: str, rows: list[Any]) -> None:
    first = rows[0]
    for name in ("from", "hash", "txid", "transaction_id", "txID", "height"):
        first.pop(name, None)
    if len(rows) > 1:
        for name in ("blockNumber", "block_number", "block_timestamp", "status", "date"):
            if name in rows[1]:
                rows[1][name] = {"unexpected": [1, 2, 3]}
