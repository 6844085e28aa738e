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
* a ``check`` that raises :class:`~tracer.errors.InvalidAnswer` (schema, range, missing field: the client
  validates through its parse module) gets the request asked once more, then the error propagates; the
  engine marks the address ``unreadable``;
* bounded (issue 15): ``timeout`` is the total deadline of one request -- connect, headers and the body,
  read with ``read1`` so a server trickling a byte every 2 s is cut off at the deadline; the body is streamed
  and refused past ``max_body`` (a Content-Length over it is refused without reading);
* redirects are followed by hand and only to the same scheme, host and port: a redirect to another host is
  refused (:class:`~tracer.errors.UnsafeRedirect`) because the request carries an API key (requests only
  strips ``Authorization``, not ``TRON-PRO-API-KEY`` nor an ``apikey`` parameter);
* urllib3 and requests loggers are capped at WARNING and every record they emit passes a filter masking the
  secrets this module has seen (their DEBUG lines print whole URLs, ``apikey=`` included);
* thread-safe: one client serves the expansion loop and the prefetch workers of its API at once. The rate
  limiter hands out send slots under a lock, the counters add under a lock, the ``requests.Session`` is only
  used to send GETs (its urllib3 pool is thread-safe; no cookies are kept) and the archive writes through a
  connection per thread (db.archive);
* every exchange is written once to the :class:`~chains.base.ResponseArchive` with secrets stripped from the
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
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3.exceptions

from chains import wire
from chains.base import ArchivedResponse, ResponseArchive
from tracer.errors import (
    AnswerTooLarge,
    BadResponse,
    ChainError,
    ChainUnavailable,
    DeadlineExceeded,
    InvalidAnswer,
    RateLimited,
    UnsafeRedirect,
)

logger = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 30.0
# Client name -> the setting that chooses its URL (named in "cannot connect" errors).
URL_VARIABLES: dict[str, str] = {"etherscan": "TRACER_ETHERSCAN_URL", "esplora": "TRACER_ESPLORA_URL",
                                 "trongrid": "TRACER_TRONGRID_URL", "midgard": "TRACER_MIDGARD_URL",
                                 "coingecko": "TRACER_COINGECKO_URL"}
DEFAULT_MAX_BODY = 32 * 1024 * 1024
"""Largest answer body (bytes) by default: a full Etherscan page of 1,000 rows is ~1 MB (10,000 rows for paid
keys ~10 MB), an Esplora page of 25 txs far less; clients may pass a per-endpoint ``max_body``."""
MAX_REDIRECTS = 3
INVALID_RETRIES = 1
"""An invalid answer is asked for once more (issue 15): a glitch passes, a hostile server does not."""
_CHUNK = 64 * 1024
_QUIET_LOGGERS = ("urllib3", "requests", "urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry",
                  "urllib3.response")
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def remember_secret(secret: str) -> None:
    """Mask ``secret`` in every urllib3/requests log record from now on (keys shorter than 4 are not masked)."""
    if len(secret) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(secret)


