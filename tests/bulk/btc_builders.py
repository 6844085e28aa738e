"""bitcoin-etl shaped test inputs (flat BigQuery tables as CSV) with known clusters."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

Tx = tuple[str, int, Sequence[tuple[str, int]], Sequence[tuple[str, int]]]  # hash, block, inputs, outputs


def write_export(root: Path, txs: Sequence[Tx]) -> Path:
    """Write transactions/inputs/outputs CSVs (bitcoin-etl / BigQuery crypto_bitcoin column names)."""
    tables: dict[str, list[dict[str, object]]] = {"transactions": [], "inputs": [], "outputs": []}
    for h, block, ins, outs in txs:
        tables["transactions"].append({"hash": h, "block_number": block, "block_timestamp": 1_700_000_000 + block,
                                       "is_coinbase": not ins, "fee": 0})
        tables["inputs"] += [{"transaction_hash": h, "block_number": block, "index": n, "spent_transaction_hash": "",
                              "spent_output_index": 0, "type": "witness_v0_keyhash", "addresses": a, "value": v}
                             for n, (a, v) in enumerate(ins)]
        tables["outputs"] += [{"transaction_hash": h, "block_number": block, "index": n, "script_hex": "",
                               "type": "witness_v0_keyhash", "addresses": a, "value": v}
                              for n, (a, v) in enumerate(outs)]
    for name, rows in tables.items():
        folder = root / name / "date=2024-01-01"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return root


def addr(n: int) -> str:
    """A distinct bech32-looking P2WPKH address (42 chars) for test n."""
    return f"bc1q{n:038d}"


def chain_world(length: int, start: int = 0) -> list[Tx]:
    """A peel chain with two-input spends: every hop co-spends with a fresh address -> one long cluster of
    ``length + 1`` addresses (the worst case for label propagation: diameter ~ length). Addresses and tx ids are
    numbered from ``start`` so that several chains can share one export."""
    txs: list[Tx] = []
    for n in range(length):
        i = start + n
        a, b = (addr(2 * start), addr(2 * i + 2)) if n == 0 else (addr(2 * i), addr(2 * i + 2))
        txs.append((f"{i:064x}", i, [(a, 70_000_001), (b, 50_000_003)],
                    [(addr(10_000 + i), 60_000_000), (addr(20_000 + i), 59_990_000)]))
    return txs


def whirlpool(block: int, base: int) -> Tx:
    """A 5x5 Whirlpool round of 0.01 BTC: five owners that must NOT be merged."""
    ins = [(addr(base + k), 1_000_170 + k) for k in range(5)]
    outs = [(addr(base + 100 + k), 1_000_000) for k in range(5)]
    return (f"{block:064x}", block, ins, outs)
