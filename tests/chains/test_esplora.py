"""Esplora adapter over real loopback HTTP: paging by last_seen_txid, errors, outspends, archive reuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chains.base import ChainAdapter
from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.esplora.parse import esplora_tx_to_chaintx, is_confirmed, memo_text, op_return_payload
from chains.http import RetryPolicy
from chains.testing import FixtureServer, fixture_key
from db.archive import SqlResponseArchive
from db.base import Base
from db.models import ApiResponseRow
from db.session import make_engine
from tests.chains.contract import AdapterContract, ContractCase, TransactionContract
from tracer.errors import AddressTooLarge
from tracer.model import Direction, TransferKind

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "esplora"
PAGED = FIXTURES / "address_paged_25"
ADDRESS = "1HaHTfmvoUW6i6nhJf8jJs6tU4cHNmBQHQ"
REAL_TX = "7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a"
REAL_TX2 = "f84761459a00c6df3176ae5d94c99e69f25100d09548e5686bd0c354bb8cc60a"
MEMO_TX = "a8c0cce8bb067e91cf2766c26be4e5d7cfba3d3323dc19d08a834391a1ce5acf"
PAGE_BOUNDARY = "1f3cb18e896256d7d6bb8c11a6ec71f005c75de05e39beae5d93bbd1e2c8b7a9"
BUSY = "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h"
FAST = RetryPolicy(max_attempts=3, base_delay=0.0, cap=0.0)


def sql_archive(directory: Path) -> SqlResponseArchive:
    """The real SQL response archive on a fresh SQLite file."""
    engine = make_engine(f"sqlite:///{directory / 'archive.db'}")
    Base.metadata.create_all(engine)
    return SqlResponseArchive(engine)


def immutable_keys(archive: SqlResponseArchive) -> list[str]:
    """Request keys the archive holds as immutable."""
    with archive._store.session() as s:
        return list(s.scalars(select(ApiResponseRow.request_key).where(ApiResponseRow.immutable.is_(True))))


def make_adapter(url: str, *, archive: SqlResponseArchive | None = None,
                 sleeps: list[float] | None = None) -> EsploraAdapter:
    import requests

    client = EsploraClient(requests.Session(), url, rate=0, archive=archive, retry=FAST,
                           sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return EsploraAdapter(client)


SERVED = PAGED  # the folder tests/chains/conftest.py serves over loopback for this module


def _envelope(status: int, text: str, ctype: str = "text/html") -> dict[str, Any]:
    return {"request": {}, "response": {"status": status, "headers": {"content-type": ctype}, "body_text": text}}


class TestEsploraContract(TransactionContract, AdapterContract):
    @pytest.fixture
    def adapter(self, server: FixtureServer) -> ChainAdapter:
        return make_adapter(server.url)

    @pytest.fixture
    def case(self) -> ContractCase:
        return ContractCase(
            address=ADDRESS,
            expected_ids=[f"bitcoin:{REAL_TX}:utxo:0", f"bitcoin:{REAL_TX2}:utxo:0",
                          f"bitcoin:{MEMO_TX}:utxo:0", f"bitcoin:{MEMO_TX}:utxo:1", f"bitcoin:{MEMO_TX}:utxo:2"],
            exact=False, unknown_address="bc1qvwpt8nygzsftw7lu4mksycqpcqxeuvp90jfnxx", window=(50015, 50025),
            tx_hash=MEMO_TX, unknown_tx_hash="b23a6a8439c0dde5515893e7c90c1e3233b8616e634470f20dc4928bcf3609bc",
        )

    @pytest.fixture
    def failing_adapter(self) -> Iterator[ChainAdapter]:
        with FixtureServer(responder=lambda *a: _envelope(400, "Too many history entries", "text/plain")) as srv:
            yield make_adapter(srv.url)


def test_history_pages_by_last_seen_txid(server: FixtureServer) -> None:
    transfers = list(make_adapter(server.url).transfers_of(ADDRESS))
    # 2 real receipts (block 50001) + 7 incoming payments + 21 peels x 2 outputs + 1 OP_RETURN output
    assert len(transfers) == 52
    assert all(t.kind is TransferKind.UTXO and t.asset.symbol == "BTC" for t in transfers)
    assert server.requests == [f"GET_address_{ADDRESS}_txs_chain.json",
                               fixture_key("GET", f"/address/{ADDRESS}/txs/chain/{PAGE_BOUNDARY}")]
    assert transfers[0].tx_hash == REAL_TX and transfers[0].amount == 10_000_000_000
    assert transfers[0].from_address is None  # P2PK inputs have no address in Esplora
    assert sum(1 for t in transfers if t.tx_hash == PAGE_BOUNDARY) >= 1
    assert {t.block_number for t in transfers} == {50001} | set(range(50010, 50038))


def test_direction_split(server: FixtureServer) -> None:
    adapter = make_adapter(server.url)
    incoming = list(adapter.transfers_of(ADDRESS, direction=Direction.IN))
    outgoing = list(adapter.transfers_of(ADDRESS, direction=Direction.OUT))
    assert len(incoming) == 2 + 7 + 21  # every change output returns to the address
    assert len(outgoing) == 43
    assert all(t.from_address == ADDRESS for t in outgoing)


def test_since_block_stops_paging(server: FixtureServer) -> None:
    transfers = list(make_adapter(server.url).transfers_of(ADDRESS, since_block=50030))
    assert min(t.block_number for t in transfers) == 50030
    assert len([r for r in server.requests if r.startswith("GET_address")]) == 1


def test_transaction_with_op_return_and_outspends(server: FixtureServer) -> None:
    adapter = make_adapter(server.url)
    tx = adapter.transaction(MEMO_TX.upper())
    assert tx is not None and tx.block_number == 50015 and tx.fee == 10_000
    assert [o.script_type for o in tx.outputs] == ["v1_p2tr", "op_return", "p2pkh"]
    assert tx.outputs[1].address is None and tx.outputs[1].op_return is not None
    assert tx.memo is not None and tx.memo.startswith("OUT:") and len(tx.memo) == 68
    assert tx.inputs[0].address == ADDRESS
    assert sum(i.amount for i in tx.inputs) - sum(o.amount for o in tx.outputs) == tx.fee
    spends = adapter.outspends(MEMO_TX)
    assert [s.spent for s in spends] == [True, False, True]
    assert spends[2].input_index == 0 and spends[2].block_number == 50016
    real = adapter.transaction(REAL_TX)
    assert real is not None and [i.amount for i in real.inputs] == [5_000_000_000, 5_000_000_000]
    assert real.fee == 0 and real.outputs[0].address == ADDRESS


def test_unknown_tx_is_none(server: FixtureServer) -> None:
    assert make_adapter(server.url).transaction("0x" + "b23a6a8439c0dde5515893e7c90c1e3233b8616e634470f20dc4928bcf3609bc") \
        is None


def test_429_html_then_200_backs_off() -> None:
    calls: list[str] = []

    def responder(method: str, path: str, query: Any, body: Any) -> dict[str, Any] | None:
        calls.append(path)
        if len(calls) == 1:
            return _envelope(429, "<html><body>Sign Up for Mempool Enterprise</body></html>")
        return None  # then served from the fixture directory

    sleeps: list[float] = []
    with FixtureServer(PAGED, responder=responder) as srv:
        adapter = make_adapter(srv.url, sleeps=sleeps)
        assert adapter.latest_block() == 925000
        assert adapter.client.http.stats.retries == 1
    assert calls == ["/blocks/tip/height", "/blocks/tip/height"]
    assert len(sleeps) == 1


def test_too_many_history_entries_is_address_too_large() -> None:
    with FixtureServer(FIXTURES / "too_many_history") as srv:
        with pytest.raises(AddressTooLarge) as info:
            list(make_adapter(srv.url).transfers_of(BUSY))
        assert info.value.address == BUSY


def test_buried_pages_are_served_from_the_archive(server: FixtureServer, tmp_path: Path) -> None:
    archive = sql_archive(tmp_path)
    first = list(make_adapter(server.url, archive=archive).transfers_of(ADDRESS, final_block=50020))
    assert len(immutable_keys(archive)) == 1  # page 2 follows a tx of block 50013 < final_block
    before = len(server.requests)
    adapter = make_adapter(server.url, archive=archive)
    again = list(adapter.transfers_of(ADDRESS, final_block=50020))
    assert again == first
    assert len(server.requests) - before == 1  # only the newest page is asked again
    assert adapter.client.http.stats.archive_hits == 1
    asked = len(server.requests)
    tx = adapter.transaction(MEMO_TX, final_block=50020)  # on the page just read: no request, no archive lookup
    assert tx is not None and len(server.requests) == asked and adapter.client.http.stats.archive_hits == 1
    fetched = make_adapter(server.url, archive=archive).transaction(MEMO_TX, final_block=50020)
    assert fetched == tx and len(server.requests) == asked + 1  # block 50015 < 50020: archived as final
    fresh = make_adapter(server.url, archive=archive)
    assert fresh.transaction(MEMO_TX, final_block=50020) == tx  # ... then served from the archive
    assert fresh.client.http.stats.archive_hits == 1 and len(server.requests) == asked + 1


def test_mempool_tx_is_not_a_confirmed_transaction() -> None:
    raw: dict[str, Any] = json.loads((PAGED / f"GET_address_{ADDRESS}_txs_chain.json").read_text())["response"]["body"][0]
    raw["status"] = {"confirmed": False}
    assert not is_confirmed(raw)  # type: ignore[arg-type]
    def responder(method: str, path: str, query: Any, body: Any) -> dict[str, Any]:
        return {"request": {}, "response": {"status": 200, "body": [raw] if "/address/" in path else raw}}

    with FixtureServer(responder=responder) as srv:
        adapter = make_adapter(srv.url)
        assert list(adapter.transfers_of(ADDRESS)) == []
        assert adapter.transaction(raw["txid"]) is None


def test_op_return_push_opcodes() -> None:
    assert op_return_payload("6a0548656c6c6f") == b"Hello"
    long = b"=:BTC.BTC:" + b"x" * 80
    assert op_return_payload("6a4c" + f"{len(long):02x}" + long.hex()) == long
    assert op_return_payload("0014" + "00" * 20) is None
    assert memo_text(b"\x00\x01") is None
    confirmed = json.loads((PAGED / f"GET_address_{ADDRESS}_txs_chain.json").read_text())["response"]["body"][0]
    assert esplora_tx_to_chaintx(confirmed).transfers[0].index == 0


def test_balance_from_chain_stats(server: FixtureServer) -> None:
    balances = make_adapter(server.url).balances([ADDRESS])
    # received 150 BTC + 7 x 0.5 BTC; the peel chain leaves only its last change output and the payments
    transfers = list(make_adapter(server.url).transfers_of(ADDRESS, direction=Direction.IN))
    spent = sum(i.amount for tx in make_adapter(server.url).transactions_of(ADDRESS) for i in tx.inputs
                if i.address == ADDRESS)
    assert balances == {ADDRESS: sum(t.amount for t in transfers) - spent}
