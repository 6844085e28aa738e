"""The single HTTP funnel every API client uses: rate limit, layered retries, error mapping, archive.

Only ``*Client`` classes call :class:`HttpClient`; nothing else in the code base touches the network.

Behaviour (docs/public-apis.md, docs/architecture.md §5):

* requests go through an injected ``requests.Session`` (tests mount transports on it, nothing is patched);
* at most ``rate`` requests per second per client;
* transport errors, 5xx, 429 and unparseable bodies (HTML error pages, truncated JSON) are retried with
  exponential backoff and full jitter, capped at 30 s, within ``RetryPolicy.max_attempts``; then they raise
  ``ChainUnavailable`` / ``RateLimited`` / ``BadResponse``;
* a failure to connect at all (refused, DNS, no network) has a short budget of its own
  (``RetryPolicy.connect_attempts``, about 1.5 s): each retry is logged, and the final error names the URL, the
  time spent and the variable that sets the URL -- offline, a trace stops in seconds, not after minutes;
* a ``check`` callback classifies each answer in-band (Etherscan ``status: "0"``, TronGrid 403 bans):
  it may raise :class:`Retry` to back off and try again, or a final ``ChainError``;
* every exchange is written to the :class:`~chains.base.ResponseArchive` with secrets stripped from the
  request key; a request marked ``immutable`` (data that cannot change any more) is answered from the
  archive when present, making no request at all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from chains.base import ArchivedResponse, ResponseArchive
from tracer.errors import BadResponse, ChainError, ChainUnavailable, RateLimited

logger = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 30.0
# Client name -> the setting that chooses its URL (named in "cannot connect" errors).
URL_VARIABLES: dict[str, str] = {"etherscan": "TRACER_ETHERSCAN_URL", "esplora": "TRACER_ESPLORA_URL",
                                 "trongrid": "TRACER_TRONGRID_URL", "midgard": "TRACER_MIDGARD_URL",
                                 "coingecko": "TRACER_COINGECKO_URL"}


class Retry(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a ``check`` callback: the answer says "try again later" (rate limit, temporary ban)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, rate_limit: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.rate_limit = rate_limit


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up."""

    max_attempts: int = 6
    base_delay: float = 0.5
    cap: float = BACKOFF_CAP_SECONDS
    connect_attempts: int = 3  # refused / DNS / unreachable: retried after 0.5 s and 1 s, then given up

    def connect_delay(self, attempt: int) -> float:
        """Short fixed backoff between connection attempts (a host that refuses rarely recovers in seconds)."""
        return min(self.base_delay * float(2**attempt), 2.0)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff; a server's Retry-After wins when given."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap)
        return random.uniform(0, min(self.cap, self.base_delay * (2**attempt)))


@dataclass(frozen=True)
class HttpAnswer:
    """What a check callback sees and a caller gets back."""

    status: int
    text: str
    data: Any  # parsed JSON, or None when the body is not JSON (plain text endpoints)
    from_archive: bool = False


Check = Callable[[HttpAnswer], None]


class RateLimiter:
    """At most ``rate`` calls per second (thread-safe)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> None:
        """Block until the next call is allowed."""
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


def request_key(method: str, url: str, params: Mapping[str, Any], secret_params: Sequence[str] = ()) -> str:
    """Deterministic key of a request with secrets removed: ``GET https://host/path?a=1&b=2``."""
    kept = sorted((k, str(v)) for k, v in params.items() if k not in secret_params and v is not None)
    query = urlencode(kept)
    return f"{method} {url}" + (f"?{query}" if query else "")


@dataclass
class RequestStats:
    """Counters a benchmark or progress bar can read."""

    requests: int = 0
    archive_hits: int = 0
    retries: int = 0


