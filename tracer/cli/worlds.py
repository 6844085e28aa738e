"""Tracing one served sandbox world and scoring it against its truth: the one recipe the world-family
benchmark (``scripts/bench_worlds.py``) and the family/invariant tests share, so they measure what runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from db.labels import LabelStore
from db.store import Store
from tracer.cli.demo import _import_world_prices
from tracer.cli.wiring import DEFAULT_CHAINS, build
from tracer.config import Settings
from tracer.evaluation import WorldScore, score_world
from tracer.export import build_export
from tracer.labels.importer import import_file
from tracer.model import Address, CaseParameters, Chain, Seed
from tracer.sandbox.launch import RunningSandbox
from tracer.tracing import run_case


@dataclass(frozen=True)
class WorldRun:
    """One traced world: its score, the case export, the world's truth and whether the trace finished."""

    score: WorldScore
    doc: dict[str, Any]
    truth: dict[str, Any]
    finished: bool


def trace_served_world(sandbox: RunningSandbox, settings: Settings, case: str = "world",
                       params: CaseParameters | None = None) -> WorldRun:
    """Import the world's labels and prices, trace from its exploiter, export and score (store disposed after)."""
    store = Store.open(settings.database_url)
    try:
        import_file(LabelStore(store.engine), sandbox.labels_path, source="sandbox")
        _import_world_prices(store, sandbox)
        wiring = build(settings, store, DEFAULT_CHAINS)
        seeds = [Seed(Address(Chain.ETHEREUM, sandbox.truth.exploiter))]
        outcome = run_case(store, wiring.services, case, seeds, params or CaseParameters(match_instant=True))
        doc = build_export(store, case, wiring.labels)
        truth = json.loads(sandbox.truth_path.read_text(encoding="utf-8"))
        return WorldRun(score_world(doc, truth, requests=wiring.requests()), doc, truth, outcome.finished)
    finally:
        store.engine.dispose()
