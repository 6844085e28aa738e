"""Shared harness for end-to-end runs against the sandbox world: same adapters, engine and store as a real trace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from db.labels import LabelStore
from db.store import Store
from tracer.cli.wiring import Wiring, build
from tracer.config import Settings
from tracer.export import build_export
from tracer.labels.importer import import_file
from tracer.model import Address, CaseParameters, Chain, Seed
from tracer.sandbox.launch import RunningSandbox, start_sandbox
from tracer.tracing import TraceOutcome, run_case

CASE = "e2e"
FAST = "1000"


def settings_for(sandbox: RunningSandbox, db: Path, **extra: str) -> Settings:
    """Settings pointing every adapter at the sandbox, with a fresh SQLite case store."""
    env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{db}", "TRACER_ETHERSCAN_RATE": FAST,
           "TRACER_ESPLORA_RATE": FAST, "TRACER_TRONGRID_RATE": FAST, "TRACER_MIDGARD_RATE": FAST, **extra}
    return Settings.load(env, config_path=db.parent / "no-config.toml")


def open_case_store(sandbox: RunningSandbox, settings: Settings) -> Store:
    """The store with the world's labels imported (idempotent)."""
    store = Store.open(settings.database_url)
    import_file(LabelStore(store.engine), sandbox.labels_path, source="sandbox")
    return store


def trace(sandbox: RunningSandbox, settings: Settings, params: CaseParameters | None = None,
          case: str = CASE) -> tuple[Store, Wiring, TraceOutcome]:
    """Trace the world's exploiter to completion."""
    store = open_case_store(sandbox, settings)
    wiring = build(settings, store, (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON))
    seed = Seed(Address(Chain.ETHEREUM, sandbox.truth.exploiter))
    outcome = run_case(store, wiring.services, case, [seed], params or CaseParameters())
    return store, wiring, outcome


def export(store: Store, wiring: Wiring, case: str = CASE) -> dict[str, Any]:
    """The export with the volatile field removed, for comparisons."""
    doc = build_export(store, case, wiring.labels)
    doc.pop("generated_at")
    return doc


def truth_json(sandbox: RunningSandbox) -> dict[str, Any]:
    """The world's ground truth as written to disk."""
    return dict(json.loads(sandbox.truth_path.read_text(encoding="utf-8")))


@contextmanager
def running_sandbox(tmp: Path, **kwargs: Any) -> Iterator[RunningSandbox]:
    """A sandbox server for the duration of a block (always stopped)."""
    sandbox = start_sandbox(7, "demo", out_dir=tmp, **kwargs)
    try:
        yield sandbox
    finally:
        sandbox.stop()
