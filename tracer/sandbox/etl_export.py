"""Write a sandbox world as bulk exports: ethereum-etl, bitcoin-etl (BigQuery ``crypto_bitcoin`` tables) and tronetl.

Layout (ethereum-etl's Airflow partitioning, one folder per table, block-range partitions)::

    DIR/<chain>/<table>/start_block=<a>/end_block=<b>/<table>_<a>_<b>.<csv|parquet>

Column names are the tools' own (ethereum-etl ``docs/schema.md``; bitcoin-etl ``transactions.json`` with nested
``inputs``/``outputs`` for Parquet, the flat ``inputs``/``outputs`` tables of BigQuery ``crypto_bitcoin`` for CSV;
c0mm4nd/tronetl ``SCHEMA.md``). Only blocks visible in ``phase`` are written, plus one ``blocks`` row for the tip,
so a file source sees the same chain as the sandbox API in that phase. Integers that can exceed 64 bits (wei) are
decimal strings in both formats, as BigQuery exports NUMERIC.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracer.sandbox.codec import TRANSFER_TOPIC, btc_script, topic_address
from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON, World

PARTITION_BLOCKS = 100_000
BTC_TYPES = {"v0_p2wpkh": "witness_v0_keyhash", "v0_p2wsh": "witness_v0_scripthash", "v1_p2tr": "witness_v1_taproot",
             "p2pkh": "pubkeyhash", "p2sh": "scripthash", "op_return": "nulldata"}
"""Esplora script types -> bitcoin-etl output types."""

Rows = list[dict[str, Any]]


def export_world(world: World, out: Path, *, fmt: str = "csv", phase: int = 1,
                 partition_blocks: int = PARTITION_BLOCKS) -> dict[str, int]:
    """Write every chain of ``world`` under ``out``; returns rows written per ``chain/table``."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    tables: dict[str, dict[str, Rows]] = {
        ETHEREUM: _ethereum(world, world.tip(ETHEREUM, phase)),
        BITCOIN: _bitcoin(world, world.tip(BITCOIN, phase), nested=fmt == "parquet"),
        TRON: _tron(world, world.tip(TRON, phase)),
    }
    counts: dict[str, int] = {}
    for chain, by_table in tables.items():
        for table, rows in by_table.items():
            _write_partitioned(out / chain / table, table, rows, fmt, partition_blocks)
            counts[f"{chain}/{table}"] = len(rows)
    return counts


