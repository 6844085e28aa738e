"""The one loopback HTTP server core behind every fake API: the sandbox world, recorded fixtures, test doubles.

``LoopbackServer(app)`` serves ``app(HttpRequest) -> HttpReply`` on ``127.0.0.1`` (a free port unless one is
given) in a daemon thread, with HTTP/1.1 keep-alive. What differs between fakes is only the ``app``:
:class:`chains.testing.FixtureServer` answers from envelope files or a responder, the sandbox
(``tracer.sandbox.server``) speaks the public APIs' dialects over a generated world, and a test can pass a plain
function. An ``app`` that raises is answered 500 and logged, never a dropped connection.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)
_KEY_IN_QUERY = re.compile(r"((?:api_?key|key|token))=[^&\s\"]+", re.IGNORECASE)


@dataclass(frozen=True)
class HttpRequest:
    """One request as an app sees it; header names are lower case."""

    method: str
    target: str  # path with its query string, as sent
    headers: Mapping[str, str]
    body: bytes
    client: str  # the peer's IP address
    host: str = "127.0.0.1"

    @property
    def path(self) -> str:
        """The path without the query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (last value wins)."""
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    def json(self) -> Any:
        """The body decoded as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class HttpReply:
    """What an app answers. ``delay`` stalls the answer (seconds) to exercise client timeouts.

    ``writer``, when given, writes the body itself after the headers (a trickled or endless body): ``body`` then
    only sets the announced Content-Length, and an empty ``body`` means "until the connection closes".
    """

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    writer: Callable[[BufferedIOBase], None] | None = None

    @staticmethod
    def json(obj: Any, status: int = 200) -> HttpReply:
        """A compact JSON answer."""
        return HttpReply(status, json.dumps(obj, separators=(",", ":")).encode("utf-8"))


App = Callable[[HttpRequest], HttpReply]
_HOP_BY_HOP = ("content-type", "content-length", "transfer-encoding", "connection")


class LoopbackServer:
    """Serves an :data:`App` on 127.0.0.1; use as a context manager or ``start()`` / ``stop()``."""

    def __init__(self, app: App, *, port: int = 0, name: str = "loopback", server_header: str | None = None) -> None:
        self.app = app
        self.name = name
        self._port = port
        self._server_header = server_header
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind and serve; returns the base URL ``http://127.0.0.1:PORT``."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self))
        self._httpd.daemon_threads = True
        # a short poll interval: shutdown() waits for it (0.5 s by default, per server)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=self.name, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (only while running)."""
        if self._httpd is None:
            raise RuntimeError(f"{self.name} is not running")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> LoopbackServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out as two writes: with Nagle on, the client's delayed ACK adds ~40 ms per
        # keep-alive request (measured 41 ms/request in scripts/bench_monitor.py, 1 ms without)
        disable_nagle_algorithm = True
        if server._server_header is not None:
            server_version = server._server_header
            sys_version = ""

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = HttpRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                  self.rfile.read(length) if length else b"", self.client_address[0],
                                  self.headers.get("host", "127.0.0.1"))
            try:
                reply = server.app(request)
            except Exception:  # a bug in a fake must not look like a network failure
                logger.exception("%s failed for %s %s", server.name, self.command, self.path)
                reply = HttpReply.json({"error": "internal error"}, 500)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.writer is not None and not reply.body:
                    self.send_header("Connection", "close")  # the body ends when the connection does
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.end_headers()
                if reply.writer is None:
                    self.wfile.write(reply.body)
                else:
                    self.wfile.flush()
                    reply.writer(self.wfile)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (stall scenarios)
                self.close_connection = True

        do_GET = _serve
        do_POST = _serve
        do_PUT = _serve
        do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            # An access log must not keep the API keys clients send (a test log or CI output is shared).
            logger.debug("%s %s", server.name, _KEY_IN_QUERY.sub(r"\1=***", format % args))

    return Handler
