"""The fake-API toolkit shipped with the package, for tests, fixture building, benchmarks and the sandbox.

One loopback server core (:mod:`chains.testing.loopback`) serves every fake over real HTTP on 127.0.0.1; the rest
are the ways of deciding what it answers, plus in-process transports for tests that need no socket.

Public API (stable; every adapter's tests use it)::

    LoopbackServer(app, port=0, name=..., server_header=None)  # the one server core; app(HttpRequest) -> HttpReply
    HttpRequest / HttpReply / App
    FixtureServer(root_dir=None, responder=None)    # envelope files or a Responder over LoopbackServer
    Responder = (method, path, query, json_body) -> Envelope | None
    chains.testing.etherscan.EtherscanSimulator(histories, transactions, blocks, balances, tip)  # a Responder
    serve_fixtures(root_dir) -> (base_url, stop)
    SECRET_PARAMS                                   # names never put in a key or a file
    fixture_key(method, url, params=None, body=None) -> str      # file name of one exchange
    Envelope / load_envelope(path) / make_envelope(...) / write_envelope(root, key, envelope)
    FixtureMissing(path)                            # raised loudly; never falls back to the network
    FixtureTransport(root_dir)                      # requests BaseAdapter answering from envelope files
    fixture_session(root_dir) -> requests.Session   # Session with FixtureTransport mounted for http/https
    ScriptedResponse(status=200, body=None, text=None, headers=None, delay=0.0)
    ScriptedTransport([ScriptedResponse | BaseException, ...])   # answers in order; .requests holds what came
    session_with(transport) -> requests.Session
    RecordingTransport(inner, root_dir)             # forwards, writes envelopes with secrets removed
    MemoryArchive()                                 # dict-backed ResponseArchive

**Fixture key** (docs/architecture.md §7): ``<METHOD>_<path, "/" -> "_">__<k-v>__<k-v>.json`` with the
query pairs sorted by key, e.g. ``GET_v2_api__action-txlist__address-0xab…__chainid-1__module-account.json``.
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

from chains.testing.archive import MemoryArchive
from chains.testing.envelopes import (
    SECRET_PARAMS,
    Envelope,
    FixtureMissing,
    envelope_body,
    fixture_key,
    is_secret,
    load_envelope,
    make_envelope,
    with_rpc_id,
    write_envelope,
)
from chains.testing.fixture_server import FixtureServer, Responder, serve_fixtures
from chains.testing.loopback import App, HttpReply, HttpRequest, LoopbackServer
from chains.testing.transports import (
    FixtureTransport,
    RecordingTransport,
    ScriptedResponse,
    ScriptedTransport,
    ScriptExhausted,
    fixture_session,
    session_with,
)

__all__ = [
    "SECRET_PARAMS",
    "App",
    "Envelope",
    "FixtureMissing",
    "FixtureServer",
    "FixtureTransport",
    "HttpReply",
    "HttpRequest",
    "LoopbackServer",
    "MemoryArchive",
    "RecordingTransport",
    "Responder",
    "ScriptExhausted",
    "ScriptedResponse",
    "ScriptedTransport",
    "envelope_body",
    "fixture_key",
    "fixture_session",
    "is_secret",
    "load_envelope",
    "make_envelope",
    "serve_fixtures",
    "session_with",
    "with_rpc_id",
    "write_envelope",
]