def _write_partitioned(folder: Path, table: str, rows: Rows, fmt: str, size: int) -> None:
    parts: dict[int, Rows] = defaultdict(list)
    for row in rows:
        block = int(row["block_number"] if "block_number" in row else row["number"])
        parts[block // size * size].append(row)
    for start, chunk in sorted(parts.items()):
        end = start + size - 1
        path = folder / f"start_block={start:08d}" / f"end_block={end:08d}" / f"{table}_{start:08d}_{end:08d}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            _write_csv(path, chunk)
        else:
            _write_parquet(path, chunk)


def _write_csv(path: Path, rows: Rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)


def _write_parquet(path: Path, rows: Rows) -> None:
    import duckdb  # only the export and the file source need it

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "rows.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        con = duckdb.connect()
        try:
            con.execute(f"COPY (SELECT * FROM read_json('{src}', format='newline_delimited')) "
                        f"TO '{path}' (FORMAT parquet)")
        finally:
            con.close()


def _blocks(world: World, chain: str, heights: Iterable[int], tip: int, ms: bool = False) -> Rows:
    clock = world.clocks[chain]
    return [{"number": h, "hash": clock.block_hash(chain, h), "timestamp": clock.time_of(h) * (1000 if ms else 1)}
            for h in sorted({*heights, tip})]


def _ethereum(world: World, tip: int) -> dict[str, Rows]:
    txs = sorted((t for t in world.evm_txs if t.block <= tip), key=lambda t: (t.block, t.tx_index))
    clock = world.clocks[ETHEREUM]
    out: dict[str, Rows] = defaultdict(list)
    for tx in txs:
        when = clock.time_of(tx.block)
        out["transactions"].append({
            "hash": tx.hash, "nonce": tx.nonce, "block_hash": "0x" + clock.block_hash(ETHEREUM, tx.block),
            "block_number": tx.block, "transaction_index": tx.tx_index, "from_address": tx.from_,
            "to_address": tx.to, "value": str(tx.value), "gas": tx.gas_limit, "gas_price": str(tx.gas_price),
            "input": tx.input, "block_timestamp": when})
        out["receipts"].append({
            "transaction_hash": tx.hash, "transaction_index": tx.tx_index, "block_number": tx.block,
            "cumulative_gas_used": tx.gas_used * (tx.tx_index + 1), "gas_used": tx.gas_used,
            "contract_address": None, "status": 0 if tx.is_error else 1, "effective_gas_price": str(tx.gas_price)})
        out["traces"].append(_trace(tx.block, tx.hash, tx.tx_index, tx.from_, tx.to, tx.value, "", tx.is_error))
        for call in tx.internal:
            out["traces"].append(_trace(tx.block, tx.hash, tx.tx_index, call.from_, call.to, call.value,
                                        call.trace_id.replace("_", ","), False, call.call_type))
        logs = [(tt.log_index, tt.contract, [TRANSFER_TOPIC, topic_address(tt.from_), topic_address(tt.to)],
                 "0x" + tt.value.to_bytes(32, "big").hex()) for tt in tx.token_transfers]
        logs += [(lg.log_index, lg.address, list(lg.topics), lg.data) for lg in tx.logs]
        for index, address, topics, data in sorted(logs) if not tx.is_error else ():
            out["logs"].append({"log_index": index, "transaction_hash": tx.hash, "transaction_index": tx.tx_index,
                                "block_number": tx.block, "address": address, "data": data,
                                "topics": ",".join(topics)})
        for tt in tx.token_transfers if not tx.is_error else ():
            out["token_transfers"].append({"token_address": tt.contract, "from_address": tt.from_,
                                           "to_address": tt.to, "value": str(tt.value), "transaction_hash": tx.hash,
                                           "log_index": tt.log_index, "block_number": tx.block})
    out["tokens"] = [{"address": t.contract, "symbol": t.symbol, "name": t.name, "decimals": t.decimals,
                      "total_supply": "", "block_number": 0} for t in world.tokens if t.chain == ETHEREUM]
    out["blocks"] = _blocks(world, ETHEREUM, (t.block for t in txs), tip)
    return dict(out)


def _trace(block: int, tx_hash: str, tx_index: int, src: str, dst: str, value: int, trace_address: str,
           failed: bool, call_type: str = "call") -> dict[str, Any]:
    return {"block_number": block, "transaction_hash": tx_hash, "transaction_index": tx_index, "from_address": src,
            "to_address": dst, "value": str(value), "trace_type": "call", "call_type": call_type,
            "trace_address": trace_address, "error": "Reverted" if failed else "", "status": 0 if failed else 1,
            "trace_id": f"call_{tx_hash}_{trace_address.replace(',', '_')}"}


def _bitcoin(world: World, tip: int, *, nested: bool) -> dict[str, Rows]:
    txs = sorted((t for t in world.btc_txs if t.block <= tip), key=lambda t: t.block)
    clock = world.clocks[BITCOIN]
    out: dict[str, Rows] = defaultdict(list)
    for position, tx in enumerate(txs):
        inputs = []
        for n, i in enumerate(tx.vin):
            _, _, kind = btc_script(i.address)
            inputs.append({"index": n, "spent_transaction_hash": i.prev_txid, "spent_output_index": i.prev_vout,
                           "type": BTC_TYPES.get(kind, kind), "addresses": i.address, "value": i.value})
        outputs = []
        for n, o in enumerate(tx.vout):
            script, asm, kind = btc_script(o.address, o.op_return)
            outputs.append({"index": n, "script_asm": asm, "script_hex": script, "type": BTC_TYPES.get(kind, kind),
                            "addresses": o.address or "", "value": o.value})
        row: dict[str, Any] = {
            "hash": tx.txid, "block_number": tx.block, "block_hash": clock.block_hash(BITCOIN, tx.block),
            "block_timestamp": clock.time_of(tx.block), "is_coinbase": False, "index": position,
            "input_count": len(inputs), "output_count": len(outputs), "input_value": sum(i.value for i in tx.vin),
            "output_value": sum(o.value for o in tx.vout), "fee": tx.fee}
        if nested:  # bitcoin-etl transactions.json: nested records, addresses as arrays
            row["inputs"] = [{**i, "addresses": [i["addresses"]]} for i in inputs]
            row["outputs"] = [{**o, "addresses": [o["addresses"]] if o["addresses"] else []} for o in outputs]
        else:  # BigQuery crypto_bitcoin flat tables
            out["inputs"] += [{"transaction_hash": tx.txid, "block_number": tx.block, **i} for i in inputs]
            out["outputs"] += [{"transaction_hash": tx.txid, "block_number": tx.block, **o} for o in outputs]
        out["transactions"].append(row)
    out["blocks"] = _blocks(world, BITCOIN, (t.block for t in txs), tip)
    return dict(out)


def _tron(world: World, tip: int) -> dict[str, Rows]:
    txs = sorted((t for t in world.tron_txs if t.block <= tip), key=lambda t: t.block)
    clock = world.clocks[TRON]
    out: dict[str, Rows] = defaultdict(list)
    for position, tx in enumerate(txs):
        out["transactions"].append({
            "hash": tx.txid, "block_number": tx.block, "transaction_index": position, "from_address": tx.owner,
            "to_address": tx.to, "value": str(tx.amount), "block_timestamp": clock.time_of(tx.block),
            "transaction_type": tx.contract_type, "status": tx.ret})
        out["receipts"].append({"transaction_hash": tx.txid, "transaction_index": position, "block_number": tx.block,
                                "contract_address": tx.to if tx.contract_type != "TransferContract" else "",
                                "energy_fee": tx.fee, "net_fee": 0, "result": tx.ret})
        for tr in tx.trc20:
            out["token_transfers"].append({"block_number": tx.block, "transaction_hash": tx.txid,
                                           "log_index": tr.event_index, "token_address": tr.contract,
                                           "from_address": tr.from_, "to_address": tr.to, "value": str(tr.value)})
    out["tokens"] = [{"address": t.contract, "symbol": t.symbol, "name": t.name, "decimals": t.decimals,
                      "total_supply": "", "block_number": 0} for t in world.tokens if t.chain == TRON]
    out["blocks"] = _blocks(world, TRON, (t.block for t in txs), tip)
    return dict(out)
