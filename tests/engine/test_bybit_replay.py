"""The real first hop of the Bybit theft, replayed through the sandbox server, the Etherscan adapter and the engine.

The world (tests/engine/bybit_world.py) holds the theft tx and the 46 real native outflows of the direct theft
address 0x47666fab…86e2; the sandbox serves them over loopback HTTP in the Etherscan V2 dialect and the real
wiring (client, archive, adapter, label index, SQLite store) traces a case seeded at that address with one hop.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from db.records import THEFT_PARENT, Contribution
from db.store import Store
from tests.engine.bybit_world import (
    COLD_WALLET,
    EXCERPT,
    HOP1_CSV,
    SLOT_SECONDS,
    STOLEN_WEI,
    THEFT_ADDRESS,
    THEFT_BLOCK,
    THEFT_TX,
    WEI_PER_ETH,
    Hop1Row,
    LayeringAddress,
    build_world,
    clock,
    load_hop1,
    load_layering_addresses,
    timestamp_drift,
)
from tracer.cli.wiring import Wiring, build
from tracer.config import Settings
from tracer.export import build_export
from tracer.model import (
    Address,
    CaseParameters,
    Chain,
    Direction,
    Endpoint,
    EndpointStatus,
    Seed,
    StopReason,
    TransferKind,
)
from tracer.sandbox.server import SandboxServer
from tracer.tracing import TraceOutcome, run_case

TEN_K = 10_000 * WEI_PER_ETH
SEED_NODE = str(Address(Chain.ETHEREUM, THEFT_ADDRESS))
HOP1_TOTAL = 400_001 * WEI_PER_ETH  # data/README.md: "hop1 … 46 native rows, total 400,001 ETH"

# The sources are test data outside the repo (no licence to ship them): without them there is nothing to replay.
pytestmark = pytest.mark.skipif(not (HOP1_CSV.exists() and EXCERPT.exists()),
                                reason="shared Bybit data (/work/shared/data/hacks) not present")


@dataclass
class Traced:
    """One finished case and everything the assertions read."""

    store: Store
    wiring: Wiring
    outcome: TraceOutcome
    contributions: list[Contribution]
    endpoints: list[Endpoint]
    export: dict[str, Any]
    requests: int


def _settings(tmp: Path, server: SandboxServer) -> Settings:
    urls = server.urls()
    # Every URL points at the loopback server so nothing can reach a public API by accident.
    return Settings.load({"TRACER_DATABASE_URL": f"sqlite:///{tmp}/c.db", "TRACER_ETHERSCAN_URL": urls["etherscan"],
                          "TRACER_ETHERSCAN_RATE": "500", "TRACER_MIDGARD_URL": urls["midgard"],
                          "TRACER_ESPLORA_URL": urls["esplora"], "TRACER_TRONGRID_URL": urls["trongrid"],
                          "TRACER_COINGECKO_URL": urls["coingecko"]}, config_path=tmp / "none.toml")


def _trace(tmp: Path, server: SandboxServer, tx_hash: str | None) -> Traced:
    settings = _settings(tmp, server)
    store = Store.open(settings.database_url)
    w = build(settings, store, [Chain.ETHEREUM])
    out = run_case(store, replace(w.services, confirmations=0), "bybit",
                   [Seed(Address(Chain.ETHEREUM, THEFT_ADDRESS), tx_hash=tx_hash)], CaseParameters(max_hops=1))
    repo = store.trace_repository()
    return Traced(store, w, out, repo.all_contributions(out.case_id), repo.endpoints(out.case_id),
                  build_export(store, "bybit"), w.requests())


@pytest.fixture(scope="module")
def rows() -> list[Hop1Row]:
    """The 46 hop-1 rows of the CSV."""
    return load_hop1()


@pytest.fixture(scope="module")
def layering() -> list[LayeringAddress]:
    """The 47 layering addresses of the tayvano excerpt."""
    return load_layering_addresses()


@pytest.fixture(scope="module")
def server(rows: list[Hop1Row]) -> Iterator[SandboxServer]:
    """The Bybit world on a loopback port."""
    with SandboxServer(build_world(rows)) as srv:
        yield srv


@pytest.fixture(scope="module")
def traced(server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Traced]:
    """The case traced once (seeded by address, no --tx) for every assertion of the module."""
    t = _trace(tmp_path_factory.mktemp("bybit"), server, None)
    yield t
    t.store.close()


def _hop1(traced: Traced) -> list[Contribution]:
    return [c for c in traced.contributions if c.parent == SEED_NODE]


# ------------------------------------------------------------------------------------------------- the data
def test_source_data_is_what_the_issue_says(rows: list[Hop1Row], layering: list[LayeringAddress]) -> None:
    """Pin the inputs, so a changed file fails here and not as a puzzling trace difference."""
    assert len(rows) == 46
    assert len({r.tx_hash for r in rows}) == 46
    paid = [r for r in rows if r.value > 0]
    assert len(paid) == 41 and len(rows) - len(paid) == 5
    assert sum(r.value for r in rows) == HOP1_TOTAL
    amounts = Counter(r.value for r in paid)
    assert amounts == {TEN_K: 40, WEI_PER_ETH: 1}  # exactly 40 x 10,000 ETH plus 1 ETH to 0xa4b2…
    assert len({r.to for r in paid if r.value == TEN_K}) == 40  # 40 distinct first-layer wallets
    assert not any(r.is_error for r in rows)
    # The excerpt's "~10,000 ETH" figures are what each wallet later moved (10,000.00-11,243.47 ETH for the
    # hop-1 ones): the hop-1 payment itself is exactly 10,000 ETH each.
    assert len(layering) == 47 and len({a.address for a in layering}) == 47


def test_served_timestamps_lag_real_ones_by_whole_missed_slots(rows: list[Hop1Row]) -> None:
    """The world's 12 s clock cannot show missed slots: served times are early by 0, 2 or 3 slots, never late."""
    drifts = {timestamp_drift(r) for r in rows}
    assert drifts == {0, 2 * SLOT_SECONDS, 3 * SLOT_SECONDS}
    assert clock().time_of(THEFT_BLOCK) == int(datetime(2025, 2, 21, 14, 13, 35, tzinfo=UTC).timestamp())


