"""Composition root: build concrete adapters, archive, label index and resolvers from Settings.

The only place that knows which class serves which chain. Library code receives these through protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import requests
from requests.adapters import HTTPAdapter
from sqlalchemy.pool import StaticPool

from chains.base import ChainAdapter
from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.etherscan.adapter import EtherscanAdapter
from chains.etherscan.client import EtherscanClient
from chains.etl import etl_adapter, parse_source
from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient
from chains.http import HttpClient
from chains.midgard.client import MidgardClient
from chains.midgard.resolver import MidgardResolver
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from db.archive import SqlResponseArchive
from db.labels import LabelStore
from db.prices import PriceTable
from db.store import Store
from heuristics.mixers.coinjoin import detect_coinjoin
from tracer import __version__
from tracer.bulk.labels import BulkClusterIndex
from tracer.bulk.mixer_store import StoredMixerLinks
from tracer.bulk.store import BulkClusterTable
from tracer.config import Settings
from tracer.engine.ports import TraceServices
from tracer.labels.bundled import bundled_sources, ensure_bundled
from tracer.labels.index import LabelIndex
from tracer.labels.registry import protocol_labels
from tracer.model import EVM_CHAIN_IDS, Chain, ResponseArchive

DEFAULT_CHAINS: tuple[Chain, ...] = (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON)


@dataclass(frozen=True)
class Wiring:
    """What a trace or monitor run needs, built once: the store, the service bundle and the HTTP clients."""

    store: Store
    services: TraceServices
    bridge: MidgardResolver
    labels: LabelIndex
    prices: PriceTable
    clients: tuple[HttpClient | EvmRpcClient, ...] = ()

    @property
    def adapters(self) -> Mapping[Chain, ChainAdapter]:
        """The chain adapters of :attr:`services`."""
        return self.services.adapters

    @property
    def label_versions(self) -> Mapping[str, str]:
        """Active label-set versions, recorded on new cases."""
        return self.services.label_versions

    def requests(self) -> int:
        """HTTP requests made so far (archive hits are not requests)."""
        return sum(c.stats.requests for c in self.clients)

    def archive_hits(self) -> int:
        """Requests answered from the archive."""
        return sum(c.stats.archive_hits for c in self.clients)


def build_session() -> requests.Session:
    """One HTTP session for every client (connection reuse; tests mount transports on it)."""
    session = requests.Session()
    session.headers["User-Agent"] = f"laundering-tracer/{__version__}"
    for scheme in ("http://", "https://"):  # every API's prefetch workers and the loop share the pool per host
        session.mount(scheme, HTTPAdapter(pool_connections=16, pool_maxsize=32))
    return session


AdapterFactory = Callable[[Chain, Settings, requests.Session, ResponseArchive],
                          tuple[ChainAdapter, HttpClient | EvmRpcClient]]
"""Builds the adapter for one chain and returns it with its HTTP client (whose stats count requests)."""


def _etherscan(chain: Chain, settings: Settings, session: requests.Session,
               archive: ResponseArchive) -> tuple[ChainAdapter, HttpClient | EvmRpcClient]:
    client = EtherscanClient(session, settings.etherscan_url, settings.etherscan_api_key or "", EVM_CHAIN_IDS[chain],
                             rate=settings.etherscan_rate, archive=archive, timeout=settings.http_timeout)
    return EtherscanAdapter(client, chain), client.http


def _esplora(chain: Chain, settings: Settings, session: requests.Session,
             archive: ResponseArchive) -> tuple[ChainAdapter, HttpClient | EvmRpcClient]:
    client = EsploraClient(session, settings.esplora_url, rate=settings.esplora_rate, archive=archive,
                           timeout=settings.http_timeout)
    return EsploraAdapter(client), client.http


def _trongrid(chain: Chain, settings: Settings, session: requests.Session,
              archive: ResponseArchive) -> tuple[ChainAdapter, HttpClient | EvmRpcClient]:
    client = TronGridClient(session, settings.trongrid_url, settings.trongrid_api_key, rate=settings.trongrid_rate,
                            archive=archive, timeout=settings.http_timeout)
    return TronGridAdapter(client), client.http


def _evm_rpc(chain: Chain, settings: Settings, session: requests.Session,
             archive: ResponseArchive) -> tuple[ChainAdapter, HttpClient | EvmRpcClient]:
    """TRACER_RPC_URL_<CHAIN>: the analyst's own node instead of Etherscan (chosen in :func:`build`)."""
    client = EvmRpcClient(session, settings.rpc_urls[chain.value], timeout=settings.http_timeout, archive=archive)
    return EvmRpcAdapter(client, chain), client


