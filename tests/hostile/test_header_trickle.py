"""A server that trickles its status line and headers a byte at a time is cut at the request's total deadline
(issue 15 item 3): each byte arrives well within the socket timeout, so only a deadline over the whole exchange
stops it. Before: the request hung for as long as the server kept trickling."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from chains.http import HttpClient, RetryPolicy
from tests.trickle import trickling_server
from tracer.errors import ChainUnavailable, DeadlineExceeded


@pytest.fixture()
def header_trickler() -> Iterator[str]:
    """Sends ``H`` bytes every 0.3 s instead of a status line: every read is in time, the whole never is."""
    yield from trickling_server(False)


def test_headers_trickled_a_byte_at_a_time_end_at_the_total_deadline(header_trickler: str) -> None:
    client = HttpClient(requests.Session(), header_trickler, rate=0, timeout=1.0,
                        retry=RetryPolicy(max_attempts=2, base_delay=0.0))
    started = time.monotonic()
    with pytest.raises(ChainUnavailable) as caught:
        client.get("/api", {"q": "1"})
    elapsed = time.monotonic() - started
    assert isinstance(caught.value, DeadlineExceeded) or "within" in str(caught.value)
    assert elapsed < 2 * 1.0 + 1.5  # two attempts of one second each, plus scheduling slack
