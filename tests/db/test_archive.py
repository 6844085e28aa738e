"""SqlResponseArchive: immutable hits, deduplication, secrets refused, used through the real HttpClient."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import text

from chains.http import HttpClient
from chains.testing import HttpReply, HttpRequest, LoopbackServer
from db.archive import SqlResponseArchive
from db.store import Store
from tracer.model import ArchivedResponse, CaseParameters

KEY = "GET https://api.etherscan.io/v2/api?action=txlist&address=0x47666fab&chainid=1&endblock=21895300&module=account"


def response(body: bytes, key: str = KEY) -> ArchivedResponse:
    return ArchivedResponse(request_key=key, status=200, body=body, sha256=hashlib.sha256(body).hexdigest(),
                            fetched_at=1_740_147_215.25)


def test_put_and_get_immutable(store: Store) -> None:
    archive = SqlResponseArchive(store.engine)
    archive.put(response(b'{"status":"1","result":[]}'), immutable=False)
    assert archive.get_immutable(KEY) is None  # mutable answers are kept but never served
    archive.put(response(b'{"status":"1","result":[]}'), immutable=True)  # same body: upgraded, not duplicated
    got = archive.get_immutable(KEY)
    assert got == response(b'{"status":"1","result":[]}')
    assert archive.count() == 1 and archive.count(immutable_only=True) == 1
    archive.put(response(b'{"status":"1","result":[1]}'), immutable=True)
    assert archive.get_immutable(KEY) == response(b'{"status":"1","result":[1]}')  # newest wins
    assert (archive.stats.puts, archive.stats.stored, archive.stats.deduplicated) == (3, 2, 1)
    assert (archive.stats.hits, archive.stats.misses) == (2, 1)


@pytest.mark.parametrize("secret", ["apikey=ABC", "api_key=ABC", "APIKEY=x", "access_token=y"])
def test_keys_with_secrets_are_refused(store: Store, secret: str) -> None:
    archive = SqlResponseArchive(store.engine)
    with pytest.raises(ValueError, match="refusing to archive") as info:
        archive.put(response(b"{}", key=f"GET https://api.example/x?{secret}&a=1"), immutable=True)
    assert "ABC" not in str(info.value)
    assert archive.count() == 0


def test_archive_built_on_a_store_joins_its_atomic_block(store: Store) -> None:
    archive = SqlResponseArchive(store)
    with pytest.raises(RuntimeError), store.atomic():
        store.create_case("c", CaseParameters(), [])
        archive.put(response(b"{}"), immutable=True)  # same connection: no self-deadlock on SQLite
        raise RuntimeError("boom")
    assert archive.count() == 0 and store.get_case("c") is None


calls: list[str] = []


def etherscan(request: HttpRequest) -> HttpReply:
    calls.append(request.target)
    return HttpReply.json({"status": "1", "message": "OK", "result": [{"blockNumber": "21895238"}]})


@pytest.fixture
def server() -> Iterator[str]:
    calls.clear()
    with LoopbackServer(etherscan) as loopback:
        yield loopback.url


def test_http_client_is_answered_from_the_archive_the_second_time(store: Store, server: str) -> None:
    archive = SqlResponseArchive(store)
    with requests.Session() as session:
        client = HttpClient(session, server, rate=1000.0, archive=archive, secret_params=("apikey",),
                            sleep=lambda _s: None)
        params = {"module": "account", "action": "txlist", "endblock": 21895300, "apikey": "SECRET-KEY"}
        first = client.get("/v2/api", params, immutable=True)
        second = client.get("/v2/api", params, immutable=True)
    assert first.data == second.data and second.from_archive
    assert len(calls) == 1
    assert archive.count() == 1  # the mutable and immutable writes of one body are one row
    with store.session() as s:
        keys = [r[0] for r in s.execute(text("select request_key from api_responses"))]
    assert keys and all("SECRET" not in k and "apikey" not in k for k in keys)
