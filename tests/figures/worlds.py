"""Traced, priced exports of sandbox worlds for the figure tests: the demo's own pipeline, one world per seed.

``TRACER_FIGURE_SEEDS=7,11,23`` (the default) picks the worlds; the lead can point it at any other seeds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.e2e.harness import export, settings_for, trace
from tracer.cli.demo import _import_world_prices
from tracer.model import CaseParameters
from tracer.sandbox.launch import start_sandbox

SEEDS: tuple[int, ...] = tuple(int(s) for s in os.environ.get("TRACER_FIGURE_SEEDS", "7,11,23").split(",") if s)


def traced_world(seed: int, tmp: Path) -> dict[str, Any]:
    """Trace the world of ``seed`` like `tracer demo` does (world prices, instant matching) and export it."""
    sandbox = start_sandbox(seed, "demo", out_dir=tmp / "sandbox")
    try:
        settings = settings_for(sandbox, tmp / "case.db")
        from tests.e2e.harness import open_case_store

        _import_world_prices(open_case_store(sandbox, settings), sandbox)
        store, wiring, _outcome = trace(sandbox, settings, CaseParameters(match_instant=True))
        doc = export(store, wiring)
        doc["generated_at"] = doc["meta"]["as_of"]
        store.close()
        return doc
    finally:
        sandbox.stop()
