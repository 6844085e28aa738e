"""The webhook (issue 15, probes 4 and 9): a receiver trickling one byte every 2 s held ``monitor --once`` (and its
lock) for > 180 s; ``notaurl``, ``file://`` and ``ftp://`` URLs were accepted. Now every POST has a total deadline,
a delivery has a budget, non-http(s) URLs are refused, and no log line shows the URL (its path is the secret)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from chains.testing import HttpReply, HttpRequest, LoopbackServer
from tests.trickle import trickling_server
from tracer.config import check_http_url
from tracer.errors import ConfigError
from tracer.monitor.notify import WebhookSink, post_json


@pytest.fixture(params=[True, False], ids=["body-trickle", "header-trickle"])
def trickler(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from trickling_server(bool(request.param), "/services/T0/B0/secrettoken")


def test_a_trickling_receiver_is_cut_at_the_deadline(trickler: str) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        post_json(trickler, {"text": "x"}, 1.0)
    assert time.monotonic() - started < 2.5


def test_a_delivery_stops_when_its_budget_is_spent(trickler: str, caplog: pytest.LogCaptureFixture) -> None:
    from tests.safety.alerts import stored_alerts

    sink = WebhookSink(trickler, deadline=0.8, budget=2.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert sink.deliver(stored_alerts(5)) == []
    assert time.monotonic() - started < 4.0
    assert "secrettoken" not in caplog.text and "TimeoutError" in caplog.text


@pytest.mark.parametrize("url", ["notaurl", "file:///etc/passwd", "ftp://example.com/x", "http://", "https:///x",
                                 "javascript:alert(1)", "http://host:99999/x", ""])
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="URL"):
        check_http_url(url, "webhook URL")
    with pytest.raises(ConfigError):
        WebhookSink(url)


def test_a_normal_receiver_gets_every_alert_once() -> None:
    from tests.safety.alerts import stored_alerts

    got: list[bytes] = []

    def receiver(request: HttpRequest) -> HttpReply:
        got.append(request.body)
        return HttpReply(204)

    with LoopbackServer(receiver, name="webhook") as server:
        alerts = stored_alerts(3)
        sink = WebhookSink(server.url.replace("http://", "http://user:pw@") + "/hook")
        assert sink.deliver(alerts) == [a.id for a in alerts]
    assert len(got) == 3 and all(b'"text"' in body for body in got)