class SecretMaskingFilter(logging.Filter):
    """Rewrites a record's message with every remembered secret replaced by ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _SECRETS_LOCK:
            secrets = sorted(_SECRETS, key=len, reverse=True)
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        masked = message
        for secret in secrets:
            masked = masked.replace(secret, "***")
        if masked != message:
            record.msg, record.args = masked, None
        return True


def quiet_third_party_loggers() -> None:
    """Cap urllib3/requests at WARNING and mask secrets in whatever they still log (idempotent)."""
    for name in _QUIET_LOGGERS:
        log = logging.getLogger(name)
        log.setLevel(logging.WARNING)
        if not any(isinstance(f, SecretMaskingFilter) for f in log.filters):
            log.addFilter(SecretMaskingFilter())


quiet_third_party_loggers()


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
    """Counters a benchmark or progress bar can read. Several threads share one client (the prefetch workers of
    tracer.engine.prefetch and the expansion loop), so the client counts through :meth:`add`, under a lock."""

    requests: int = 0
    archive_hits: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, requests: int = 0, archive_hits: int = 0, retries: int = 0) -> None:
        """Add to the counters atomically (``x += 1`` on an attribute is a read and a write: two threads lose one)."""
        with self._lock:
            self.requests += requests
            self.archive_hits += archive_hits
            self.retries += retries


class HttpClient:
    """GET-only JSON/text HTTP client with rate limiting, retries, error mapping, bounds and archiving."""

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
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout  # the total deadline of one request: connect + headers + body
        self.archive = archive
        self.secret_params = tuple(secret_params)
        self.headers = dict(headers or {})  # may hold secrets: never logged, never archived
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(rate, sleep=sleep)
        self._sleep = sleep
        self.name = name
        self.max_body = max_body
        self.stats = RequestStats()
        for secret in [*self.headers.values()]:
            remember_secret(secret)

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, check: Check | None = None,
            expect_json: bool = True, immutable: bool = False, is_final: Callable[[HttpAnswer], bool] | None = None,
            max_body: int | None = None) -> HttpAnswer:
        """GET ``base_url + path``; see the module docstring for retries, bounds and archiving.

        ``is_final`` judges an answer immutable after the fact (esplora.finality); ``max_body`` overrides the
        client's body cap for this endpoint.

        May raise: ChainUnavailable (DeadlineExceeded), RateLimited, BadResponse (InvalidAnswer, AnswerTooLarge,
        UnsafeRedirect), or whatever ``check`` raises.
        """
        params = dict(params or {})
        for name in self.secret_params:
            if params.get(name):
                remember_secret(str(params[name]))
        url = self.base_url + path
        key = request_key("GET", url, params, self.secret_params)
        if immutable and self.archive is not None:
            cached = self.archive.get_immutable(key)
            if cached is not None:
                answer = _answer(cached.status, cached.body, expect_json, from_archive=True)
                if answer is not None:
                    self.stats.add(archive_hits=1)
                    if check is not None:
                        check(answer)
                    return answer
        cap = self.max_body if max_body is None else max_body
        last_error: ChainError | None = None
        invalid_answers = 0
        started = time.monotonic()
        connect_failures = 0
        for attempt in range(self.retry.max_attempts):
            if attempt:
                self.stats.add(retries=1)
            self.limiter.wait()
            self.stats.add(requests=1)
            logger.debug("%s %s (attempt %d)", self.name, key, attempt + 1)
            try:
                raw = self._fetch(url, params, key, cap)
            except _Unreachable as exc:
                connect_failures += 1
                if connect_failures >= self.retry.connect_attempts:
                    raise self._unreachable(exc.kind, connect_failures, time.monotonic() - started) from None
                wait = self.retry.connect_delay(connect_failures - 1)
                logger.warning("%s: cannot connect to %s (%s), attempt %d of %d; retrying in %.1f s", self.name,
                               self.base_url, exc.kind, connect_failures, self.retry.connect_attempts, wait)
                self._sleep(wait)
                continue
            except ChainUnavailable as exc:
                last_error = exc
                self._sleep(self.retry.delay(attempt))
                continue
            except InvalidAnswer as exc:  # body over the cap: try once more, then give up on this answer
                invalid_answers += 1
                if invalid_answers > INVALID_RETRIES:
                    raise
                last_error = exc
                continue
            status, body = raw.status, raw.body
            if status == 429:
                self._archive(key, raw, immutable=False)
                retry_after = _retry_after(raw.retry_after)
                last_error = RateLimited(f"{self.name}: HTTP 429 for {key}", retry_after)
                self._sleep(self.retry.delay(attempt, retry_after))
                continue
            if status >= 500:
                self._archive(key, raw, immutable=False)
                last_error = ChainUnavailable(f"{self.name}: HTTP {status} for {key}")
                self._sleep(self.retry.delay(attempt))
                continue
            answer = _answer(status, body, expect_json and status < 300)
            if answer is None:
                self._archive(key, raw, immutable=False)
                last_error = BadResponse(f"{self.name}: unparseable body (HTTP {status}) for {key}")
                self._sleep(self.retry.delay(attempt))
                continue
            try:
                if check is not None:
                    check(answer)
            except Retry as signal:
                self._archive(key, raw, immutable=False)
                last_error = (RateLimited(f"{self.name}: {signal.reason}", signal.retry_after)
                              if signal.rate_limit else ChainUnavailable(f"{self.name}: {signal.reason}"))
                self._sleep(self.retry.delay(attempt, signal.retry_after))
                continue
            except InvalidAnswer:
                # A server answering garbage: once may be a glitch, twice is the answer. Kept mutable so a
                # resumed trace asks again rather than replaying garbage from the archive.
                self._archive(key, raw, immutable=False)
                invalid_answers += 1
                if invalid_answers > INVALID_RETRIES:
                    raise
                logger.info("%s: invalid answer for %s, asking once more", self.name, key)
                continue
            final = status < 300 and (immutable or (is_final is not None and is_final(answer)))
            self._archive(key, raw, immutable=final)  # once per answer, whatever its size
            return answer
        assert last_error is not None
        raise last_error

    def _fetch(self, url: str, params: Mapping[str, Any], key: str, cap: int) -> _RawAnswer:
        """One exchange within the total deadline, same-host redirects followed, body streamed up to ``cap``.

        May raise: ChainUnavailable / DeadlineExceeded (retryable), AnswerTooLarge, UnsafeRedirect, BadResponse.
        """
        deadline = time.monotonic() + self.timeout
        target, query = url, dict(params)
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{self.name}: no answer within {self.timeout:g} s for {key}")
            try:
                resp = _headers_within(
                    lambda: self.session.get(target, params=query or None, headers=self.headers,
                                             timeout=(remaining, remaining), stream=True, allow_redirects=False),
                    remaining, f"{self.name}: no status line and headers within {self.timeout:g} s for {key}")
            except requests.ConnectionError as exc:
                if not isinstance(exc, requests.Timeout):  # refused / DNS / no route: the short connect budget
                    raise _Unreachable(f"{self.name}: {type(exc).__name__} for {key}", type(exc).__name__) from None
                raise ChainUnavailable(f"{self.name}: {type(exc).__name__} for {key}") from None
            except requests.Timeout as exc:
                # str(exc) would name the URL with its query, key included: the type is enough
                raise ChainUnavailable(f"{self.name}: {type(exc).__name__} for {key}") from None
            except requests.RequestException as exc:
                raise ChainUnavailable(f"{self.name}: {type(exc).__name__} for {key}") from None
            complete = False
            try:
                if resp.is_redirect:
                    location = urljoin(resp.url or target, resp.headers.get("location", ""))
                    if _origin(location) != _origin(url):
                        raise UnsafeRedirect(f"{self.name}: HTTP {resp.status_code} redirect to another host "
                                             f"({urlsplit(location).hostname}) refused for {key}")
                    target, query = location, {}
                    continue
                body = _read_body(resp, deadline, cap, f"{self.name}: {key}", self.timeout)
                complete = True
                return _RawAnswer(resp.status_code, body, resp.headers.get("content-type", ""),
                                  resp.headers.get("Retry-After"))
            finally:
                _release(resp, complete)
        raise BadResponse(f"{self.name}: more than {MAX_REDIRECTS} redirects for {key}")

    def _unreachable(self, kind: str, attempts: int, seconds: float) -> ChainUnavailable:
        variable = URL_VARIABLES.get(self.name)
        where = f"set {variable} to a reachable {self.name} API" if variable else "check the URL"
        return ChainUnavailable(f"{self.name}: cannot connect to {self.base_url} ({kind}); gave up after {attempts} "
                                f"attempts in {seconds:.1f} s -- check the network, or {where}")

    def _archive(self, key: str, raw: _RawAnswer, *, immutable: bool) -> None:
        if self.archive is None:
            return
        self.archive.put(
            ArchivedResponse(request_key=key, status=raw.status, body=raw.body,
                             sha256=hashlib.sha256(raw.body).hexdigest(), fetched_at=time.time(),
                             content_type=raw.content_type or "application/octet-stream"),
            immutable=immutable,
        )


class _Unreachable(ChainUnavailable):
    """The host could not be reached at all (counted against ``RetryPolicy.connect_attempts``)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class _RawAnswer:
    status: int
    body: bytes
    content_type: str
    retry_after: str | None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _headers_within(send: Callable[[], requests.Response], seconds: float, late: str) -> requests.Response:
    """``send()`` (which returns once the status line and headers are in), waited for at most ``seconds``.

    The socket timeout bounds each read, not their sum: a server trickling its headers a byte at a time would
    hold the request for ever. The exchange runs on a daemon worker; past the deadline it is abandoned (a response
    that still arrives is closed, never pooled) and :class:`DeadlineExceeded` is raised with ``late``.
    """
    done = threading.Event()
    guard = threading.Lock()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            resp = send()
        except BaseException as exc:  # handed to the waiting thread, which maps it like a direct call
            box["error"] = exc
        else:
            with guard:
                if box.get("abandoned"):
                    resp.close()
                else:
                    box["resp"] = resp
        finally:
            done.set()

    threading.Thread(target=work, name="http-headers", daemon=True).start()
    if not done.wait(max(0.0, seconds)):
        with guard:
            if "resp" not in box and "error" not in box:
                box["abandoned"] = True
                raise DeadlineExceeded(late)
    if "error" in box:
        raise box["error"]
    return box["resp"]  # type: ignore[no-any-return]


