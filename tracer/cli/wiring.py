"""Composition root: build concrete adapters, archive, label index and resolvers from Settings.

The only place that knows which class serves which chain. Library code receives these through protocols.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import requests

from chains.base import ChainAdapter
from chains.esplora.adapter import EsploraAdapter
from chains.esplora.client import EsploraClient
from chains.etherscan.adapter import EtherscanAdapter
from chains.etherscan.client import EtherscanClient
from chains.etl import etl_adapter, parse_source
from chains.http import HttpClient
from chains.midgard.client import MidgardClient
from chains.midgard.resolver import MidgardResolver
from chains.trongrid.adapter import TronGridAdapter
from chains.trongrid.client import TronGridClient
from db.archive import SqlResponseArchive
from db.labels import LabelStore
from db.prices import PriceTable
from db.store import Store
from heuristics.bridges.registry import KNOWN_BRIDGES
from tracer import __version__
from tracer.bulk.labels import BulkClusterIndex
from tracer.bulk.mixer_store import StoredMixerLinks
from tracer.bulk.store import BulkClusterTable
from tracer.config import Settings
from tracer.labels.index import LabelIndex
from tracer.model import EVM_CHAIN_IDS, Category, Chain, Label, LabelConfidence

DEFAULT_CHAINS: tuple[Chain, ...] = (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON)


@dataclass
class Wiring:
    """Everything a trace or monitor run needs, built once."""

    store: Store
    adapters: dict[Chain, ChainAdapter]
    bridge: MidgardResolver
    labels: LabelIndex
    label_versions: dict[str, str]
    prices: PriceTable
    clients: list[HttpClient] = field(default_factory=list)

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
    return session


def build(settings: Settings, store: Store, chains: Iterable[Chain] = DEFAULT_CHAINS,
          session: requests.Session | None = None) -> Wiring:
    """Wire adapters for ``chains`` with the archive, the Midgard resolver and the active labels."""
    session = session or build_session()
    archive = SqlResponseArchive(store.engine)
    adapters: dict[Chain, ChainAdapter] = {}
    clients: list[HttpClient] = []
    timeout = settings.http_timeout
    for chain in dict.fromkeys(chains):
        if (etl_path := parse_source(settings.sources.get(chain.value, ""))) is not None:
            adapters[chain] = etl_adapter(chain, etl_path)  # bulk files (chains/etl): no HTTP client
        elif chain.is_evm:
            eclient = EtherscanClient(session, settings.etherscan_url, settings.etherscan_api_key or "",
                                      EVM_CHAIN_IDS[chain], rate=settings.etherscan_rate, archive=archive,
                                      timeout=timeout)
            clients.append(eclient.http)
            adapters[chain] = EtherscanAdapter(eclient, chain)
        elif chain is Chain.BITCOIN:
            bclient = EsploraClient(session, settings.esplora_url, rate=settings.esplora_rate, archive=archive,
                                    timeout=timeout)
            clients.append(bclient.http)
            adapters[chain] = EsploraAdapter(bclient)
        elif chain is Chain.TRON:
            tclient = TronGridClient(session, settings.trongrid_url, settings.trongrid_api_key,
                                     rate=settings.trongrid_rate, archive=archive, timeout=timeout)
            clients.append(tclient.http)
            adapters[chain] = TronGridAdapter(tclient)
    mclient = MidgardClient(session, settings.midgard_url, rate=settings.midgard_rate, archive=archive,
                            timeout=timeout)
    clients.append(mclient.http)
    prices = PriceTable(store)
    if prices.count() == 0:
        prices.import_bundled()  # daily USD closes shipped with the package (CoinGecko via sablier, MIT)
    label_store = LabelStore(store.engine)
    index = BulkClusterIndex(label_store.active_labels(), BulkClusterTable(store.engine),  # + bulk results
                             StoredMixerLinks(store.engine))
    index.add_all(known_bridge_labels())
    return Wiring(store, adapters, MidgardResolver(mclient), index, label_store.active_versions(), prices, clients)


def known_bridge_labels() -> list[Label]:
    """The built-in registry of bridge contracts (heuristics.bridges.registry) as labels, so a deposit into any of
    them stops as ``bridged`` (and is resolved where the protocol allows) even without an imported label set."""
    return [Label(b.chain, b.address, b.name, Category.BRIDGE, f"registry:{b.source}",
                  LabelConfidence.FORENSIC / 100, entity=b.protocol) for b in KNOWN_BRIDGES]
