"""Test support shipped with the package: recorded-response fixtures, scripted and recording transports.

Public API (stable; every adapter's tests use it)::

    SECRET_PARAMS                                   # names never put in a key or a file
    fixture_key(method, url, params=None, body=None) -> str      # file name of one exchange
    Envelope / load_envelope(path) -> dict / envelope_response(envelope, request) -> requests.Response
    FixtureMissing(path)                            # raised loudly; never falls back to the network
    FixtureTransport(root_dir)                      # requests BaseAdapter answering from envelope files
    fixture_session(root_dir) -> requests.Session   # Session with FixtureTransport mounted for http/https
    ScriptedResponse(status=200, body=None, text=None, headers=None, delay=0.0)
    ScriptedTransport([ScriptedResponse | BaseException, ...])   # answers in order; .requests holds what came
    session_with(transport) -> requests.Session
    RecordingTransport(inner, root_dir)             # forwards, writes envelopes with secrets removed
    FixtureServer(root_dir=None, responder=None)    # real loopback HTTP (ThreadingHTTPServer on 127.0.0.1:0)
    serve_fixtures(root_dir) -> (base_url, stop)

**Fixture key** (docs/architecture.md §7): ``<METHOD>_<path, "/" -> "_">__<k-v>__<k-v>.json`` with the query
pairs sorted by key, e.g. ``GET_v2_api__action-txlist__address-0xab…__chainid-1__module-account.json``.
Secret parameters (``apikey``, ``TRON-PRO-API-KEY``, any ``x_cg_*``) are left out; a value longer than 64
characters becomes the first 12 hex digits of its sha1; characters other than ``[A-Za-z0-9._,-]`` become
``_``. JSON-RPC POSTs use ``rpc.<method>_<params>.json``: scalar params joined by ``_``
(``rpc.eth_getBlockByNumber_0x4_false.json``), otherwise their compact sorted JSON (usually hashed).

**Envelope**: ``{"request": {"method", "url", "params"}, "response": {"status", "headers", "body"}}``;
``body`` is the parsed JSON; a body that is not JSON (HTML error page, truncated JSON) is kept verbatim in
``body_text`` instead. An optional ``response.delay`` (seconds) simulates a stall: the loopback server
really sleeps; :class:`FixtureTransport` raises ``requests.Timeout`` when the delay exceeds the timeout.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

Envelope = dict[str, Any]
SECRET_PARAMS: frozenset[str] = frozenset({"apikey", "api_key", "tron-pro-api-key"})
_SECRET_PREFIXES = ("x_cg_",)
_UNSAFE = re.compile(r"[^A-Za-z0-9._,-]")


def is_secret(name: str) -> bool:
    """True for parameter/header names whose value must never be stored."""
    low = name.lower()
    return low in SECRET_PARAMS or low.startswith(_SECRET_PREFIXES)


def _part(value: str) -> str:
    if len(value) > 64:
        return hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]
    return _UNSAFE.sub("_", value)


def fixture_key(method: str, url: str, params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
                body: Any = None) -> str:
    """The envelope file name of one request (see the module docstring).

    ``url`` may carry a query string; ``params`` are merged with it. ``body`` is the decoded JSON of a
    JSON-RPC POST (a single call).
    """
    if method.upper() == "POST" and isinstance(body, dict) and "method" in body:
        rpc_params = body.get("params") or []
        if all(isinstance(p, str | int | bool) or p is None for p in rpc_params):
            flat = "_".join(json.dumps(p).strip('"') for p in rpc_params)  # ["0x4", false] -> 0x4_false
        else:
            flat = json.dumps(rpc_params, separators=(",", ":"), sort_keys=True)
        return f"rpc.{_part(str(body['method']))}_{_part(flat)}.json"
    split = urlsplit(url)
    pairs = list(parse_qsl(split.query, keep_blank_values=True))
    if params is not None:
        items = params.items() if isinstance(params, Mapping) else params
        pairs.extend((k, str(v)) for k, v in items if v is not None)
    kept = sorted((k, v) for k, v in pairs if not is_secret(k))
    path = split.path.strip("/").replace("/", "_") or "root"
    name = f"{method.upper()}_{_part(path)}"
    for key, value in kept:
        name += f"__{_part(key)}-{_part(value)}"
    return name + ".json"


class FixtureMissing(Exception):  # noqa: N818 - named after what happened, as architecture.md §7 says
    """No envelope file for a request: record it, never fall back to the network."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(f"fixture missing: {self.path} (create it with scripts/record_fixtures.py, or write "
                         f"the envelope by hand)")


def load_envelope(path: Path) -> Envelope:
    """Read one envelope file. May raise: FixtureMissing."""
    try:
        data: Envelope = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FixtureMissing(path) from exc
    return data