# ------------------------------------------------------------------------------------------------ the trace
def test_trace_finishes_in_one_run(traced: Traced) -> None:
    """Seed + 41 first-layer wallets expanded, nothing left pending, meta tips pinned to the served tip."""
    assert traced.outcome.finished and traced.outcome.created
    assert traced.outcome.stats.nodes_expanded == 42
    assert traced.export["meta"]["status"] == "finished"


def test_seed_stolen_inflow_is_the_theft_internal_transfer(traced: Traced) -> None:
    """The only inflow of the theft address: 401,346 ETH from the cold wallet inside the real theft tx."""
    theft = [c for c in traced.contributions if c.parent == THEFT_PARENT]
    assert len(theft) == 1
    c = theft[0]
    assert (c.transfer.tx_hash, c.transfer.kind, c.transfer.from_address, c.transfer.to_address) == (
        THEFT_TX, TransferKind.INTERNAL, COLD_WALLET, THEFT_ADDRESS)
    assert c.amount == c.origin_amount == c.transfer.amount == STOLEN_WEI
    assert c.transfer.block_number == THEFT_BLOCK
    from decimal import Decimal

    from db.prices import PriceTable

    price = PriceTable(traced.store).price_on("ETH", "2025-02-21")  # the bundled daily close (CoinGecko, MIT)
    assert price is not None
    expected_usd = str((Decimal(401346) * price).quantize(Decimal("0.01")))
    assert traced.export["summary"]["stolen"] == [{"asset": "ETH", "amount": "401346", "usd": expected_usd}]


