"""Extending a case's trace after watched wallets moved: same engine, newer tips, the moved nodes reopened."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from db.store import CaseStatus, Store
from tracer.engine.ports import TraceServices
from tracer.model import Address, Chain, EndpointStatus
from tracer.tracing import run_case

Extender = Callable[[int, Sequence[tuple[Chain, str]], Mapping[str, int]], list[tuple[Chain, str]]]


def make_extender(store: Store, services: TraceServices) -> Extender:
    """A callback for :class:`tracer.monitor.cycle.Monitor` that extends one case and returns its holders."""

    def extend(case_id: int, moved: Sequence[tuple[Chain, str]], tips: Mapping[str, int]) -> list[tuple[Chain, str]]:
        info = store.case_by_id(case_id)
        if info is None:
            return []
        repo = store.trace_repository()
        for chain, address in moved:
            repo.reopen(case_id, Address(chain, address))
        store.set_case_meta(case_id, tips=dict(tips))
        store.set_case_status(case_id, CaseStatus.RUNNING)
        run_case(store, services, info.name, list(info.seeds), info.params)
        return sorted({(e.chain, e.address) for e in repo.endpoints(case_id) if e.status is EndpointStatus.UNSPENT})

    return extend
