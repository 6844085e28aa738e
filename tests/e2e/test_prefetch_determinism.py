"""The APIs worked in parallel (tracer.engine.prefetch) change when requests go out, never what a trace finds.

One sandbox world (every variant) is traced three times over loopback HTTP with a seeded random latency on every
answer: twice with prefetch workers (different worker counts, different latency seeds, so answers complete in
another order) and once with none (the loop reads each history itself, as before the prefetcher). The exports
must be byte-identical and the archives hold the same set of (request, body). The server's timeline shows the
parallel runs had requests of different APIs in flight at once and the sequential run never did -- the
property that bounds a trace's time by its slowest API rather than by the sum, checked without timing anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from tests.e2e.harness import export, settings_for, trace
from tracer.model import CaseParameters
from tracer.sandbox.faults import FaultPlan
from tracer.sandbox.launch import start_sandbox

SEED = 4
APIS = ("etherscan", "esplora", "trongrid", "midgard")


@dataclass(frozen=True)
class Traced:
    export: bytes
    archive: frozenset[tuple[str, bytes]]
    overlaps: int  # pairs of requests to different APIs whose answer windows overlapped
    prefetched: int
    wasted: int
    finished: bool


def _overlaps(timeline: list[tuple[str, float, float]]) -> int:
    spans = sorted((start, end, api) for api, start, end in timeline if api in APIS)
    count = 0
    for i, (start, end, api) in enumerate(spans):
        for other_start, _other_end, other_api in spans[i + 1:]:
            if other_start >= end:
                break
            count += other_api != api
    return count


def _trace(tmp: Path, name: str, workers: int, delay_seed: int) -> Traced:
    plan = FaultPlan(seed=delay_seed, delay=(0.005, 0.03))
    sandbox = start_sandbox(SEED, "small", out_dir=tmp / name / "sandbox", variant="all", faults=plan)
    try:
        settings = settings_for(sandbox, tmp / name / "case.db",
                                **{f"TRACER_WORKERS_{api}": str(workers) for api in ("ETHERSCAN", "ESPLORA",
                                                                                      "TRONGRID")})
        store, wiring, outcome = trace(sandbox, settings, CaseParameters(match_instant=True))
        try:
            doc = json.dumps(export(store, wiring), sort_keys=True).encode()
            with store.engine.connect() as conn:
                rows = conn.execute(text("SELECT request_key, body FROM api_responses")).all()
        finally:
            store.close()
        # the ports differ between servers: keys are compared without the origin
        archive = frozenset((key.replace(sandbox.server.base_url, "SANDBOX"), bytes(body)) for key, body in rows)
        timeline = sandbox.server.timeline()
    finally:
        sandbox.stop()
    return Traced(doc, archive, _overlaps(timeline),
                  outcome.stats.prefetched, outcome.stats.prefetch_wasted, outcome.finished)


def test_parallel_apis_give_the_same_trace_whatever_the_timing(tmp_path: Path) -> None:
    first = _trace(tmp_path, "two-workers", workers=2, delay_seed=1)
    second = _trace(tmp_path, "three-workers", workers=3, delay_seed=2)
    sequential = _trace(tmp_path, "sequential", workers=0, delay_seed=1)
    assert first.finished and second.finished and sequential.finished
    assert first.export == second.export == sequential.export
    assert first.archive == second.archive == sequential.archive
    # every history fetched ahead was read: the prefetcher only takes nodes the loop will read
    assert first.prefetched > 0 and (first.wasted, second.wasted) == (0, 0)
    assert (sequential.prefetched, sequential.wasted) == (0, 0)
    # requests of different APIs were in flight together only when workers were on
    assert first.overlaps > 0 and second.overlaps > 0
    assert sequential.overlaps == 0
