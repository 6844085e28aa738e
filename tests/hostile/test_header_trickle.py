"""A server that trickles its status line and headers a byte at a time is cut at the request's total deadline
(issue 15 item 3): each byte arrives well within the socket timeout, so only a deadline over the whole exchange
stops it. Before: the request hung for as long as the server kept trickling."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from chains.http import HttpClient, RetryPolicy
from tracer.errors import ChainUnavailable, DeadlineExceeded


@pytest.fixture()
def trickling_server() -> Iterator[str]:
    """Accepts connections and sends ``HTTP/1.1 200 OK\\r\\n`` one byte every 0.2 s, then an endless header."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        with conn:
            payload = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000
            for byte in payload:
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=trickle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    listener.close()


def test_headers_trickled_a_byte_at_a_time_end_at_the_total_deadline(trickling_server: str) -> None:
    client = HttpClient(requests.Session(), trickling_server, rate=0, timeout=1.0,
                        retry=RetryPolicy(max_attempts=2, base_delay=0.0))
    started = time.monotonic()
    with pytest.raises(ChainUnavailable) as caught:
        client.get("/api", {"q": "1"})
    elapsed = time.monotonic() - started
    assert isinstance(caught.value, DeadlineExceeded) or "within" in str(caught.value)
    assert elapsed < 2 * 1.0 + 1.5  # two attempts of one second each, plus scheduling slack
