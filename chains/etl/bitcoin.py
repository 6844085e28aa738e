"""bitcoin-etl exports answering the Esplora client's questions, so :class:`EsploraAdapter` parses them.

Reads ``transactions`` with nested ``inputs``/``outputs`` (bitcoin-etl ``transactions.json``, or its Parquet) or the
flat ``inputs``/``outputs`` tables of BigQuery ``crypto_bitcoin`` (CSV); ``addresses`` may be an array or text
(comma-separated). Outspends come from the inputs that name an output as ``spent_transaction_hash`` /
``spent_output_index``. No request is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from chains.base import Capability
from chains.esplora.adapter import EsploraAdapter
from chains.etl.tables import EtlTables, as_int, as_text
from tracer.model import ChainTx

TABLES = ("blocks", "transactions", "inputs", "outputs")
ESPLORA_TYPES = {"witness_v0_keyhash": "v0_p2wpkh", "witness_v0_scripthash": "v0_p2wsh",
                 "witness_v1_taproot": "v1_p2tr", "pubkeyhash": "p2pkh", "scripthash": "p2sh",
                 "nulldata": "op_return", "pubkey": "p2pk", "multisig": "multisig", "nonstandard": "unknown"}
"""bitcoin-etl script types -> Esplora ``scriptpubkey_type``."""
MATCH = "(addresses = ? OR list_contains(string_split(addresses, ','), ?))"


def _b(column: str) -> str:
    return f"CAST({column} AS BIGINT)"


def flat_views(t: EtlTables) -> None:
    """Flat ``inputs``/``outputs`` views over nested bitcoin-etl transactions when the export has no flat tables;
    ``addresses`` always as comma-separated text."""
    for side in ("inputs", "outputs"):
        if t.has(side):
            kind = t.column_type(side, "addresses") or "VARCHAR"
            if kind.endswith("[]"):
                t.create_view(f"{side}_text", f"SELECT * REPLACE (array_to_string(addresses, ',') AS addresses) "
                                              f"FROM {side}")
            else:
                t.create_view(f"{side}_text", f"SELECT * FROM {side}")
            continue
        t.create_view(f"{side}_text", f"SELECT transaction_hash, block_number, x.* REPLACE "
                                      f"(array_to_string(x.addresses, ',') AS addresses) FROM "
                                      f"(SELECT hash AS transaction_hash, block_number, UNNEST({side}) AS x "
                                      f"FROM transactions)")


class BitcoinEtlReader:
    """The subset of :class:`chains.esplora.client.EsploraClient` the adapter uses, over bitcoin-etl files."""

    def __init__(self, tables: EtlTables) -> None:
        self.t = tables
        flat_views(tables)

    def _txs(self, hashes: Sequence[str]) -> list[dict[str, Any]]:
        if not hashes:
            return []
        marks = ",".join("?" * len(hashes))
        heads = self.t.rows(f"SELECT hash, block_number, block_timestamp, fee FROM transactions "
                            f"WHERE hash IN ({marks})", list(hashes))
        vin: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.t.rows(f"SELECT * FROM inputs_text WHERE transaction_hash IN ({marks}) "
                             f"ORDER BY transaction_hash, {_b('index')}", list(hashes)):
            addresses = [a for a in as_text(r["addresses"]).split(",") if a]
            vin[as_text(r["transaction_hash"])].append({
                "txid": as_text(r["spent_transaction_hash"]), "vout": as_int(r["spent_output_index"]),
                "is_coinbase": False, "prevout": {"scriptpubkey_address": addresses[0] if len(addresses) == 1
                                                  else None, "value": as_int(r["value"])}})
        vout: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.t.rows(f"SELECT * FROM outputs_text WHERE transaction_hash IN ({marks}) "
                             f"ORDER BY transaction_hash, {_b('index')}", list(hashes)):
            addresses = [a for a in as_text(r["addresses"]).split(",") if a]
            row: dict[str, Any] = {"scriptpubkey": as_text(r.get("script_hex")), "value": as_int(r["value"]),
                                   "scriptpubkey_type": ESPLORA_TYPES.get(as_text(r.get("type")), "unknown")}
            if len(addresses) == 1:
                row["scriptpubkey_address"] = addresses[0]
            vout[as_text(r["transaction_hash"])].append(row)
        out = []
        for h in heads:
            txid = as_text(h["hash"])
            out.append({"txid": txid, "vin": vin.get(txid, []), "vout": vout.get(txid, []), "fee": as_int(h["fee"]),
                        "status": {"confirmed": True, "block_height": as_int(h["block_number"]),
                                   "block_time": as_int(h["block_timestamp"])}})
        return out

    def iter_address_txs(self, address: str, *, stop_below: int | None = None, final_block: int | None = None,
                         first_page: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
        """Every transaction spending from or paying to ``address`` (Esplora's chain history). ``first_page`` is
        ignored: files have no pages, and the adapter never holds one for them (see ``transaction_paying``)."""
        low = stop_below or 0
        rows = self.t.rows(
            f"SELECT DISTINCT transaction_hash FROM (SELECT transaction_hash, block_number FROM inputs_text "
            f"WHERE {MATCH} UNION ALL SELECT transaction_hash, block_number FROM outputs_text WHERE {MATCH}) "
            f"WHERE {_b('block_number')} >= ?", [address, address, address, address, low])
        yield from self._txs([as_text(r["transaction_hash"]) for r in rows])

    def tx(self, txid: str, *, final_block: int | None = None) -> dict[str, Any] | None:
        """One transaction in Esplora's shape, None when the export does not hold it."""
        found = self._txs([txid])
        return found[0] if found else None

    def outspends(self, txid: str, *, final_block: int | None = None) -> list[dict[str, Any]] | None:
        """Spend status of every output of ``txid`` by index (None when the tx is unknown)."""
        outputs = self.t.rows(f"SELECT {_b('index')} AS i FROM outputs_text WHERE transaction_hash = ? ORDER BY i",
                              [txid])
        if not outputs:
            return None
        # the spending tx's time too: a confirmed Esplora status always carries block_height AND block_time
        spends = {as_int(r["spent_output_index"]): r for r in self.t.rows(
            "SELECT i.transaction_hash, i.block_number, i.\"index\", i.spent_output_index, t.block_timestamp "
            "FROM inputs_text i JOIN transactions t ON t.hash = i.transaction_hash "
            "WHERE i.spent_transaction_hash = ?", [txid])}
        answer = []
        for o in outputs:
            s = spends.get(as_int(o["i"]))
            answer.append({"spent": False} if s is None else {
                "spent": True, "txid": as_text(s["transaction_hash"]), "vin": as_int(s["index"]),
                "status": {"confirmed": True, "block_height": as_int(s["block_number"]),
                           "block_time": as_int(s["block_timestamp"])}})
        return answer

    def address_stats(self, address: str) -> dict[str, Any]:
        """Funded and spent sums of ``address`` (Esplora ``chain_stats``)."""
        funded = self.t.rows(f"SELECT coalesce(sum(CAST(value AS HUGEINT)), 0) AS v FROM outputs_text WHERE {MATCH}",
                             [address, address])
        spent = self.t.rows(f"SELECT coalesce(sum(CAST(value AS HUGEINT)), 0) AS v FROM inputs_text WHERE {MATCH}",
                            [address, address])
        return {"chain_stats": {"funded_txo_sum": as_int(funded[0]["v"]), "spent_txo_sum": as_int(spent[0]["v"])}}

    def tip_height(self) -> int:
        """The newest block in the export."""
        table, column = ("blocks", "number") if self.t.has("blocks") else ("transactions", "block_number")
        rows = self.t.rows(f"SELECT max({_b(column)}) AS tip FROM {table}")
        return as_int(rows[0]["tip"]) if rows else 0


class EtlBitcoinAdapter(EsploraAdapter):
    """Bitcoin from bitcoin-etl files: the Esplora adapter's logic over :class:`BitcoinEtlReader`."""

    name = "etl"
    capabilities = frozenset({Capability.NATIVE, Capability.UTXO, Capability.BALANCES})

    def __init__(self, path: Path) -> None:
        self.tables = EtlTables(path, TABLES)
        # The reader answers exactly the client calls the adapter makes (duck-typed: no HTTP behind it). The
        # history methods, ``final_block`` included, are the API adapter's own.
        super().__init__(BitcoinEtlReader(self.tables))  # type: ignore[arg-type]

    def transaction_paying(self, tx_hash: str, address: str, *, final_block: int | None = None) -> ChainTx | None:
        """The transaction itself: the API adapter reads it from the recipient's newest page to save a request,
        and files have neither pages nor requests to save."""
        return self.transaction(tx_hash, final_block=final_block)
