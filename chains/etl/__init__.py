"""Bulk transfer sources: ethereum-etl, bitcoin-etl and tronetl exports (CSV, Parquet, JSON Lines) read with DuckDB.

Each adapter is the API adapter of its chain over a reader that answers the API client's calls from the files,
so transfers, ids, flags, ordering and resume behave exactly as on the API path, with zero requests. Chosen per
chain by ``TRACER_SOURCE_<CHAIN>=etl:PATH`` (the folder holding that chain's tables).
"""

from __future__ import annotations

from pathlib import Path

from chains.base import ChainAdapter
from tracer.model import Chain

ETL_PREFIX = "etl:"


def etl_adapter(chain: Chain, path: Path) -> ChainAdapter:
    """The file-backed adapter of ``chain`` over the export folder ``path``. May raise: ConfigError."""
    if chain.is_evm:
        from chains.etl.ethereum import EtlEthereumAdapter

        return EtlEthereumAdapter(path, chain)
    if chain is Chain.BITCOIN:
        from chains.etl.bitcoin import EtlBitcoinAdapter

        return EtlBitcoinAdapter(path)
    from chains.etl.tron import EtlTronAdapter

    return EtlTronAdapter(path)


def parse_source(spec: str) -> Path | None:
    """``etl:PATH`` -> PATH; None for any other source kind (the API default)."""
    return Path(spec[len(ETL_PREFIX):]).expanduser() if spec.startswith(ETL_PREFIX) else None
