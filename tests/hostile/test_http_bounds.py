"""The HTTP funnel's bounds over real loopback HTTP: archive once per answer, a Content-Length past the cap
refused unread, same-host redirects followed with the key and other hosts refused, an invalid answer asked once
more and a glitch recovered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import requests

from chains.base import ArchivedResponse
from chains.esplora.finality import conditional_get
from chains.http import HttpAnswer, HttpClient, RetryPolicy
from chains.testing import Envelope, FixtureServer
from tracer.errors import AnswerTooLarge, BadResponse, InvalidAnswer, UnsafeRedirect

KEY = "PLANTEDSECRETKEY123456"


class CountingArchive:
    """A ResponseArchive that counts every put (the old funnel archived a big answer up to three times)."""

    def __init__(self) -> None:
        self.puts: list[tuple[str, bool, int]] = []
        self.immutable: dict[str, ArchivedResponse] = {}

    def put(self, response: ArchivedResponse, *, immutable: bool) -> None:
        self.puts.append((response.request_key, immutable, len(response.body)))
        if immutable:
            self.immutable[response.request_key] = response

    def get_immutable(self, request_key: str) -> ArchivedResponse | None:
        return self.immutable.get(request_key)


def envelope(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> Envelope:
    return {"response": {"status": status, "body": body, "headers": headers or {}}}


def client(url: str, archive: CountingArchive | None = None, **kw: Any) -> HttpClient:
    return HttpClient(requests.Session(), url, rate=0, timeout=5.0, archive=archive, secret_params=("apikey",),
                      headers={"TRON-PRO-API-KEY": KEY}, retry=RetryPolicy(max_attempts=3, base_delay=0.0), **kw)


def test_an_answer_is_archived_once_whether_immutable_or_final_after_the_fact() -> None:
    big = {"rows": ["x" * 1000] * 2000}
    with FixtureServer(responder=lambda m, p, q, b: envelope(body=big)) as server:
        archive = CountingArchive()
        http = client(server.url, archive)
        http.get("/immutable", {"apikey": KEY}, immutable=True)
        http.get("/mutable")
        conditional_get(http, "/final", is_final=lambda a: True)
        assert [(k.split(" ", 1)[1].replace(server.url, ""), imm) for k, imm, _ in archive.puts] == [
            ("/immutable", True), ("/mutable", False), ("/final", True)]
        assert all(KEY not in k for k, _, _ in archive.puts)
        # answered from the archive: no request, no new put
        http.get("/immutable", {"apikey": KEY}, immutable=True)
        conditional_get(http, "/final", is_final=lambda a: True)
        assert len(archive.puts) == 3 and len(server.requests) == 3


def test_content_length_past_the_cap_is_refused_unread_and_asked_once_more() -> None:
    with FixtureServer(responder=lambda m, p, q, b: envelope(body=["y" * 5000])) as server:
        http = client(server.url, CountingArchive(), max_body=1000)
        with pytest.raises(AnswerTooLarge, match="refused"):
            http.get("/big")
        assert len(server.requests) == 2
        assert http.get("/big", max_body=10_000).data == ["y" * 5000]  # a per-endpoint cap


def test_same_host_redirect_is_followed_other_host_refused() -> None:
    seen_keys: list[str | None] = []

    def responder(method: str, path: str, query: Mapping[str, str], body: Any) -> Envelope:
        seen_keys.append(query.get("apikey"))
        if path == "/moved":
            return envelope(301, None, {"Location": f"{server.url}/here?apikey={KEY}"})
        if path == "/away":
            return envelope(302, None, {"Location": f"http://localhost:{server.url.rsplit(':', 1)[1]}/here"})
        return envelope(body={"ok": True})

    with FixtureServer(responder=responder) as server:
        http = client(server.url)
        assert http.get("/moved", {"apikey": KEY}).data == {"ok": True}
        with pytest.raises(UnsafeRedirect, match="localhost") as caught:
            http.get("/away", {"apikey": KEY})
        assert KEY not in str(caught.value)
        assert len(server.requests) == 3  # /moved, /here, /away -- never the other host


def test_invalid_answer_is_asked_once_more_and_a_glitch_recovers() -> None:
    answers = iter([{"n": "garbage"}, {"n": 5}, {"n": "garbage"}, {"n": "garbage"}, {"n": 7}])

    def check(answer: HttpAnswer) -> None:
        if not isinstance(answer.data["n"], int):
            raise InvalidAnswer("n is not an integer")

    with FixtureServer(responder=lambda m, p, q, b: envelope(body=next(answers))) as server:
        archive = CountingArchive()
        http = client(server.url, archive)
        assert http.get("/n", check=check, immutable=True).data == {"n": 5}  # one glitch: asked again
        with pytest.raises(InvalidAnswer):
            http.get("/m", check=check, immutable=True)  # invalid twice: given up, not a third time
        assert len(server.requests) == 4
        assert [imm for _, imm, _ in archive.puts] == [False, True, False, False]  # garbage never immutable


def test_json_nested_deeper_than_the_parser_is_a_bad_response_not_a_traceback() -> None:
    deep = "[" * 200_000 + "]" * 200_000

    def responder(method: str, path: str, query: Mapping[str, str], body: Any) -> Envelope:
        return {"response": {"status": 200, "body_text": deep, "headers": {"content-type": "application/json"}}}

    with FixtureServer(responder=responder) as server:
        with pytest.raises(BadResponse, match="unparseable"):
            client(server.url).get("/deep")


def test_deep_json_is_refused_before_parsing_even_with_a_raised_recursion_limit() -> None:
    """Regression: in the full suite (hypothesis raises the recursion limit) json.loads of this body segfaulted."""
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    try:
        test_json_nested_deeper_than_the_parser_is_a_bad_response_not_a_traceback()
    finally:
        sys.setrecursionlimit(old)