def test_hop1_edges_are_exactly_the_nonzero_rows(traced: Traced, rows: list[Hop1Row]) -> None:
    """Same recipients, same real tx hashes and blocks, wei-exact amounts, each outflow wholly tainted."""
    hop1 = _hop1(traced)
    got = sorted((c.transfer.tx_hash, c.transfer.to_address or "", c.transfer.amount, c.transfer.block_number)
                 for c in hop1)
    want = sorted((r.tx_hash, r.to, r.value, r.block) for r in rows if r.value > 0)
    assert got == want
    for c in hop1:
        # The seed holds only stolen ETH, so haircut gives each outflow its full amount of taint.
        assert c.amount == c.origin_amount == c.transfer.amount
        assert c.hop == 1 and c.origin == "ETH" and c.transfer.kind is TransferKind.NATIVE
        assert c.transfer.from_address == THEFT_ADDRESS
    assert sum(c.amount for c in hop1) == HOP1_TOTAL


def test_forty_first_layer_wallets_of_exactly_ten_thousand_eth(traced: Traced) -> None:
    """The 40 x 10,000 ETH split, counted on the engine's edges (not on the input)."""
    received: Counter[str] = Counter()
    for c in _hop1(traced):
        received[c.transfer.to_address or ""] += c.amount
    ten_k = sorted(a for a, v in received.items() if v == TEN_K)
    assert len(ten_k) == 40
    assert {a: v for a, v in received.items() if v != TEN_K} == {
        "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e": WEI_PER_ETH}


def test_zero_value_calls_are_not_followed(traced: Traced, rows: list[Hop1Row]) -> None:
    """The 5 zero-value contract calls (stETH, …) carry no value: no edge, no node, no endpoint."""
    zero = [r for r in rows if r.value == 0]
    assert len(zero) == 5
    hashes = {c.transfer.tx_hash for c in traced.contributions}
    assert not hashes & {r.tx_hash for r in zero}
    met = {a["address"] for a in traced.export["addresses"]}
    paid_to = {r.to for r in rows if r.value > 0}
    assert not ({r.to for r in zero} - paid_to) & met
    assert met == paid_to | {THEFT_ADDRESS}


def test_conservation_is_exact(traced: Traced) -> None:
    """Stolen == sum of endpoint origin amounts, to the wei; the seed keeps 401,346 - 400,001 ETH unspent."""
    assert sum(e.origin_amount for e in traced.endpoints) == STOLEN_WEI
    assert sum(e.amount for e in traced.endpoints) == STOLEN_WEI
    assert traced.export["meta"]["conservation_error"] == 0
    assert traced.export["summary"]["unaccounted"] == []
    seed_end = [e for e in traced.endpoints if e.address == THEFT_ADDRESS]
    assert [(e.amount, e.status, e.reason) for e in seed_end] == [
        (STOLEN_WEI - HOP1_TOTAL, EndpointStatus.UNSPENT, StopReason.UNSPENT)]


def test_first_layer_wallets_are_endpoints_matching_tayvano(traced: Traced, layering: list[LayeringAddress]) -> None:
    """Their own histories are not in the world: each is an unspent hop-1 endpoint holding its 10,000 ETH.

    40 of the excerpt's 47 layering addresses are hop-1 recipients; the other 7 are the ones it marks
    "- stETH" (funded through the stETH path, not by a native hop-1 payment).
    """
    by_addr = {e.address: e for e in traced.endpoints if e.address != THEFT_ADDRESS}
    assert len(by_addr) == 41 and len(traced.endpoints) == 42  # one endpoint each: a single origin (ETH)
    ten_k = {a for a, e in by_addr.items() if e.amount == TEN_K}
    assert len(ten_k) == 40
    for e in by_addr.values():
        assert (e.status, e.reason, e.hop, e.origin, e.category) == (
            EndpointStatus.UNSPENT, StopReason.UNSPENT, 1, "ETH", None)
        assert e.origin_amount == e.amount
    listed = {a.address: a for a in layering}
    assert len(ten_k & set(listed)) == 40 and ten_k <= set(listed)
    assert all(listed[a].listed_wei >= TEN_K for a in ten_k)  # they later moved 10,000 ETH or more
    missing = [a for a in layering if a.address not in ten_k]
    assert len(missing) == 7
    steth_marked = {"0xf302572594a68aa8f951fae64ed3ae7da41c72be", "0x21032176b43d9f7e9410fb37290a78f4fed6044c",
                    "0xd5b58cf7813c1edc412367b97876bd400ea5c489", "0xa5a023e052243b7cce34cbd4ba20180e8dea6ad6",
                    "0x723a7084028421994d4a7829108d63ab44658315", "0x1512fcb09463a61862b73ec09b9b354af1790268",
                    "0xeb0baa3a556586192590cad296b1e48df62a8549"}
    assert {a.address for a in missing} == steth_marked


