"""Recorded fixtures (or a responder) served over real loopback HTTP by the shared core (chains.testing.loopback)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chains.testing.envelopes import Envelope, envelope_body, fixture_key, load_envelope, with_rpc_id
from chains.testing.loopback import HttpReply, HttpRequest, LoopbackServer

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
        self._server = LoopbackServer(self.answer, name="fixture-server")
        self.url = self._server.start()

    def envelope_for(self, method: str, raw_path: str, body: Any) -> Envelope | None:
        """Look up the envelope answering one request (thread-safe bookkeeping)."""
        key = fixture_key(method, raw_path, body=body)
        with self._lock:
            self.requests.append(key)
        envelope: Envelope | None = None
        if self.responder is not None:
            request = HttpRequest(method, raw_path, {}, b"", "127.0.0.1")
            envelope = self.responder(method, request.path, request.query, body)
        if envelope is None and self.root is not None:
            path = self.root / key
            if path.exists():
                envelope = load_envelope(path)
        if envelope is None:
            with self._lock:
                self.missing.append(key)
        return envelope

    def answer(self, request: HttpRequest) -> HttpReply:
        """The loopback app: the envelope's response, or 404 naming nothing secret."""
        body = request.json()
        envelope = self.envelope_for(request.method, request.target, body)
        if envelope is None:
            return HttpReply(404, b"FixtureMissing", "text/plain")
        status, headers, raw, delay = envelope_body(envelope)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "application/json")
        return HttpReply(status, with_rpc_id(body, raw), content_type, headers, delay)

    def stop(self) -> None:
        """Shut the server down and free the port."""
        self._server.stop()

    def __enter__(self) -> FixtureServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_fixtures(root_dir: Path | str) -> tuple[str, Callable[[], None]]:
    """Start a :class:`FixtureServer` on ``root_dir``; returns ``(base_url, stop)``."""
    server = FixtureServer(root_dir)
    return server.url, server.stop
