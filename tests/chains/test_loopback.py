"""The one loopback server core (chains.testing.LoopbackServer) over real HTTP: what an app sees and sends."""

from __future__ import annotations

import json
import time
from io import BufferedIOBase

import pytest
import requests

from chains.testing import HttpReply, HttpRequest, LoopbackServer


def test_the_app_sees_method_path_query_headers_and_body() -> None:
    seen: list[HttpRequest] = []

    def app(request: HttpRequest) -> HttpReply:
        seen.append(request)
        return HttpReply.json({"ok": True}, 201)

    with LoopbackServer(app) as server:
        answer = requests.post(f"{server.url}/v2/api?module=account&action=txlist", json={"id": 7},
                               headers={"X-Api-Key": "k"}, timeout=5)
    assert answer.status_code == 201 and answer.json() == {"ok": True}
    (request,) = seen
    assert (request.method, request.path, request.query) == ("POST", "/v2/api", {"module": "account",
                                                                              "action": "txlist"})
    assert request.headers["x-api-key"] == "k" and request.json() == {"id": 7} and request.client == "127.0.0.1"


def test_a_failing_app_answers_500_and_keeps_serving() -> None:
    def app(request: HttpRequest) -> HttpReply:
        if request.path == "/boom":
            raise RuntimeError("bug in a fake")
        return HttpReply(200, b"fine", "text/plain", {"X-Served-By": "loopback"})

    with LoopbackServer(app) as server, requests.Session() as session:
        assert session.get(f"{server.url}/boom", timeout=5).status_code == 500
        fine = session.get(f"{server.url}/ok", timeout=5)  # same keep-alive connection
    assert (fine.status_code, fine.text, fine.headers["x-served-by"]) == (200, "fine", "loopback")


def test_a_delay_beyond_the_client_timeout_is_a_timeout() -> None:
    with LoopbackServer(lambda _r: HttpReply(200, b"{}", delay=0.5)) as server:
        with pytest.raises(requests.Timeout):
            requests.get(server.url, timeout=0.1)


def test_a_writer_trickles_a_body_until_the_connection_closes() -> None:
    def trickle(out: BufferedIOBase) -> None:
        for part in (b'{"result":', b' [1, 2', b", 3]}"):
            out.write(part)
            out.flush()
            time.sleep(0.02)

    with LoopbackServer(lambda _r: HttpReply(200, writer=trickle)) as server:
        answer = requests.get(server.url, timeout=5)
    assert json.loads(answer.content) == {"result": [1, 2, 3]} and "content-length" not in answer.headers


def test_stop_frees_the_port() -> None:
    server = LoopbackServer(lambda _r: HttpReply(204))
    url = server.start()
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=1)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