def test_export_shows_hop1_with_real_hashes_and_served_times(traced: Traced, rows: list[Hop1Row]) -> None:
    """The export document lists every hop-1 transfer, fully tainted, at its block's served timestamp."""
    hop1 = {t["tx_hash"]: t for t in traced.export["transfers"] if t["from"] == THEFT_ADDRESS}
    paid = {r.tx_hash: r for r in rows if r.value > 0}
    assert set(hop1) == set(paid)
    for h, t in hop1.items():
        r = paid[h]
        assert (t["hop"], t["to"], t["block"], t["asset"]) == (1, r.to, r.block, "ETH")
        assert t["amount"] == t["taint_amount"] == str(r.value // WEI_PER_ETH)
        served = datetime.fromtimestamp(clock().time_of(r.block), tz=UTC)
        assert datetime.fromisoformat(t["timestamp"].replace("Z", "+00:00")) == served
        assert r.timestamp - int(served.timestamp()) == timestamp_drift(r)


def test_rerun_of_finished_case_makes_no_request(traced: Traced) -> None:
    """A finished case is not touched again (tracing.py resumability contract)."""
    w = traced.wiring
    before = w.requests()
    again = run_case(traced.store, replace(w.services, confirmations=0), "bybit",
                     [Seed(Address(Chain.ETHEREUM, THEFT_ADDRESS), tx_hash=None)], CaseParameters(max_hops=1))
    assert again.already_finished and w.requests() == before


# ------------------------------------------------------------------------------------- seeding by theft tx
def test_internal_transfer_id_same_from_tx_and_history(traced: Traced) -> None:
    """The theft's internal transfer has one id whether read by tx hash or from the address history.

    Regression: by-txhash ``txlistinternal`` rows carry no traceId, and a traceId-based internal index gave this
    transfer two ids (fixed in chains/etherscan/parse.py ``internal_index``).
    """
    adapter = traced.wiring.adapters[Chain.ETHEREUM]
    tx = adapter.transaction(THEFT_TX)
    assert tx is not None
    by_tx = [t.id for t in tx.transfers if t.kind is TransferKind.INTERNAL]
    by_history = [t.id for t in adapter.transfers_of(THEFT_ADDRESS, direction=Direction.IN)
                  if t.kind is TransferKind.INTERNAL]
    assert by_tx == by_history and len(by_tx) == 1


def test_seed_by_theft_tx_taints_hop1_fully(server: SandboxServer, tmp_path: Path, traced: Traced) -> None:
    """Seeded with ``--tx`` of the theft, the trace equals the one seeded by address.

    Regression: with two ids for the theft inflow the seed's replayed balance was doubled (802,692 ETH for
    401,346 tainted), so haircut gave every 10,000 ETH outflow only 5,000 ETH of taint.
    """
    t = _trace(tmp_path, server, THEFT_TX)
    try:
        def edges(x: Traced) -> list[tuple[str, str, int, int, int]]:
            return sorted((c.parent, c.transfer.id, c.transfer.amount, c.amount, c.origin_amount)
                          for c in x.contributions)

        assert edges(t) == edges(traced)
        assert all(c.amount == c.transfer.amount for c in _hop1(t))
        assert sorted((e.address, e.amount, e.origin_amount, e.reason) for e in t.endpoints) == sorted(
            (e.address, e.amount, e.origin_amount, e.reason) for e in traced.endpoints)
    finally:
        t.store.close()