def envelope_body(envelope: Envelope) -> tuple[int, dict[str, str], bytes, float]:
    """(status, headers, raw body, delay) of an envelope's response."""
    resp = envelope["response"]
    headers = {str(k): str(v) for k, v in (resp.get("headers") or {}).items()}
    if "body_text" in resp:
        raw = str(resp["body_text"]).encode("utf-8")
        headers.setdefault("content-type", "text/plain")
    else:
        raw = json.dumps(resp.get("body")).encode("utf-8")
        headers.setdefault("content-type", "application/json")
    return int(resp.get("status", 200)), headers, raw, float(resp.get("delay", 0.0))


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


def _rpc_id(body: Any, raw: bytes) -> bytes:
    """Replay a JSON-RPC answer with the id of the live request (web3 checks it)."""
    if not isinstance(body, dict) or "id" not in body:
        return raw
    try:
        answer = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(answer, dict):
        answer["id"] = body["id"]
        return json.dumps(answer).encode("utf-8")
    return raw


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
        return _response(request, status, headers, _rpc_id(body, raw))

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
        return _response(request, item.status, headers, _rpc_id(body, raw))


def make_envelope(method: str, url: str, params: Mapping[str, Any], status: int, headers: Mapping[str, str],
                  raw: bytes, body: Any = None) -> Envelope:
    """An envelope for one exchange, secrets removed from the request (headers are not kept at all)."""
    text = raw.decode("utf-8", errors="replace")
    response: dict[str, Any] = {"status": status,
                                "headers": {"content-type": headers.get("content-type", "application/json")}}
    try:
        response["body"] = json.loads(text)
    except ValueError:
        response["body_text"] = text
    split = urlsplit(url)
    # a loopback server's port changes every run: keep it out of the file so re-recording diffs stay clean
    netloc = split.hostname or "" if split.hostname in ("127.0.0.1", "localhost") else split.netloc
    clean_url = f"{split.scheme}://{netloc}{split.path}"
    kept = {k: v for k, v in params.items() if not is_secret(k)}
    request: dict[str, Any] = {"method": method.upper(), "url": clean_url, "params": kept}
    if body is not None:
        request["params"] = body
    return {"request": request, "response": response}


def write_envelope(root: Path, key: str, envelope: Envelope) -> Path:
    """Write ``envelope`` pretty-printed with sorted keys so diffs review well."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / key
    path.write_text(json.dumps(envelope, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


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


Responder = Callable[[str, str, Mapping[str, str], Any], Envelope | None]
"""``(method, path, query params, decoded JSON body) -> envelope or None`` for dynamic loopback servers."""


class FixtureServer:
    """Serves envelope files (or a ``responder``) over real HTTP on ``127.0.0.1:<free port>``.

    A request with no envelope is answered ``404`` with the missing file's name and remembered in
    ``missing``; tests should assert it stays empty. ``requests`` logs every fixture key asked for.
    """

    def __init__(self, root_dir: Path | str | None = None, responder: Responder | None = None) -> None:
        self.root = Path(root_dir) if root_dir is not None else None
        self.responder = responder
        self.requests: list[str] = []
        self.missing: list[str] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fixture-server",
                                        daemon=True)
        self._thread.start()
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host!s}:{port}"

    def envelope_for(self, method: str, raw_path: str, body: Any) -> Envelope | None:
        """Look up the envelope answering one request (thread-safe bookkeeping)."""
        split = urlsplit(raw_path)
        key = fixture_key(method, raw_path, body=body)
        with self._lock:
            self.requests.append(key)
        envelope: Envelope | None = None
        if self.responder is not None:
            envelope = self.responder(method, split.path, dict(parse_qsl(split.query, keep_blank_values=True)), body)
        if envelope is None and self.root is not None:
            path = self.root / key
            if path.exists():
                envelope = load_envelope(path)
        if envelope is None:
            with self._lock:
                self.missing.append(key)
        return envelope

    def stop(self) -> None:
        """Shut the server down and free the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: avoid the 40 ms ACK delay

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            """Silence the default stderr access log."""

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw_body = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw_body) if raw_body else None
            except ValueError:
                body = None
            envelope = server.envelope_for(method, self.path, body)
            if envelope is None:
                status, headers, raw, delay = 404, {"content-type": "text/plain"}, b"FixtureMissing", 0.0
            else:
                status, headers, raw, delay = envelope_body(envelope)
                raw = _rpc_id(body, raw)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (stall scenarios)
                pass

        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802 - stdlib naming
            self._serve("POST")

    return Handler


def serve_fixtures(root_dir: Path | str) -> tuple[str, Callable[[], None]]:
    """Start a :class:`FixtureServer` on ``root_dir``; returns ``(base_url, stop)``."""
    server = FixtureServer(root_dir)
    return server.url, server.stop
