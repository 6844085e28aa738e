"""Python API for notebooks: open a stored case and get its tables, with real types, and its flow graph.

    from tracer.api import open_case
    case = open_case("bybit")
    case.transfers().usd.sum()   # a float: USD of the tainted value moved
    case.graph()                 # networkx.MultiDiGraph

Column types (the same in every table, see docs in ``examples/case_walkthrough.ipynb``):

- amounts (``amount``, ``taint_amount``, ``model_spread``): :class:`decimal.Decimal` in whole units of the asset
  (object dtype) -- exact, never rounded, so sums reconcile to the base unit. Each has a ``<name>_float`` twin
  (float64) for plotting only.
- ``usd``: float64 (NaN when the asset has no price); the exact string is in the export JSON. The price source
  the case was valued with is :attr:`CaseView.price_source`.
- ``timestamp``: ``datetime64[ns, UTC]``.
- ``chain``, ``asset``, ``evidence``, ``kind``, ``status``, ``category``, ``reason``, ``severity``: categorical.
- ``hop``, ``block``, ``index``: int64; ``confidence``: float64.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import networkx as nx
import pandas as pd

from db.labels import LabelStore
from db.store import Store
from tracer.config import Settings
from tracer.export import build_export
from tracer.exporters import export_to_graph
from tracer.labels.index import load_index

AMOUNT_COLUMNS = ("amount", "taint_amount", "model_spread", "spread", "tainted_out")
USD_COLUMNS = ("usd",)
TIME_COLUMNS = ("timestamp",)
INT_COLUMNS = ("hop", "block", "index", "depth")
FLOAT_COLUMNS = ("confidence",)
CATEGORY_COLUMNS = ("chain", "asset", "evidence", "kind", "status", "category", "reason", "severity", "role",
                    "from_chain", "to_chain", "key")

# Columns every table has even when the case has no rows of it (so `df.usd.sum()` works on an empty case).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "transfers": ("chain", "tx_hash", "block", "timestamp", "from", "to", "asset", "amount", "taint_amount", "hop",
                  "evidence", "confidence", "rule", "usd", "index", "kind", "model_spread"),
    "endpoints": ("chain", "address", "category", "service", "asset", "amount", "status", "reason", "hop",
                  "confidence", "usd", "origins", "inferred"),
    "links": ("kind", "service", "from_chain", "from_tx", "to_chain", "to_tx", "to_address", "evidence",
              "confidence", "rule", "from_asset", "to_asset", "facts"),
    "alerts": ("chain", "address", "tx_hash", "timestamp", "kind", "amount", "asset", "message", "severity"),
    "summary": ("key", "asset", "amount", "usd"),
}


def typed_frame(rows: Iterable[Mapping[str, Any]], columns: Iterable[str] = ()) -> pd.DataFrame:
    """Rows of the export (strings for amounts, USD and times) as a DataFrame with the documented column types."""
    frame = pd.DataFrame(list(rows))
    for name in columns:
        if name not in frame.columns:
            frame[name] = pd.Series([], dtype=object) if frame.empty else None
    for name in list(frame.columns):
        frame[name] = _convert(name, frame[name])
        if name in AMOUNT_COLUMNS:
            frame[f"{name}_float"] = frame[name].map(lambda v: float(v) if v is not None else float("nan")) \
                .astype("float64")
    return frame


def _convert(name: str, column: pd.Series) -> pd.Series:
    if name in AMOUNT_COLUMNS:
        return column.map(lambda v: None if v is None or v == "" else Decimal(str(v))).astype(object)
    if name in USD_COLUMNS:
        return pd.to_numeric(column.map(lambda v: float("nan") if v is None or v == "" else float(v)),
                             errors="raise").astype("float64")
    if name in TIME_COLUMNS:
        return pd.to_datetime(column, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
    if name in INT_COLUMNS:
        return column.astype("int64")
    if name in FLOAT_COLUMNS:
        return column.astype("float64")
    if name in CATEGORY_COLUMNS:
        return column.astype("category")
    return column


@dataclass
class CaseView:
    """A stored case, exported once and viewed as typed DataFrames or a graph."""

    name: str
    document: dict[str, Any] = field(repr=False)

    @property
    def price_source(self) -> dict[str, Any]:
        """Where the USD values come from: ``{"source": ..., "version": ...}`` recorded for the case."""
        return dict(self.document["meta"].get("price_source") or {})

    def transfers(self) -> pd.DataFrame:
        """Every transfer that carried stolen value (see the module docstring for column types)."""
        return typed_frame(self.document["transfers"], TABLE_COLUMNS["transfers"])

    def endpoints(self) -> pd.DataFrame:
        """Where the value stopped, with status, category, service and reason."""
        return typed_frame(self.document["endpoints"], TABLE_COLUMNS["endpoints"])

    def links(self) -> pd.DataFrame:
        """Swaps, bridges, mixers, instant exchanges crossed."""
        return typed_frame(self.document["links"], TABLE_COLUMNS["links"])

    def alerts(self) -> pd.DataFrame:
        """Monitoring alerts recorded for the case."""
        return typed_frame(self.document.get("alerts", []), TABLE_COLUMNS["alerts"])

    def summary(self, by: str = "category") -> pd.DataFrame:
        """Reconciliation by ``category``, ``status``, ``chain``; ``stolen`` or ``unaccounted`` for those tables."""
        key = by if by in ("stolen", "unaccounted") else f"by_{by}"
        if key not in self.document["summary"]:
            raise ValueError(f"by must be category, status, chain, stolen or unaccounted, got {by!r}")
        columns = ("asset", "amount", "usd") if by == "stolen" else TABLE_COLUMNS["summary"]
        if by == "unaccounted":
            columns = ("reason", "asset", "amount", "usd")
        return typed_frame(self.document["summary"][key], columns)

    def graph(self) -> nx.MultiDiGraph:
        """Address flow graph (nodes ``chain:address``; edge ``usd`` is a float, ``taint`` an exact Decimal)."""
        graph = export_to_graph(self.document)
        usd_of = {(t["chain"], f"{t['tx_hash']}:{t['index']}"): t["usd"] for t in self.document["transfers"]}
        for u, _v, key, data in graph.edges(keys=True, data=True):
            if "tx_hash" in data:
                value = usd_of.get((str(u).split(":", 1)[0], str(key)))
                data["usd"] = float(value) if value is not None else float("nan")
                data["taint"] = Decimal(str(data["taint"]))
        return graph


def open_case(name: str, database_url: str | None = None) -> CaseView:
    """Load a case from the store (``TRACER_DATABASE_URL`` or ``./tracer.db``). May raise: CaseNotFound, StoreError."""
    store = Store.open(database_url or Settings.load().database_url)
    try:
        doc = build_export(store, name, load_index(LabelStore(store.engine)))
    finally:
        store.close()
    return CaseView(name, doc)
