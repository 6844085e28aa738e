"""Alert sinks: the store (always), a callback for the terminal, and an optional Slack-compatible webhook.

A webhook failure never loses an alert: alerts stay ``delivered=False`` in the store and are posted again next
cycle. Posting uses a short retry with backoff inside the cycle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import requests

from db.records import StoredAlert
from tracer.units import units

logger = logging.getLogger(__name__)

WEBHOOK_ATTEMPTS = 3
WEBHOOK_TIMEOUT_SECONDS = 10.0


def slack_payload(stored: StoredAlert) -> dict[str, object]:
    """Slack incoming-webhook JSON (``text``) plus structured fields for other receivers."""
    a = stored.alert
    amount = units(a.amount, a.asset.decimals)
    text = f"[{a.severity.value.upper()}] {a.chain.value}:{a.address} moved {amount} {a.asset.symbol} ({a.kind}) " \
           f"in {a.tx_hash}: {a.message}"
    return {"text": text, "alert": {"chain": a.chain.value, "address": a.address, "tx_hash": a.tx_hash,
                                    "amount": amount, "asset": a.asset.key, "kind": a.kind,
                                    "severity": a.severity.value, "timestamp": a.timestamp.isoformat()}}


class WebhookSink:
    """POSTs alerts to a webhook URL; returns the ids delivered."""

    def __init__(self, url: str, session: requests.Session, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.session = session
        self.sleep = sleep

    def deliver(self, alerts: Sequence[StoredAlert]) -> list[int]:
        """Deliver in order; stop at the first alert that still fails after retries (kept for next cycle)."""
        done: list[int] = []
        for stored in alerts:
            if not self._post(slack_payload(stored)):
                break
            done.append(stored.id)
        return done

    def _post(self, payload: dict[str, object]) -> bool:
        for attempt in range(WEBHOOK_ATTEMPTS):
            try:
                resp = self.session.post(self.url, json=payload, timeout=WEBHOOK_TIMEOUT_SECONDS)
                if resp.status_code < 300:
                    return True
                logger.warning("webhook answered HTTP %s", resp.status_code)
            except requests.RequestException as exc:
                logger.warning("webhook failed: %s", type(exc).__name__)
            self.sleep(min(8.0, 0.5 * 2**attempt))
        return False
