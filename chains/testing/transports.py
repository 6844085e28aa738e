"""In-process ``requests`` transports: answer from envelope files, from a script, or record real exchanges."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from chains.testing.envelopes import (
    envelope_body,
    fixture_key,
    load_envelope,
    make_envelope,
    with_rpc_id,
    write_envelope,
)


def _response(request: requests.PreparedRequest, status: int, headers: Mapping[str, str], body: bytes) -> \
        requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers = CaseInsensitiveDict(headers)
    resp._content = body
    resp.encoding = "utf-8"
    resp.url = request.url or ""
    resp.request = request
    resp.reason = "OK" if status < 400 else "ERROR"
    return resp


def _request_body(request: requests.PreparedRequest) -> Any:
    raw = request.body
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None


def _timeout_seconds(timeout: Any) -> float | None:
    if isinstance(timeout, tuple):
        timeout = timeout[-1]
    return float(timeout) if isinstance(timeout, int | float) else None


class _LocalTransport(BaseAdapter):
    """A transport holding no connections."""

    def close(self) -> None:
        """Nothing to release."""


class FixtureTransport(_LocalTransport):
    """Answers every request from ``root_dir/<fixture_key>``; raises :class:`FixtureMissing` otherwise."""

    def __init__(self, root_dir: Path | str) -> None:
        super().__init__()
        self.root = Path(root_dir)
        self.requests: list[str] = []  # keys served, in order

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """Serve one request from its envelope file."""
        body = _request_body(request)
        key = fixture_key(request.method or "GET", request.url or "", body=body)
        self.requests.append(key)
        envelope = load_envelope(self.root / key)
        status, headers, raw, delay = envelope_body(envelope)
        limit = _timeout_seconds(timeout)
        if delay and limit is not None and delay > limit:
            raise requests.ReadTimeout(f"fixture {key} stalls {delay}s beyond the {limit}s timeout")
        return _response(request, status, headers, with_rpc_id(body, raw))

def session_with(transport: BaseAdapter) -> requests.Session:
    """A Session whose http:// and https:// requests all go to ``transport``."""
    session = requests.Session()
    session.mount("http://", transport)
    session.mount("https://", transport)
    return session


def fixture_session(root_dir: Path | str) -> requests.Session:
    """A Session answering from the envelope files in ``root_dir``."""
    return session_with(FixtureTransport(root_dir))


@dataclass(frozen=True)
class ScriptedResponse:
    """One scripted answer: JSON ``body`` or raw ``text``; ``delay`` beyond the timeout -> requests.Timeout."""

    status: int = 200
    body: Any = None
    text: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ScriptExhausted(AssertionError):
    """The code made more requests than the script planned."""


class ScriptedTransport(_LocalTransport):
    """Answers requests with a fixed list of responses in order (429 then 200, NOTOK then OK, ...).

    An item that is an exception instance is raised instead (e.g. ``requests.ConnectionError()``).
    ``requests`` records the URL of every request received.
    """

    def __init__(self, responses: Sequence[ScriptedResponse | BaseException]) -> None:
        super().__init__()
        self._script = list(responses)
        self.requests: list[str] = []
        self.bodies: list[Any] = []

    @property
    def remaining(self) -> int:
        """How many scripted answers were not used."""
        return len(self._script)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """Pop the next scripted answer."""
        self.requests.append(request.url or "")
        body = _request_body(request)
        self.bodies.append(body)
        if not self._script:
            raise ScriptExhausted(f"unscripted request #{len(self.requests)}: {request.method} {request.url}")
        item = self._script.pop(0)
        if isinstance(item, BaseException):
            raise item
        limit = _timeout_seconds(timeout)
        if item.delay and limit is not None and item.delay > limit:
            raise requests.ReadTimeout(f"scripted stall of {item.delay}s beyond the {limit}s timeout")
        headers = dict(item.headers)
        if item.text is not None:
            raw = item.text.encode("utf-8")
            headers.setdefault("content-type", "text/html")
        else:
            raw = json.dumps(item.body).encode("utf-8")
            headers.setdefault("content-type", "application/json")
        return _response(request, item.status, headers, with_rpc_id(body, raw))


class RecordingTransport(BaseAdapter):
    """Forwards to ``inner`` (a real ``HTTPAdapter``) and writes each exchange as an envelope file.

    Secret query parameters never reach the key or the file; request headers (where TronGrid and
    CoinGecko keys live) are not recorded at all.
    """

    def __init__(self, inner: BaseAdapter, root_dir: Path | str) -> None:
        super().__init__()
        self.inner = inner
        self.root = Path(root_dir)
        self.written: list[Path] = []

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        """Forward, then record."""
        resp = self.inner.send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)
        body = _request_body(request)
        url = request.url or ""
        key = fixture_key(request.method or "GET", url, body=body)
        params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        envelope = make_envelope(request.method or "GET", url, params, resp.status_code, resp.headers,
                                 resp.content, body)
        self.written.append(write_envelope(self.root, key, envelope))
        return resp

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()