class HttpClient:
    """GET-only JSON/text HTTP client with rate limiting, retries, error mapping and archiving."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        rate: float = 3.0,
        timeout: float = 20.0,
        archive: ResponseArchive | None = None,
        secret_params: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "http",
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.archive = archive
        self.secret_params = tuple(secret_params)
        self.headers = dict(headers or {})  # may hold secrets: never logged, never archived
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate, sleep=sleep)
        self._sleep = sleep
        self.name = name
        self.stats = RequestStats()

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, check: Check | None = None,
            expect_json: bool = True, immutable: bool = False) -> HttpAnswer:
        """GET ``base_url + path``; see the module docstring for retries and archiving.

        May raise: ChainUnavailable, RateLimited, BadResponse, or whatever ``check`` raises.
        """
        params = dict(params or {})
        url = self.base_url + path
        key = request_key("GET", url, params, self.secret_params)
        if immutable and self.archive is not None:
            cached = self.archive.get_immutable(key)
            if cached is not None:
                answer = _answer(cached.status, cached.body, expect_json, from_archive=True)
                if answer is not None:
                    self.stats.archive_hits += 1
                    if check is not None:
                        check(answer)
                    return answer
        last_error: ChainError | None = None
        started = time.monotonic()
        connect_failures = 0
        for attempt in range(self.retry.max_attempts):
            if attempt:
                self.stats.retries += 1
            self.limiter.wait()
            self.stats.requests += 1
            logger.debug("%s %s (attempt %d)", self.name, key, attempt + 1)
            try:
                resp = self.session.get(url, params=params, headers=self.headers, timeout=self.timeout)
            except requests.ConnectionError as exc:
                connect_failures += 1
                if connect_failures >= self.retry.connect_attempts:
                    raise self._unreachable(exc, connect_failures, time.monotonic() - started) from exc
                wait = self.retry.connect_delay(connect_failures - 1)
                logger.warning("%s: cannot connect to %s (%s), attempt %d of %d; retrying in %.1f s", self.name,
                               self.base_url, type(exc).__name__, connect_failures, self.retry.connect_attempts, wait)
                self._sleep(wait)
                continue
            except requests.Timeout as exc:
                last_error = ChainUnavailable(f"{self.name}: {type(exc).__name__} for {key}")
                self._sleep(self.retry.delay(attempt))
                continue
            except requests.RequestException as exc:
                raise ChainUnavailable(f"{self.name}: {type(exc).__name__} for {key}") from exc
            body = resp.content
            self._archive(key, resp.status_code, body, resp.headers.get("content-type", ""), immutable=False)
            if resp.status_code == 429:
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                last_error = RateLimited(f"{self.name}: HTTP 429 for {key}", retry_after)
                self._sleep(self.retry.delay(attempt, retry_after))
                continue
            if resp.status_code >= 500:
                last_error = ChainUnavailable(f"{self.name}: HTTP {resp.status_code} for {key}")
                self._sleep(self.retry.delay(attempt))
                continue
            answer = _answer(resp.status_code, body, expect_json and resp.status_code < 300)
            if answer is None:
                last_error = BadResponse(f"{self.name}: unparseable body (HTTP {resp.status_code}) for {key}")
                self._sleep(self.retry.delay(attempt))
                continue
            try:
                if check is not None:
                    check(answer)
            except Retry as signal:
                last_error = (RateLimited(f"{self.name}: {signal.reason}", signal.retry_after)
                              if signal.rate_limit else ChainUnavailable(f"{self.name}: {signal.reason}"))
                self._sleep(self.retry.delay(attempt, signal.retry_after))
                continue
            if immutable and self.archive is not None and resp.status_code < 300:
                self._archive(key, resp.status_code, body, resp.headers.get("content-type", ""), immutable=True)
            return answer
        assert last_error is not None
        raise last_error

    def _unreachable(self, exc: Exception, attempts: int, seconds: float) -> ChainUnavailable:
        variable = URL_VARIABLES.get(self.name)
        where = f"set {variable} to a reachable {self.name} API" if variable else "check the URL"
        return ChainUnavailable(f"{self.name}: cannot connect to {self.base_url} ({type(exc).__name__}); gave up "
                                f"after {attempts} attempts in {seconds:.1f} s -- check the network, or {where}")

    def _archive(self, key: str, status: int, body: bytes, content_type: str, *, immutable: bool) -> None:
        if self.archive is None:
            return
        self.archive.put(
            ArchivedResponse(request_key=key, status=status, body=body, sha256=hashlib.sha256(body).hexdigest(),
                             fetched_at=time.time(), content_type=content_type or "application/octet-stream"),
            immutable=immutable,
        )


def _answer(status: int, body: bytes, expect_json: bool, from_archive: bool = False) -> HttpAnswer | None:
    text = body.decode("utf-8", errors="replace")
    if not expect_json:
        data: Any = None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        return HttpAnswer(status=status, text=text, data=data, from_archive=from_archive)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return HttpAnswer(status=status, text=text, data=data, from_archive=from_archive)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
