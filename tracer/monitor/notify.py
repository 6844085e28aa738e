"""Alert sinks: the store (always), a callback for the terminal, and an optional Slack-compatible webhook.

A webhook failure never loses an alert: alerts stay ``delivered=False`` in the store and are posted again next
cycle. Every POST has a *total* deadline (connect + send + headers + body): a receiver that trickles one byte at a
time is cut off at the deadline, and a whole delivery stops once its budget is spent, so a slow webhook never
holds a monitor for long. Redirects are not followed (the alert text stays with the receiver it was meant for).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Sequence
from urllib.parse import unquote, urlsplit

from db.records import StoredAlert
from tracer.config import check_http_url
from tracer.units import units

logger = logging.getLogger(__name__)

WEBHOOK_ATTEMPTS = 3
WEBHOOK_DEADLINE_SECONDS = 10.0  # one POST, everything included
DELIVERY_BUDGET_SECONDS = 30.0  # one delivery (all alerts, retries and backoff)
MAX_RESPONSE_BYTES = 64 * 1024  # the answer is read (to reuse nothing, but to see it end), never more than this

Post = Callable[[str, dict[str, object], float], int]
"""(url, JSON payload, deadline seconds) -> HTTP status; raises OSError / HTTPException / TimeoutError."""


def slack_payload(stored: StoredAlert) -> dict[str, object]:
    """Slack incoming-webhook JSON (``text``) plus structured fields for other receivers."""
    a = stored.alert
    amount = units(a.amount, a.asset.decimals)
    text = f"[{a.severity.value.upper()}] {a.chain.value}:{a.address} moved {amount} {a.asset.symbol} ({a.kind}) " \
           f"in {a.tx_hash}: {a.message}"
    return {"text": text, "alert": {"chain": a.chain.value, "address": a.address, "tx_hash": a.tx_hash,
                                    "amount": amount, "asset": a.asset.key, "kind": a.kind,
                                    "severity": a.severity.value, "timestamp": a.timestamp.isoformat()}}


def post_json(url: str, payload: dict[str, object], deadline: float) -> int:
    """POST ``payload`` as JSON; the socket is shut down when ``deadline`` seconds have passed, whatever it is doing.

    May raise: TimeoutError (deadline), OSError, http.client.HTTPException.
    """
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(parts.hostname or "", parts.port, timeout=deadline)
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(deadline, cut)
    timer.daemon = True
    timer.start()
    headers = {"Content-Type": "application/json", "User-Agent": "laundering-tracer monitor"}
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", target, body=json.dumps(payload).encode("utf-8"), headers=headers)
        resp = conn.getresponse()
        resp.read(MAX_RESPONSE_BYTES)
        if expired.is_set():
            raise TimeoutError(f"no complete answer within {deadline:g} s")
        return resp.status
    except (OSError, http.client.HTTPException):
        if expired.is_set():
            raise TimeoutError(f"no complete answer within {deadline:g} s") from None
        raise
    finally:
        timer.cancel()
        conn.close()


class WebhookSink:
    """POSTs alerts to a webhook URL (http or https only); returns the ids delivered.

    May raise (constructor): ConfigError for a URL that is not http(s)://host/...
    """

    def __init__(self, url: str, *, deadline: float = WEBHOOK_DEADLINE_SECONDS,
                 budget: float = DELIVERY_BUDGET_SECONDS, sleep: Callable[[float], None] = time.sleep,
                 post: Post = post_json, clock: Callable[[], float] = time.monotonic) -> None:
        self.url = check_http_url(url, "webhook URL")
        self.deadline = deadline
        self.budget = budget
        self.sleep = sleep
        self.post = post
        self.clock = clock

    def deliver(self, alerts: Sequence[StoredAlert]) -> list[int]:
        """Deliver in order; stop at the first alert that still fails (kept for next cycle) or when out of time."""
        done: list[int] = []
        ends = self.clock() + self.budget
        for stored in alerts:
            if not self._post(slack_payload(stored), ends):
                break
            done.append(stored.id)
        return done

    def _post(self, payload: dict[str, object], ends: float) -> bool:
        for attempt in range(WEBHOOK_ATTEMPTS):
            left = ends - self.clock()
            if left <= 0:
                logger.warning("webhook delivery budget of %g s spent; the rest waits for the next cycle",
                               self.budget)
                return False
            try:
                status = self.post(self.url, payload, min(self.deadline, left))
                if status < 300:
                    return True
                logger.warning("webhook answered HTTP %s", status)
            except (OSError, http.client.HTTPException) as exc:
                logger.warning("webhook failed: %s", type(exc).__name__)  # never the URL: its path is a secret
            self.sleep(min(8.0, 0.5 * 2**attempt, max(0.0, ends - self.clock())))
        return False