ADAPTER_FACTORIES: Mapping[Chain, AdapterFactory] = MappingProxyType({
    **{chain: _etherscan for chain in Chain if chain.is_evm},
    Chain.BITCOIN: _esplora,
    Chain.TRON: _trongrid,
})
"""The one table of which source serves which chain (a chain missing here has no adapter)."""


def _fetch_workers(factory: AdapterFactory, settings: Settings, store: Store) -> int:
    """Prefetch threads for one chain's API (tracer.engine.prefetch). None on an in-memory SQLite store: its one
    shared connection cannot take the archive writes of several threads."""
    if isinstance(store.engine.pool, StaticPool):
        return 0
    workers: dict[AdapterFactory, int] = {_esplora: settings.workers_esplora, _trongrid: settings.workers_trongrid,
                                          _evm_rpc: settings.workers_rpc}
    return workers.get(factory, settings.workers_etherscan if factory is _etherscan else 0)


def _counts_by_api(clients: tuple[HttpClient | EvmRpcClient, ...]) -> Callable[[], Mapping[str, int]]:
    """Requests made so far per API name (clients of one API on several chains are added up)."""
    def counts() -> Mapping[str, int]:
        out: dict[str, int] = {}
        for c in clients:
            name = c.name if isinstance(c, HttpClient) else "rpc"
            out[name] = out.get(name, 0) + c.stats.requests
        return out
    return counts


def build(settings: Settings, store: Store, chains: Iterable[Chain] = DEFAULT_CHAINS,
          session: requests.Session | None = None, *, bundled_labels: bool = True) -> Wiring:
    """Wire adapters for ``chains`` with the archive, the Midgard resolver, prices and the active labels.

    A store that never held the bundled label set gets it first (labels out of the box); ``bundled_labels=False``
    leaves it out of this run's index.
    """
    session = session or build_session()
    archive = SqlResponseArchive(store.engine)
    adapters: dict[Chain, ChainAdapter] = {}
    clients: list[HttpClient | EvmRpcClient] = []
    workers: dict[Chain, int] = {}
    costs: dict[Chain, int] = {}
    for chain in dict.fromkeys(chains):
        if (etl_path := parse_source(settings.chain_sources.get(chain.value, ""))) is not None:
            adapters[chain] = etl_adapter(chain, etl_path)  # bulk files (chains/etl): no HTTP client
            continue
        factory = _evm_rpc if chain.is_evm and settings.rpc_urls.get(chain.value) else ADAPTER_FACTORIES.get(chain)
        if factory is not None:
            adapters[chain], client = factory(chain, settings, session, archive)
            clients.append(client)
            workers[chain] = _fetch_workers(factory, settings, store)
            # the public dialects' cost of one history; an own node or files: one call or none, 1 turn weight
            costs[chain] = chain.public_history_requests if factory is ADAPTER_FACTORIES.get(chain) else 1
    mclient = MidgardClient(session, settings.midgard_url, rate=settings.midgard_rate, archive=archive,
                            timeout=settings.http_timeout)
    clients.append(mclient.http)
    prices = PriceTable(store)
    if prices.count() == 0:
        prices.import_bundled()  # daily USD closes shipped with the package (CoinGecko via sablier, MIT)
    label_store = LabelStore(store.engine)
    versions = label_store.active_versions()
    labels = label_store.active_labels()
    if bundled_labels:
        if ensure_bundled(label_store) is not None:
            labels, versions = label_store.active_labels(), label_store.active_versions()
    else:
        left_out = bundled_sources()
        labels = [lab for lab in labels if lab.source not in left_out]
        versions = {k: v for k, v in versions.items() if k not in left_out}
    # labels inherited through imported whole-chain clusters, and stored pool links (tracer bulk)
    index = BulkClusterIndex(labels, BulkClusterTable(store.engine))
    index.add_all(protocol_labels())
    bridge = MidgardResolver(mclient)
    counted = tuple(clients)
    services = TraceServices(adapters=MappingProxyType(adapters), labels=index, prices=prices, bridge=bridge,
                             coinjoin=detect_coinjoin, wallets=index.addresses_in,
                             confirmations=settings.confirmations,
                             label_versions=MappingProxyType(versions),
                             requests=lambda: sum(c.stats.requests for c in counted),
                             mixer_links=StoredMixerLinks(store.engine),
                             request_counts=_counts_by_api(counted), fetch_workers=MappingProxyType(workers),
                             history_cost=MappingProxyType(costs))
    return Wiring(store, services, bridge, index, prices, counted)

