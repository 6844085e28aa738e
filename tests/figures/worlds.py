"""Traced, priced exports of sandbox worlds for the figure tests: the demo's own pipeline, one world per seed.

``TRACER_FIGURE_SEEDS=7,11,23,3:all,11:all`` (the default) picks the worlds: a bare seed is the demo-scale world,
``SEED:VARIANTS`` a small world of the family with those variants (``all`` or a comma-free ``+`` list).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.e2e.harness import export, settings_for, trace
from tracer.cli.demo import _import_world_prices
from tracer.model import CaseParameters
from tracer.sandbox.launch import start_sandbox

SEEDS: tuple[str, ...] = tuple(s for s in os.environ.get("TRACER_FIGURE_SEEDS", "7,11,23,3:all,11:all").split(",")
                                if s)


def traced_world(world: str, tmp: Path) -> dict[str, Any]:
    """Trace the world ``SEED[:VARIANTS]`` like `tracer demo` does (world prices, instant matching), export it."""
    seed, _, variants = world.partition(":")
    if variants:
        sandbox = start_sandbox(int(seed), "small", out_dir=tmp / "sandbox", variant=variants.replace("+", ","))
    else:
        sandbox = start_sandbox(int(seed), "demo", out_dir=tmp / "sandbox")
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
