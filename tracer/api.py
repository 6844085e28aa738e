"""Python API for notebooks: open a stored case and get its tables and flow graph.

    from tracer.api import open_case
    case = open_case("bybit")
    case.transfers()   # DataFrame
    case.graph()       # networkx.MultiDiGraph
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import pandas as pd

from db.labels import LabelStore
from db.store import Store
from tracer.config import Settings
from tracer.export import build_export
from tracer.exporters import export_to_graph
from tracer.labels.index import load_index


@dataclass
class CaseView:
    """A stored case, exported once and viewed as DataFrames or a graph."""

    name: str
    document: dict[str, Any] = field(repr=False)

    def transfers(self) -> pd.DataFrame:
        """Every transfer that carried stolen value (amounts as exact decimal strings, whole units)."""
        return pd.DataFrame(self.document["transfers"])

    def endpoints(self) -> pd.DataFrame:
        """Where the value stopped, with status, category, service and reason."""
        return pd.DataFrame(self.document["endpoints"])

    def links(self) -> pd.DataFrame:
        """Swaps, bridges, mixers, instant exchanges crossed."""
        return pd.DataFrame(self.document["links"])

    def summary(self, by: str = "category") -> pd.DataFrame:
        """Reconciliation by ``category``, ``status`` or ``chain``."""
        return pd.DataFrame(self.document["summary"][f"by_{by}"])

    def graph(self) -> nx.MultiDiGraph:
        """Address flow graph (nodes ``chain:address``)."""
        return export_to_graph(self.document)


def open_case(name: str, database_url: str | None = None) -> CaseView:
    """Load a case from the store (``TRACER_DATABASE_URL`` or ``./tracer.db``). May raise: CaseNotFound, StoreError."""
    store = Store.open(database_url or Settings.load().database_url)
    try:
        doc = build_export(store, name, load_index(LabelStore(store.engine)))
    finally:
        store.close()
    return CaseView(name, doc)