def _read_body(resp: requests.Response, deadline: float, cap: int, what: str, timeout: float) -> bytes:
    """The body, streamed chunk by chunk within the deadline and refused past ``cap`` bytes (decoded)."""
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise AnswerTooLarge(f"{what}: answer of {int(length):,} bytes refused (cap {cap:,})")
    content = getattr(resp, "_content", False)
    raw = resp.raw
    if isinstance(content, bytes) or raw is None or not hasattr(raw, "read1"):
        body = resp.content  # an in-process transport (tests, fixtures): already in memory
        if len(body) > cap:
            raise AnswerTooLarge(f"{what}: answer of {len(body):,} bytes refused (cap {cap:,})")
        return body
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineExceeded(f"{what}: body not complete within {timeout:g} s ({size:,} bytes read)")
            _tighten(raw, remaining)
            chunk = raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise AnswerTooLarge(f"{what}: answer over the cap of {cap:,} bytes refused")
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if time.monotonic() >= deadline - 0.05:  # the socket timeout was tightened to the deadline
            raise DeadlineExceeded(f"{what}: body not complete within {timeout:g} s ({size:,} bytes read)") from None
        raise ChainUnavailable(f"{what}: body read failed ({type(exc).__name__})") from None
    if time.monotonic() > deadline:
        raise DeadlineExceeded(f"{what}: body not complete within {timeout:g} s")
    return b"".join(chunks)


def _release(resp: requests.Response, complete: bool) -> None:
    """A fully read connection goes back to the pool (keep-alive); a cut-off one is closed."""
    raw = resp.raw
    if complete and raw is not None and hasattr(raw, "release_conn"):
        raw.release_conn()
    else:
        resp.close()


def _tighten(raw: Any, remaining: float) -> None:
    """Make the socket's own timeout no longer than what is left of the deadline (a stalled read ends there)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(0.05, remaining))
        except OSError:
            pass


def _answer(status: int, body: bytes, expect_json: bool, from_archive: bool = False) -> HttpAnswer | None:
    if wire.json_too_deep(body):  # never handed to the C parser (RecursionError, or a crash): not an answer
        return None if expect_json else HttpAnswer(status=status, text=body.decode("utf-8", errors="replace"),
                                                    data=None, from_archive=from_archive)
    text = body.decode("utf-8", errors="replace")
    if not expect_json:
        data: Any = None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        return HttpAnswer(status=status, text=text, data=data, from_archive=from_archive)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep is not an answer either
        return None
    return HttpAnswer(status=status, text=text, data=data, from_archive=from_archive)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
