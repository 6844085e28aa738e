"""The loopback sandbox server: the shared loopback core (chains.testing.LoopbackServer) routing by path prefix
to each API dialect.

Prefixes: ``/etherscan`` (Etherscan V2 at ``/etherscan/v2/api``), ``/esplora``, ``/trongrid``, ``/midgard``,
``/coingecko/api/v3``; control endpoints under ``/__sandbox/`` (phase, stats, faults) are never faulted or
rate-limited.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from chains.testing import HttpReply, HttpRequest, LoopbackServer
from tracer.sandbox.faults import KINDS, FaultInjector, FaultPlan
from tracer.sandbox.server import coingecko, esplora, etherscan, hostile, midgard, trongrid
from tracer.sandbox.server.common import Request, Response, View, json_response
from tracer.sandbox.world import World

log = logging.getLogger(__name__)

DIALECTS = ("etherscan", "esplora", "trongrid", "midgard", "coingecko")
DEFAULT_RATE_LIMITS = dict.fromkeys(DIALECTS, 1000.0)  # calls per second per key: generous by default
RATE_LIMITED: dict[str, Callable[[], Response]] = {
    "etherscan": etherscan.rate_limited, "esplora": esplora.rate_limited, "trongrid": trongrid.rate_limited,
    "midgard": midgard.rate_limited, "coingecko": coingecko.rate_limited,
}
TIMELINE_SIZE = 100_000  # recent API requests kept with their (start, end) times
HTML_ERROR = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
              b"</h1></center><hr><center>cloudflare</center></body></html>")


class SandboxServer:
    """Serves a :class:`World` on 127.0.0.1 in the dialects of the real public APIs.

    ``rate_limits`` maps a dialect to calls/second per API key (Etherscan ``apikey``, TronGrid
    ``TRON-PRO-API-KEY`` header) or per client otherwise.
    """

    def __init__(self, world: World, *, faults: FaultPlan | None = None, rate_limits: dict[str, float] | None = None,
                 port: int = 0, phase: int = 1, esplora_history_limit: int = esplora.DEFAULT_HISTORY_LIMIT) -> None:
        self.world = world
        self.faults = FaultInjector(faults or FaultPlan())
        self.rate_limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self.esplora_history_limit = esplora_history_limit
        self._phase = phase
        self._port = port
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._windows: dict[tuple[str, str], deque[float]] = {}
        self._timeline: deque[tuple[str, float, float]] = deque(maxlen=TIMELINE_SIZE)
        self._loopback: LoopbackServer | None = None
        self.hostile: hostile.HostilePlan | None = None  # `--hostile`: answers rewritten by sandbox.server.hostile
        world.index  # noqa: B018 -- build the indexes before the first request, not during it

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL (``http://127.0.0.1:PORT``)."""
        self._loopback = LoopbackServer(self.answer, port=self._port, name="sandbox-server", server_header="nginx")
        self._loopback.start()
        log.info("sandbox serving on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._loopback is not None:
            self._loopback.stop()
            self._loopback = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (only while running)."""
        if self._loopback is None:
            raise RuntimeError("server not started")
        return self._loopback.url

    def urls(self) -> dict[str, str]:
        """Base URLs to put in TRACER_ETHERSCAN_URL etc."""
        b = self.base_url
        return {"etherscan": f"{b}/etherscan/v2/api", "esplora": f"{b}/esplora", "trongrid": f"{b}/trongrid",
                "midgard": f"{b}/midgard", "coingecko": f"{b}/coingecko/api/v3"}

    # ------------------------------------------------------------------ control
    @property
    def phase(self) -> int:
        """The current phase (1-based)."""
        return self._phase

    def set_phase(self, n: int) -> None:
        """Switch phase: later blocks become visible (tips move)."""
        if not 1 <= n <= self.world.phases:
            raise ValueError(f"phase must be 1..{self.world.phases}")
        self._phase = n

    def set_faults(self, plan: FaultPlan) -> None:
        """Replace the fault plan (restarts the deterministic request count)."""
        self.faults.set_plan(plan)

    def stats(self) -> dict[str, Any]:
        """Request counters per ``dialect:endpoint``, per dialect, and injected faults / rate-limit answers."""
        with self._lock:
            counts = dict(self._counts)
        per_dialect: Counter[str] = Counter()
        for k, v in counts.items():
            if not k.startswith(("fault:", "ratelimited:")):
                per_dialect[k.split(":", 1)[0]] += v
        return {"total": sum(per_dialect.values()), "dialects": dict(per_dialect), "endpoints": counts,
                "faults": dict(self.faults.injected), "hostile": self.hostile.stats() if self.hostile else {}}

    def timeline(self) -> list[tuple[str, float, float]]:
        """(dialect, arrival, answer due) of the recent API requests, ``time.monotonic`` seconds, arrival order:
        which requests of different APIs were in flight at once (tests of the prefetch workers)."""
        with self._lock:
            return list(self._timeline)

    def _count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def _rate_ok(self, dialect: str, key: str) -> bool:
        limit = self.rate_limits.get(dialect, 0)
        if limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            win = self._windows.setdefault((dialect, key), deque())
            while win and now - win[0] >= 1.0:
                win.popleft()
            if len(win) >= limit:
                return False
            win.append(now)
            return True

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes, client: str,
                 host: str) -> tuple[Response, str | None]:
        """Answer one request; returns the response and an optional fault kind to apply on the wire."""
        split = urlsplit(raw_path)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        if path.startswith("/__sandbox/"):
            return self._control(method, path, query, body), None
        dialect = path.strip("/").split("/", 1)[0]
        if dialect not in DIALECTS:
            return json_response({"error": "unknown API prefix"}, 404), None
        prefix = f"/{dialect}"
        req = Request(method, path[len(prefix):] or "/", query, headers, body, f"http://{host}{prefix}", client)
        fault = self.faults.next()
        key = query.get("apikey") or headers.get("tron-pro-api-key") or client
        if not self._rate_ok(dialect, key):
            self._count(f"ratelimited:{dialect}")
            return RATE_LIMITED[dialect](), None
        view = View(self.world, self._phase)
        if dialect == "esplora":
            resp = esplora.handle(req, view, self.esplora_history_limit)
        else:
            resp = {"etherscan": etherscan.handle, "trongrid": trongrid.handle, "midgard": midgard.handle,
                    "coingecko": coingecko.handle}[dialect](req, view)
        self._count(resp.endpoint or f"{dialect}:other")
        if self.hostile is not None:
            resp = self.hostile.rewrite(dialect, raw_path, host, headers, resp)
        if fault:
            self._count(f"fault:{fault}")
        return resp, fault

    def answer(self, request: HttpRequest) -> HttpReply:
        """The loopback app: dispatch, then put the planned fault and delay on the wire."""
        arrived = time.monotonic()
        try:
            resp, fault = self.dispatch(request.method, request.target, dict(request.headers), request.body,
                                        request.client, request.host)
        except Exception:  # a handler bug must not kill the connection silently
            log.exception("sandbox handler failed for %s", request.target)
            resp, fault = json_response({"error": "internal error"}, 500), None
        control = request.target.startswith("/__sandbox/")
        delay = 0.0 if control else self.faults.delay()
        if fault == "stall":
            delay = self.faults.plan.stall_seconds
        elif fault == "429":
            resp = Response(429, b'{"error":"Too Many Requests"}', "application/json")
        elif fault == "500":
            resp = Response(500, b"Internal Server Error", "text/plain")
        elif fault == "html":
            resp = Response(502, HTML_ERROR, "text/html")
        elif fault == "truncated":
            resp = Response(200, resp.body[: max(1, len(resp.body) // 2)], resp.content_type)
        if not control:
            with self._lock:
                self._timeline.append((request.target.strip("/").split("/", 1)[0], arrived, time.monotonic() + delay))
        if isinstance(resp, hostile.Streamed) and resp.writer is not None:  # trickled or endless body
            streamed, write = resp, resp.writer
            return HttpReply(resp.status, resp.body, resp.content_type, resp.headers, delay,
                             writer=lambda out: write(streamed, out))
        return HttpReply(resp.status, resp.body, resp.content_type, resp.headers, delay)

    def _control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Response:
        what = path.removeprefix("/__sandbox/").strip("/")
        params = dict(query)
        if method == "POST" and body:
            try:
                params.update({k: str(v) for k, v in json.loads(body).items()})
            except (ValueError, AttributeError):
                return json_response({"error": "body must be a JSON object"}, 400)
        try:
            if what == "phase":
                if "n" in params:
                    self.set_phase(int(params["n"]))
                return json_response({"phase": self._phase, "phases": self.world.phases,
                                      "tips": {c: self.world.tip(c, self._phase) for c in self.world.tips}})
            if what == "stats":
                return json_response(self.stats())
            if what == "faults":
                if {"fraction", "kinds", "seed", "stall"} & params.keys():
                    cur = self.faults.plan
                    kinds = tuple(k for k in params.get("kinds", ",".join(cur.kinds)).split(",") if k)
                    self.set_faults(FaultPlan(float(params.get("fraction", cur.fraction)), kinds,
                                              int(params.get("seed", cur.seed)),
                                              float(params.get("stall", cur.stall_seconds))))
                p = self.faults.plan
                return json_response({"fraction": p.fraction, "kinds": list(p.kinds), "seed": p.seed,
                                      "stall_seconds": p.stall_seconds, "available": list(KINDS),
                                      "injected": self.faults.injected})
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"error": f"unknown control endpoint {what!r}"}, 404)
