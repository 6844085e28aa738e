"""Property tests of every API parser (issue 15): arbitrary JSON raises nothing but the BadResponse family, a
valid row round-trips, and whatever a parser accepts is in range.

Row-shaped inputs mix the real field names with arbitrary JSON values, so the fuzzing reaches past the
"is it a dict" checks into every field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chains import wire
from chains.coingecko import parse as coingecko
from chains.esplora import parse as esplora
from chains.etherscan import parse as etherscan
from chains.midgard import parse as midgard
from chains.trongrid import parse as trongrid
from tracer.errors import BadResponse
from tracer.model import Chain, Transfer

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**300), max_value=2**300)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=70)
           | st.sampled_from(["", "0", "-1", "0x", "0xZZ", "1e3", "１２", str(2**256), hex(2**256), "NaN", "Infinity"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=8)

EVM_FIELDS = ["hash", "transactionHash", "blockNumber", "timeStamp", "from", "to", "value", "contractAddress",
              "tokenSymbol", "tokenDecimal", "traceId", "isError", "gasUsed", "gasPrice", "topics", "data", "address",
              "logIndex", "account", "balance", "txreceipt_status"]
TRON_FIELDS = ["txID", "blockNumber", "block_timestamp", "raw_data", "ret", "transaction_id", "token_info", "from",
               "to", "type", "value", "event_index", "event_name", "contract_address", "block_number", "result",
               "blockTimeStamp", "fee"]
ESPLORA_FIELDS = ["txid", "vin", "vout", "status", "fee", "prevout", "value", "scriptpubkey_address", "is_coinbase",
                  "confirmed", "block_height", "block_time", "spent", "scriptpubkey_type", "scriptpubkey"]
MIDGARD_FIELDS = ["height", "date", "in", "out", "coins", "asset", "amount", "txID", "address", "type", "status",
                  "metadata", "memo", "actions", "meta"]


def rows_of(fields: list[str]) -> st.SearchStrategy[Any]:
    row = st.dictionaries(st.sampled_from(fields), JSON, max_size=6)
    nested = st.dictionaries(st.sampled_from(fields), JSON | row | st.lists(row, max_size=3), max_size=8)
    return JSON | nested | st.lists(nested, max_size=4)


def only_bad_response(call: Callable[[], object]) -> object:
    """Run a parser; anything it raises must be of the BadResponse family (no KeyError, TypeError, ...)."""
    try:
        return call()
    except BadResponse:
        return None


def assert_sane(transfers: object) -> None:
    items = transfers if isinstance(transfers, list | tuple) else [transfers]
    for t in items:
        if isinstance(t, Transfer):
            assert 0 <= t.amount <= wire.UINT256_MAX and 0 <= t.block_number <= wire.MAX_BLOCK
            assert wire.MIN_UNIX <= t.timestamp.timestamp() <= wire.MAX_UNIX


WHEN = datetime(2024, 1, 1, tzinfo=UTC)
PARSERS: dict[str, tuple[list[str], Callable[[Any], object]]] = {
    "etherscan txlist": (EVM_FIELDS, lambda x: etherscan.txlist_item_to_transfer(x, Chain.ETHEREUM)),
    "etherscan internal": (EVM_FIELDS, lambda x: etherscan.internal_items_to_transfers(x, Chain.ETHEREUM)),
    "etherscan internal by hash": (EVM_FIELDS, lambda x: etherscan.internal_items_to_transfers(
        x, Chain.ETHEREUM, "0x" + "ab" * 32)),
    "etherscan tokentx": (EVM_FIELDS, lambda x: etherscan.tokentx_items_to_transfers(x, Chain.BSC)),
    "etherscan logs": (EVM_FIELDS, lambda x: etherscan.logs_to_token_transfers(x, Chain.ETHEREUM, WHEN)),
    "etherscan balances": (EVM_FIELDS, lambda x: etherscan.parse_balances(x, Chain.ETHEREUM)),
    "etherscan history check": (EVM_FIELDS, lambda x: etherscan.validate_history("tokentx", x, 0, 10**9)),
    "etherscan logs check": (EVM_FIELDS, lambda x: etherscan.validate_logs(x, 0, 10**9)),
    "esplora tx": (ESPLORA_FIELDS, esplora.esplora_tx_to_chaintx),
    "esplora page check": (ESPLORA_FIELDS, esplora.validate_txs),
    "esplora outspends": (ESPLORA_FIELDS, esplora.esplora_outspends_to_domain),
    "trongrid listed tx": (TRON_FIELDS, trongrid.validate_listed_transaction),
    "trongrid trc20": (TRON_FIELDS, trongrid.validate_trc20),
    "trongrid trc20 transfer": (TRON_FIELDS, lambda x: trongrid.trc20_item_to_transfer(x, 0, 5)),
    "trongrid events": (TRON_FIELDS, lambda x: trongrid.event_transfers(x)),
    "trongrid event check": (TRON_FIELDS, trongrid.validate_event),
    "trongrid info": (TRON_FIELDS, trongrid.validate_info),
    "trongrid freeze": (TRON_FIELDS, lambda x: trongrid.blacklist_event_to_freeze(x)  # type: ignore[arg-type]
                        if isinstance(x, dict) else None),
    "midgard action": (MIDGARD_FIELDS, midgard.action_to_bridge_action),
    "midgard page check": (MIDGARD_FIELDS, midgard.validate_actions),
    "coingecko prices": (["prices", "market_data", "current_price", "usd"],
                         lambda x: coingecko.price_points(x, "bitcoin")),
    "coingecko history": (["prices", "market_data", "current_price", "usd"],
                          lambda x: coingecko.history_price(x, "bitcoin")),
}


def _fuzz(name: str) -> Callable[..., None]:
    fields, parser = PARSERS[name]

    @settings(max_examples=60, deadline=None)
    @given(rows_of(fields))
    def test(value: Any) -> None:
        assert_sane(only_bad_response(lambda: parser(value)))

    test.__name__ = f"test_arbitrary_json_{name.replace(' ', '_')}"
    return test


for _name in PARSERS:
    globals()[f"test_arbitrary_json_{_name.replace(' ', '_')}"] = _fuzz(_name)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200) | st.builds(lambda d: "[" * d + "]" * d, st.integers(0, 5000)))
def test_coingecko_body_text(text: str) -> None:
    only_bad_response(lambda: coingecko.price_points(coingecko.decimal_json(text), "bitcoin"))


# ------------------------------------------------------------------------------------------ valid round trips

HEX40 = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
HEX64 = st.binary(min_size=32, max_size=32).map(lambda b: b.hex())
AMOUNT = st.integers(0, wire.UINT256_MAX)
BLOCK = st.integers(0, 10**9)
UNIX = st.integers(wire.MIN_UNIX, wire.MAX_UNIX)


@settings(max_examples=100, deadline=None)
@given(HEX64, HEX40, HEX40 | st.just(""), AMOUNT, BLOCK, UNIX)
def test_etherscan_txlist_round_trip(tx: str, src: str, dst: str, amount: int, block: int, ts: int) -> None:
    row = {"hash": "0x" + tx, "from": src, "to": dst, "value": str(amount), "blockNumber": str(block),
           "timeStamp": str(ts), "isError": "0", "gasUsed": "21000", "gasPrice": "7"}
    t = etherscan.txlist_item_to_transfer(row, Chain.ETHEREUM)
    assert (t.tx_hash, t.from_address, t.to_address, t.amount, t.block_number, int(t.timestamp.timestamp())) == (
        "0x" + tx, src, dst or None, amount, block, ts)
    assert t.fee == 21000 * 7


@settings(max_examples=100, deadline=None)
@given(HEX64, HEX40, HEX40, HEX40, AMOUNT, BLOCK, UNIX, st.integers(1, 4))
def test_etherscan_tokentx_round_trip_and_repeats(tx: str, contract: str, src: str, dst: str, amount: int,
                                                   block: int, ts: int, copies: int) -> None:
    row = {"hash": "0x" + tx, "contractAddress": contract, "from": src, "to": dst, "value": str(amount),
           "blockNumber": str(block), "timeStamp": str(ts), "tokenSymbol": "TKN", "tokenDecimal": "6"}
    transfers = etherscan.tokentx_items_to_transfers([dict(row) for _ in range(copies)], Chain.ETHEREUM)
    assert len(transfers) == 1  # a row repeated by the server counts once
    t = transfers[0]
    assert (t.asset.contract, t.from_address, t.to_address, t.amount, t.block_number) == (
        contract, src, dst, amount, block)


@settings(max_examples=100, deadline=None)
@given(HEX64, st.lists(st.tuples(HEX40, AMOUNT, st.text(alphabet="0123456789_", min_size=1, max_size=6)),
                       min_size=1, max_size=5), BLOCK, UNIX)
def test_etherscan_internal_round_trip_and_repeats(tx: str, calls: list[tuple[str, int, str]], block: int,
                                                    ts: int) -> None:
    rows = [{"hash": "0x" + tx, "from": "0x" + "11" * 20, "to": to, "value": str(v), "blockNumber": str(block),
             "timeStamp": str(ts), "traceId": trace} for to, v, trace in calls]
    unique = {r["traceId"]: r for r in rows}
    transfers = etherscan.internal_items_to_transfers(rows + rows, Chain.ETHEREUM)
    assert len(transfers) == len(unique) and len({t.id for t in transfers}) == len(unique)
    assert sum(t.amount for t in transfers) == sum(int(r["value"]) for r in {
        r["traceId"]: r for r in reversed(rows)}.values())


@settings(max_examples=100, deadline=None)
@given(HEX64, st.lists(st.integers(0, esplora.MAX_MONEY // 8), min_size=1, max_size=5), BLOCK, UNIX)
def test_esplora_round_trip(txid: str, values: list[int], height: int, ts: int) -> None:
    tx = {"txid": txid, "fee": 100, "status": {"confirmed": True, "block_height": height, "block_time": ts},
          "vin": [{"txid": "cd" * 32, "vout": 0, "is_coinbase": False,
                   "prevout": {"scriptpubkey_address": "bc1qinput", "value": sum(values) + 100}}],
          "vout": [{"scriptpubkey_address": f"bc1qout{i}", "value": v, "scriptpubkey_type": "v0_p2wpkh"}
                   for i, v in enumerate(values)]}
    ctx = esplora.esplora_tx_to_chaintx(tx)  # type: ignore[arg-type]
    assert [o.amount for o in ctx.outputs] == values and ctx.block_number == height and ctx.fee == 100
    assert ctx.inputs[0].amount == sum(values) + 100


@settings(max_examples=100, deadline=None)
@given(HEX64, AMOUNT, st.integers(wire.MIN_UNIX * 1000, wire.MAX_UNIX * 1000), st.integers(1, 3))
def test_trongrid_trc20_round_trip(txid: str, amount: int, ms: int, copies: int) -> None:
    item = {"transaction_id": txid, "block_timestamp": ms, "from": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "to": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "type": "Transfer", "value": str(amount),
            "token_info": {"address": trongrid.USDT_TRC20, "symbol": "USDT", "decimals": 6}}
    trongrid.validate_trc20(item)
    t = trongrid.trc20_item_to_transfer(item, 0, 7)  # type: ignore[arg-type]
    assert t is not None and (t.tx_hash, t.amount, t.block_number, t.asset.symbol) == (txid, amount, 7, "USDT")
    assert len({trongrid.trc20_identity(dict(item)) for _ in range(copies)}) == 1


@settings(max_examples=100, deadline=None)
@given(BLOCK, UNIX, st.integers(0, wire.UINT256_MAX))
def test_midgard_round_trip(height: int, ts: int, amount: int) -> None:
    action = {"height": str(height), "date": str(ts * 10**9), "type": "swap", "status": "success",
              "in": [{"txID": "AB" * 32, "address": "bc1qx", "coins": [{"asset": "BTC.BTC", "amount": str(amount)}]}],
              "out": []}
    got = midgard.action_to_bridge_action(action)  # type: ignore[arg-type]
    assert got.height == height and int(got.timestamp.timestamp()) == ts
    assert got.inputs[0].amount_e8 == amount


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(wire.MIN_UNIX * 1000, wire.MAX_UNIX * 1000),
                          st.decimals(min_value=0, max_value=10**9, places=8)), max_size=5))
def test_coingecko_round_trip(points: list[tuple[int, Decimal]]) -> None:
    body = '{"prices": [' + ",".join(f"[{ms}, {price}]" for ms, price in points) + "]}"
    assert coingecko.price_points(coingecko.decimal_json(body), "bitcoin") == points


# ------------------------------------------------------------------------- one field of a valid row mutated

VALID: dict[str, tuple[dict[str, Any], Callable[[Any], object]]] = {
    "etherscan txlist": ({"hash": "0x" + "ab" * 32, "from": "0x" + "11" * 20, "to": "0x" + "22" * 20, "value": "5",
                          "blockNumber": "9", "timeStamp": "1700000000", "gasUsed": "1", "gasPrice": "1"},
                         lambda r: etherscan.txlist_item_to_transfer(r, Chain.ETHEREUM)),
    "etherscan tokentx": ({"hash": "0x" + "ab" * 32, "from": "0x" + "11" * 20, "to": "0x" + "22" * 20, "value": "5",
                           "contractAddress": "0x" + "33" * 20, "blockNumber": "9", "timeStamp": "1700000000",
                           "tokenSymbol": "USDT", "tokenDecimal": "6"},
                          lambda r: etherscan.tokentx_items_to_transfers([r], Chain.ETHEREUM)),
    "trongrid trc20": ({"transaction_id": "ab" * 32, "block_timestamp": 1_700_000_000_000,
                        "from": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "to": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                        "value": "5", "type": "Transfer", "token_info": {"address": trongrid.USDT_TRC20}},
                       lambda r: trongrid.trc20_item_to_transfer(r, 0, 1)),
    "esplora tx": ({"txid": "ab" * 32, "status": {"confirmed": True, "block_height": 5, "block_time": 1700000000},
                    "vin": [{"txid": "cd" * 32, "vout": 1, "prevout": {"value": 7, "scriptpubkey_address": "bc1qa"}}],
                    "vout": [{"value": 6, "scriptpubkey_address": "bc1qb"}], "fee": 1},
                   esplora.esplora_tx_to_chaintx),
    "midgard action": ({"height": "5", "date": "1700000000000000000", "type": "swap", "status": "success",
                        "in": [{"txID": "AB" * 32, "coins": [{"asset": "BTC.BTC", "amount": "5"}]}], "out": []},
                       midgard.action_to_bridge_action),
}


def _mutant(name: str) -> Callable[..., None]:
    row, parser = VALID[name]
    parser(row)  # the base row itself is valid

    @settings(max_examples=80, deadline=None)
    @given(st.sampled_from(sorted(row)), JSON)
    def test(field: str, value: Any) -> None:
        result = only_bad_response(lambda: parser({**row, field: value}))
        assert_sane(result)
        if isinstance(result, list | tuple):
            assert all(0 <= getattr(t, "amount", 0) <= wire.UINT256_MAX for t in result)

    return test


for _name in VALID:
    globals()[f"test_one_field_mutated_{_name.replace(' ', '_')}"] = _mutant(_name)
