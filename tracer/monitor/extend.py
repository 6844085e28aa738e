"""Extending a case's trace after watched wallets moved: same engine, newer tips, the moved nodes reopened."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from chains.base import ChainAdapter
from db.store import CaseStatus, Store
from tracer.engine.nodes import NodeKey
from tracer.engine.ports import BridgeResolver, PriceLookup
from tracer.engine.repository import SqlTraceRepository
from tracer.engine.utxo import CoinJoinDetector
from tracer.model import Category, Chain, EndpointStatus, Label, LabelLookup
from tracer.tracing import run_case


def make_extender(store: Store, adapters: Mapping[Chain, ChainAdapter], labels: LabelLookup, *,
                  bridge: BridgeResolver | None, coinjoin: CoinJoinDetector | None, confirmations: int,
                  requests: Callable[[], int] = lambda: 0, prices: PriceLookup | None = None,
                  wallets: Callable[[Category], list[Label]] | None = None) -> Callable[[int, Sequence[tuple[Chain, str]],
                                                                        Mapping[str, int]], list[tuple[Chain, str]]]:
    """A callback for :class:`tracer.monitor.cycle.Monitor` that extends one case and returns its holders."""

    def extend(case_id: int, moved: Sequence[tuple[Chain, str]], tips: Mapping[str, int]) -> list[tuple[Chain, str]]:
        info = store.case_by_id(case_id)
        if info is None:
            return []
        repo = SqlTraceRepository(store.engine)
        for chain, address in moved:
            repo.reopen(case_id, NodeKey(chain, address))
        store.set_case_meta(case_id, tips=dict(tips))
        store.set_case_status(case_id, CaseStatus.RUNNING)
        run_case(store, adapters, labels, info.name, list(info.seeds), info.params, bridge=bridge, coinjoin=coinjoin,
                 confirmations=confirmations, requests=requests, prices=prices, wallets=wallets)
        return sorted({(e.chain, e.address) for e in repo.endpoints(case_id) if e.status is EndpointStatus.UNSPENT})

    return extend
