"""DuckDB views over one chain's bulk export folder (ethereum-etl, bitcoin-etl, tronetl layouts).

A table is a folder (``DIR/transactions/**``, e.g. ethereum-etl's ``start_block=…/end_block=…`` partitions or
``date=…`` partitions) or a single file (``DIR/transactions.csv``) of CSV, Parquet or JSON Lines. CSV is read as
text (wei does not fit 64 bits; callers convert with ``int``); Parquet and JSON keep their own types.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tracer.errors import ConfigError

FORMATS = {"csv": "read_csv({glob}, header=true, all_varchar=true, union_by_name=true)",
           "parquet": "read_parquet({glob}, union_by_name=true)",
           "json": "read_json({glob}, format='newline_delimited', union_by_name=true)",
           "jsonl": "read_json({glob}, format='newline_delimited', union_by_name=true)"}


def _source(root: Path, table: str) -> str | None:
    """The DuckDB table function reading ``table`` under ``root``, or None when the export has no such table."""
    folder = root / table
    for ext, reader in FORMATS.items():
        if folder.is_dir() and any(folder.rglob(f"*.{ext}")):
            return reader.format(glob=_quote(str(folder / "**" / f"*.{ext}")))
        single = root / f"{table}.{ext}"
        if single.is_file():
            return reader.format(glob=_quote(str(single)))
    return None


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class EtlTables:
    """Read-only SQL over the tables of one export folder (one in-memory DuckDB connection, serialised)."""

    def __init__(self, root: Path, tables: Sequence[str]) -> None:
        import duckdb  # optional at import time of the package; required to use a file source

        if not root.is_dir():
            raise ConfigError(f"bulk source folder {root} does not exist")
        self.root = root
        self._con = duckdb.connect(":memory:")
        self._lock = threading.Lock()
        self.present: set[str] = set()
        for table in tables:
            source = _source(root, table)
            if source is not None:
                self._con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM {source}')
                self.present.add(table)
        self.queries = 0  # SQL statements run (the file source's counterpart of HTTP requests)

    def has(self, table: str) -> bool:
        """True when the export holds ``table``."""
        return table in self.present

    def column_type(self, table: str, column: str) -> str | None:
        """DuckDB type of a column (``VARCHAR``, ``VARCHAR[]``…), None when absent."""
        rows = self.rows(f'DESCRIBE "{table}"')
        return next((str(r["column_type"]) for r in rows if r["column_name"] == column), None)

    def create_view(self, name: str, sql: str) -> None:
        """Define a derived view (e.g. flat inputs from nested bitcoin-etl transactions)."""
        with self._lock:
            self._con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
        self.present.add(name)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run one query; rows as dicts."""
        with self._lock:
            self.queries += 1
            cur = self._con.execute(sql, list(params))
            names = [d[0] for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def stream(self, sql: str, batch: int = 50_000) -> Iterator[tuple[Any, ...]]:
        """Rows of a large query in batches (a private cursor; the result is never held whole in memory)."""
        with self._lock:
            cur = self._con.cursor()
        cur.execute(sql)
        while rows := cur.fetchmany(batch):
            yield from rows
        cur.close()

    def copy_to(self, sql: str, path: Path) -> None:
        """Write a query's result as Parquet."""
        with self._lock:
            self._con.execute(f"COPY ({sql}) TO {_quote(str(path))} (FORMAT parquet)")

    def close(self) -> None:
        """Release the connection."""
        with self._lock:
            self._con.close()


def as_int(value: Any, default: int = 0) -> int:
    """An exported integer (int, decimal text, empty) as int."""
    if value is None or value == "":
        return default
    return int(value)


def as_text(value: Any) -> str:
    """An exported string column, '' for null."""
    return "" if value is None else str(value)
