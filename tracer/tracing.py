"""Running a case: create or resume it, pin per-chain tips, seed, expand until done.

Resumability contract: the frontier and every result live in the store; a re-run of the same command continues
from the pending nodes. The tips recorded when the case started fix each chain's ``final_block`` (tip minus the
confirmation margin), passed on every adapter call, so every history request is for a closed block range and is
answered from the archive on a re-run. The shared adapters are never mutated. A finished case is not touched at
all: zero requests.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_FLOOR

from db.store import CaseInfo, CaseStatus, SqlTraceRepository, Store
from tracer.engine.context import TraceContext
from tracer.engine.invariants import check_conservation, check_crossings
from tracer.engine.ports import ProgressEvent, TraceServices
from tracer.engine.runner import RunStats, TraceEngine
from tracer.errors import TracerError
from tracer.model import Asset, CaseParameters, Chain, Seed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TraceOutcome:
    """What a run did."""

    case_id: int
    created: bool
    already_finished: bool
    stats: RunStats
    finished: bool


def run_case(store: Store, services: TraceServices, name: str, seeds: Sequence[Seed], params: CaseParameters, *,
             progress: Callable[[ProgressEvent], None] | None = None) -> TraceOutcome:
    """Trace ``name`` to completion (or resume it). May raise: TracerError subclasses."""
    case = store.get_case(name)
    created = case is None
    if case is None:
        case_id = store.create_case(name, params, list(seeds))
        if services.label_versions:
            store.set_case_meta(case_id, label_versions=dict(services.label_versions))
        case = store.get_case(name)
        assert case is not None
    else:
        _check_same(case.params, params, case.seeds, seeds, name)
        if case.status == CaseStatus.FINISHED.value:
            return TraceOutcome(case.id, False, True, RunStats(), True)
    store.set_case_status(case.id, CaseStatus.RUNNING, runner=runner_id())
    try:
        stats, finished = _trace(store, services, case, seeds, params, progress)
    except KeyboardInterrupt:
        store.set_case_status(case.id, CaseStatus.INTERRUPTED, reason="interrupted (Ctrl-C or a signal)")
        raise
    except BaseException as exc:
        why = str(exc) if isinstance(exc, TracerError) else f"{type(exc).__name__}: {exc}"
        store.set_case_status(case.id, CaseStatus.FAILED, reason=why[:2000])
        raise
    store.set_case_status(case.id, CaseStatus.FINISHED if finished else CaseStatus.INTERRUPTED,
                          reason=None if finished else "stopped with addresses still pending")
    return TraceOutcome(case.id, created, False, stats, finished)


def runner_id() -> str:
    """``host:pid`` of this process, stored while a case runs so a run whose process is gone can be told apart."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _trace(store: Store, services: TraceServices, case: CaseInfo, seeds: Sequence[Seed], params: CaseParameters,
           progress: Callable[[ProgressEvent], None] | None) -> tuple[RunStats, bool]:
    """Pin tips, seed once, expand; returns the run's stats and whether nothing is pending any more."""
    tips = dict(case.tips)
    missing = {c: a for c, a in services.adapters.items() if c.value not in tips}
    for chain, adapter in sorted(missing.items(), key=lambda kv: kv[0].value):
        tips[chain.value] = adapter.latest_block()
    if missing:
        store.set_case_meta(case.id, tips=dict(tips))
    repo = store.trace_repository()
    ctx = TraceContext(case.id, params, services, final_blocks=final_blocks(tips, services),
                       seeds=frozenset(str(s.address) for s in seeds))
    engine = TraceEngine(ctx, repo, progress=progress)
    if not _seeded(repo, case.id):
        stolen = engine.seed(seeds, {str(s.address): parse_since(s.since)
                                     for s in seeds})
        if not stolen:
            raise TracerError("the seed addresses received nothing to trace (check --tx / --since)")
    ctx.stolen, ctx.origin_assets = _stolen(repo, case.id)
    ctx.min_origin_amount = _min_amounts(params, ctx.origin_assets)
    stats = engine.run()
    finished = not repo.pending_nodes(case.id)
    if finished:  # loud, before the case is final: the run is then recorded as failed with the difference
        check_conservation(ctx.stolen, repo.endpoints(case.id), case=case.name)
        check_crossings(repo.all_contributions(case.id), repo.links(case.id), case=case.name)
    return stats, finished


def final_blocks(tips: Mapping[str, int], services: TraceServices) -> dict[Chain, int]:
    """Per chain, the block at or below which history is immutable for this case: its pinned tip minus the
    confirmation margin."""
    return {chain: max(0, tips[chain.value] - services.confirmations) for chain in services.adapters}


def _check_same(stored: CaseParameters, given: CaseParameters, stored_seeds: Sequence[Seed],
                given_seeds: Sequence[Seed], name: str) -> None:
    if stored != given or {s.address for s in stored_seeds} != {s.address for s in given_seeds}:
        raise TracerError(f"case {name!r} exists with other seeds or parameters; resume it with the same command "
                          f"or choose another --case name")


def _seeded(repo: SqlTraceRepository, case_id: int) -> bool:
    return repo.node_count(case_id) > 0 and bool(repo.theft_contributions(case_id))


def _stolen(repo: SqlTraceRepository, case_id: int) -> tuple[dict[str, int], dict[str, Asset]]:
    stolen: dict[str, int] = {}
    assets: dict[str, Asset] = {}
    for c in repo.theft_contributions(case_id):
        stolen[c.origin] = stolen.get(c.origin, 0) + c.origin_amount
        assets[c.origin] = c.transfer.asset
    return stolen, assets


def _min_amounts(params: CaseParameters, assets: Mapping[str, Asset]) -> dict[str, int]:
    if params.min_value <= 0:
        return {}
    return {key: int((params.min_value.scaleb(a.decimals)).to_integral_value(rounding=ROUND_FLOOR))
            for key, a in assets.items()}


def parse_since(since: str | None) -> int | datetime | None:
    """``--since``: a block number, or an ISO date/time (UTC when no zone is given)."""
    if since is None or not since.strip():
        return None
    if since.strip().isdigit():
        return int(since)
    try:
        when = datetime.fromisoformat(since.strip())
    except ValueError as exc:
        raise TracerError(f"--since must be a block number or an ISO date, got {since!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)
