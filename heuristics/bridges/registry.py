"""Known bridge and cross-chain router contracts (pure data) plus bridge labels loaded at run time.

Addresses come from two kinds of source, named per entry: the Etherscan label cloud bundled under
data/labels/brianleect_etherscan_labels (MIT, 2023-06 snapshot) and public integrator code that hard-codes
the contract (THORChain router in THORSwap's aggregator and THORNode ``inbound_addresses``; Across SpokePool
and Stargate Router in lifinance/contracts tests; the LI.FI diamond, deployed at one CREATE2 address on
every EVM chain it supports). Only contracts whose address we could confirm are listed; more come from
:class:`~tracer.model.Label` rows of category ``bridge``. THORChain vault addresses rotate at each churn,
so they are not listed here (read them from THORNode ``inbound_addresses`` into labels).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracer.model import Category, Chain, Label

ETHERSCAN_LABELS = "etherscan-labels (brianleect, MIT)"
INTEGRATOR_CODE = "public integrator code"

E, BSC, ARB, OP, BASE, POL, AVAX = (Chain.ETHEREUM, Chain.BSC, Chain.ARBITRUM, Chain.OPTIMISM, Chain.BASE,
                                    Chain.POLYGON, Chain.AVALANCHE)


@dataclass(frozen=True, slots=True)
class KnownBridge:
    """A bridge contract: which protocol, what it is, and where we know it from."""

    chain: Chain
    address: str  # canonical lower-case
    protocol: str  # "thorchain", "stargate", "across", "wormhole", …
    name: str
    source: str


_ENTRIES: tuple[tuple[tuple[Chain, ...], str, str, str, str], ...] = (
    ((E,), "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146", "thorchain", "THORChain Router v4.1", INTEGRATOR_CODE),
    ((BSC,), "0xb30ec53f98ff5947ede720d32ac2da7e52a5f56b", "thorchain", "THORChain Router", INTEGRATOR_CODE),
    ((E,), "0x8731d54e9d02c286767d56ac03e8037c07e01e98", "stargate", "Stargate Router", INTEGRATOR_CODE),
    ((E,), "0x5c7bcd6e7de5423a257d81b442095a1a6ced35c5", "across", "Across SpokePool", INTEGRATOR_CODE),
    ((E,), "0x4d9079bb4165aeb4084c526a32695dcfd2f77381", "across", "Across Ethereum Spoke Pool V2", ETHERSCAN_LABELS),
    ((E,), "0xc186fa914353c44b2e33ebe05f21846f1048beda", "across", "Across Hub Pool V2", ETHERSCAN_LABELS),
    ((E, BSC, ARB, OP, BASE, POL, AVAX), "0x1231deb6f5749ef6ce6943a275a1d3e7486f4eae", "lifi", "LI.FI Diamond",
     INTEGRATOR_CODE),
    ((E,), "0x98f3c9e6e3face36baad05fe09d375ef1464288b", "wormhole", "Wormhole Core Bridge", ETHERSCAN_LABELS),
    ((BSC,), "0x98f3c9e6e3face36baad05fe09d375ef1464288b", "wormhole", "Wormhole Core Bridge", ETHERSCAN_LABELS),
    ((E,), "0x3ee18b2214aff97000d974cf647e7c347e8fa585", "wormhole", "Wormhole Portal Token Bridge", ETHERSCAN_LABELS),
    ((BSC,), "0xb6f6d86a8f9879a9c87f643768d9efc38c1da6e7", "wormhole", "Wormhole Token Bridge", ETHERSCAN_LABELS),
    ((POL,), "0x5a58505a96d1dbf8df91cb21b54419fc36e93fde", "wormhole", "Wormhole Token Bridge", ETHERSCAN_LABELS),
    ((POL,), "0x7a4b5a56256163f07b2c80a7ca55abe66c4ec4d7", "wormhole", "Wormhole Core Bridge", ETHERSCAN_LABELS),
    ((AVAX,), "0x0e082f06ff657d94310cb8ce8b0d9a04541d8052", "wormhole", "Wormhole Token Bridge", ETHERSCAN_LABELS),
    ((E,), "0x2796317b0ff8538f253012862c06787adfb8ceb6", "synapse", "Synapse Bridge", ETHERSCAN_LABELS),
    ((BSC,), "0xd123f70ae324d34a9e76b67a27bf77593ba8749f", "synapse", "Synapse Bridge", ETHERSCAN_LABELS),
    ((ARB,), "0x6f4e8eba4d337f874ab57478acc2cb5bacdc19c9", "synapse", "Synapse Bridge", ETHERSCAN_LABELS),
    ((AVAX,), "0xc05e61d0e7a63d27546389b7ad62fdff5a91aace", "synapse", "Synapse Bridge", ETHERSCAN_LABELS),
    ((POL,), "0x8f5bbb2bb8c2ee94639e55d5f41de9b4839c1280", "synapse", "Synapse Bridge", ETHERSCAN_LABELS),
    ((E,), "0xe95fd76cf16008c12ff3b3a937cb16cd9cc20284", "multichain", "Multichain Router V3", ETHERSCAN_LABELS),
    ((E,), "0x6b7a87899490ece95443e979ca9485cbe7e71522", "multichain", "Multichain Router V4", ETHERSCAN_LABELS),
    ((E,), "0x765277eebeca2e31912c9946eae1021199b39c61", "multichain", "Multichain Router V4 2", ETHERSCAN_LABELS),
    ((E,), "0xba8da9dcf11b50b03fd5284f164ef5cdef910705", "multichain", "Multichain Router V6", ETHERSCAN_LABELS),
    ((E,), "0xb8901acb165ed027e32754e0ffe830802919727f", "hop", "Hop ETH Bridge", ETHERSCAN_LABELS),
    ((E,), "0x3666f603cc164936c1b87e207f36beba4ac5f18a", "hop", "Hop USDC Bridge", ETHERSCAN_LABELS),
    ((E,), "0x3e4a3a4796d16c0cd582c382691998f7c06420b6", "hop", "Hop USDT Bridge", ETHERSCAN_LABELS),
    ((E,), "0x3d4cc8a61c7528fd86c55cfe061a78dcba48edd1", "hop", "Hop DAI Bridge", ETHERSCAN_LABELS),
    ((E,), "0x5427fefa711eff984124bfbb1ab6fbf5e3da1820", "celer", "Celer cBridge V2", ETHERSCAN_LABELS),
    ((E,), "0xc578cbaf5a411dfa9f0d227f97dadaa4074ad062", "celer", "Celer cBridge 2.0", ETHERSCAN_LABELS),
    ((BSC,), "0x5d96d4287d1ff115ee50fac0526cf43ecf79bfc6", "celer", "Celer cBridge 2.0", ETHERSCAN_LABELS),
    ((ARB,), "0x1619de6b6b20ed217a58d00f37b9d47c7663feca", "celer", "Celer cBridge", ETHERSCAN_LABELS),
    ((AVAX,), "0xef3c714c9425a8f3697a9c969dc1af30ba82e5d4", "celer", "Celer cBridge", ETHERSCAN_LABELS),
    ((POL,), "0x88dcdc47d2f83a99cf0000fdf667a468bb958a78", "celer", "Celer cBridge", ETHERSCAN_LABELS),
    ((E, BSC, ARB, POL, AVAX), "0x43de2d77bf8027e25dbd179b491e8d64f38398aa", "debridge", "deBridgeGate",
     ETHERSCAN_LABELS),
    ((E,), "0x72ce9c846789fdb6fc1f34ac4ad25dd9ef7031ef", "arbitrum", "Arbitrum One L1 Gateway Router",
     ETHERSCAN_LABELS),
    ((E,), "0x4dbd4fc535ac27206064b68ffcf827b0a60bab3f", "arbitrum", "Arbitrum Delayed Inbox", ETHERSCAN_LABELS),
    ((E,), "0x99c9fc46f92e8a1c0dec1b1747d010903e884be1", "optimism", "Optimism Gateway", ETHERSCAN_LABELS),
    ((E,), "0xa0c68c638235ee32657e8f720a23cec1bfc77c77", "polygon", "Polygon PoS Bridge", ETHERSCAN_LABELS),
    ((E,), "0x40ec5b33f54e0e8a33a975908c5ba1c14e5bbbdf", "polygon", "Polygon ERC20 Bridge", ETHERSCAN_LABELS),
    ((E,), "0x8484ef722627bf18ca5ae6bcf031c23e6e922b30", "polygon", "Polygon Ether Bridge", ETHERSCAN_LABELS),
    ((E,), "0x8eb8a3b98659cce290402893d0123abb75e3ab28", "avalanche", "Avalanche Bridge", ETHERSCAN_LABELS),
)

KNOWN_BRIDGES: tuple[KnownBridge, ...] = tuple(
    KnownBridge(chain=chain, address=address, protocol=protocol, name=name, source=source)
    for chains, address, protocol, name, source in _ENTRIES
    for chain in chains
)
"""Every built-in bridge contract, one entry per chain."""


class BridgeRegistry:
    """Lookup of bridge contracts by (chain, address): built-ins plus labels of category ``bridge``."""

    def __init__(self, entries: Iterable[KnownBridge] = KNOWN_BRIDGES, labels: Iterable[Label] = ()) -> None:
        self._by_key: dict[tuple[Chain, str], KnownBridge] = {}
        for entry in entries:
            self._by_key[(entry.chain, entry.address.lower())] = entry
        self.add_labels(labels)

    def add_labels(self, labels: Iterable[Label]) -> int:
        """Add bridge labels (other categories are skipped); built-ins win on conflict. Returns how many were added."""
        added = 0
        for label in labels:
            key = (label.chain, label.address.lower() if label.chain.is_evm else label.address)
            if label.category is not Category.BRIDGE or key in self._by_key:
                continue
            protocol = (label.entity or label.label).strip().lower()
            self._by_key[key] = KnownBridge(chain=label.chain, address=key[1], protocol=protocol, name=label.label,
                                            source=label.source)
            added += 1
        return added

    def lookup(self, chain: Chain, address: str | None) -> KnownBridge | None:
        """The bridge at ``address`` on ``chain``, if known."""
        if address is None:
            return None
        return self._by_key.get((chain, address.lower() if chain.is_evm else address))

    def protocols(self) -> set[str]:
        """Every protocol name in the registry."""
        return {entry.protocol for entry in self._by_key.values()}

    def __len__(self) -> int:
        return len(self._by_key)
