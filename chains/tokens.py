"""Verified token contracts per EVM chain, used to flag look-alike (fake) tokens.

Address poisoning and fake-token scams mint tokens whose symbol copies a well-known one ("USDT") from an
unverified contract, or use a non-ASCII look-alike symbol ("USDТ" with a Cyrillic Т). A tracer must never
follow those. Rule (:func:`is_fake_token`):

* a contract listed here is genuine whatever its symbol says;
* otherwise a symbol that (case-insensitively) equals a well-known symbol is fake;
* otherwise a symbol with non-ASCII characters is fake.

Contracts are the issuers' canonical mainnet deployments (lower-case). Bridged variants that are widely
used (USDC.e on Arbitrum, WETH.e on Avalanche) are listed under their own symbols.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tracer.model import Chain

VERIFIED_TOKENS: Mapping[Chain, Mapping[str, tuple[str, int]]] = MappingProxyType({
    Chain.ETHEREUM: MappingProxyType({
        "0xdac17f958d2ee523a2206206994597c13d831ec7": ("USDT", 6),
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48": ("USDC", 6),
        "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2": ("WETH", 18),
        "0x6b175474e89094c44da98b954eedeac495271d0f": ("DAI", 18),
        "0xae7ab96520de3a18e5e111b5eaab095312d7fe84": ("stETH", 18),
        "0x7f39c581f595b53c5cb19bd0b3f8da6c935e2ca0": ("wstETH", 18),
        "0xd5f7838f5c461feff7fe49ea5ebaf7728bb0adfa": ("mETH", 18),
        "0xe6829d9a7ee3040e1276fa75293bde931859e8fa": ("cmETH", 18),
        "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599": ("WBTC", 8),
        "0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf": ("cbBTC", 8),
    }),
    Chain.BSC: MappingProxyType({
        "0x55d398326f99059ff775485246999027b3197955": ("USDT", 18),
        "0x8ac76a51cc950d9822d68b83fe1ad97b32cd580d": ("USDC", 18),
        "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c": ("WBNB", 18),
        "0x2170ed0880ac9a755fd29b2688956bd959f933f8": ("ETH", 18),
        "0x1af3f329e8be154074d8769d1ffa4ee058b1dbc3": ("DAI", 18),
        "0x7130d2a12b9bcbfae4f2634d864a1ee1ce3ead9c": ("BTCB", 18),
    }),
    Chain.ARBITRUM: MappingProxyType({
        "0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9": ("USDT", 6),
        "0xaf88d065e77c8cc2239327c5edb3a432268e5831": ("USDC", 6),
        "0xff970a61a04b1ca14834a43f5de4533ebddb5cc8": ("USDC.e", 6),
        "0x82af49447d8a07e3bd95bd0d56f35241523fbab1": ("WETH", 18),
        "0xda10009cbd5d07dd0cecc66161fc93d7c9000da1": ("DAI", 18),
        "0x2f2a2543b76a4166549f7aab2e75bef0aefc5b0f": ("WBTC", 8),
    }),
    Chain.BASE: MappingProxyType({
        "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913": ("USDC", 6),
        "0x4200000000000000000000000000000000000006": ("WETH", 18),
        "0x50c5725949a6f0c72e6c4a641f24049a917db0cb": ("DAI", 18),
        "0xcbb7c0000ab88b473b1f5afd9ef808440eed33bf": ("cbBTC", 8),
    }),
    Chain.OPTIMISM: MappingProxyType({
        "0x94b008aa00579c1307b0ef2c499ad98a8ce58e58": ("USDT", 6),
        "0x0b2c639c533813f4aa9d7837caf62653d097ff85": ("USDC", 6),
        "0x4200000000000000000000000000000000000006": ("WETH", 18),
        "0xda10009cbd5d07dd0cecc66161fc93d7c9000da1": ("DAI", 18),
    }),
    Chain.POLYGON: MappingProxyType({
        "0xc2132d05d31c914a87c6611c10748aeb04b58e8f": ("USDT", 6),
        "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359": ("USDC", 6),
        "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619": ("WETH", 18),
        "0x8f3cf7ad23cd3cadbd9735aff958023239c6a063": ("DAI", 18),
        "0x1bfd67037b42cf73acf2047067bd4f2c47d9bfd6": ("WBTC", 8),
    }),
    Chain.AVALANCHE: MappingProxyType({
        "0x9702230a8ea53601f5cd2dc00fdbc13d4df4a8c7": ("USDT", 6),
        "0xb97ef9ef8734c71904d8002f8b6bc66dd9c48a6e": ("USDC", 6),
        "0xb31f66aa3c1e785363f0875a1b74e27b85fd66c7": ("WAVAX", 18),
        "0x49d5c2bdffac6ce2bfdb6640f4f80f226bc10bab": ("WETH.e", 18),
        "0xd586e7f844cea2f87f50152665bcbc2c279d8d70": ("DAI.e", 18),
    }),
})
"""chain -> {contract (lower-case): (symbol, decimals)}."""

WELL_KNOWN_SYMBOLS: frozenset[str] = frozenset(
    {"USDT", "USDC", "WETH", "ETH", "DAI", "STETH", "WSTETH", "METH", "CMETH", "WBTC", "CBBTC", "BTCB", "WBNB",
     "BNB", "WAVAX", "AVAX", "POL", "MATIC", "USDC.E", "WETH.E", "DAI.E", "BTC", "TUSD", "FDUSD", "PYUSD"}
)
"""Upper-cased symbols scammers copy; on a contract not listed above they mark the token fake."""


def verified_token(chain: Chain, contract: str) -> tuple[str, int] | None:
    """(symbol, decimals) of a verified contract on ``chain``, or None."""
    return VERIFIED_TOKENS.get(chain, {}).get(contract.lower())


def is_fake_token(chain: Chain, contract: str, symbol: str) -> bool:
    """True when ``symbol`` imitates a well-known token from a contract that is not the verified one."""
    if verified_token(chain, contract) is not None:
        return False
    cleaned = symbol.strip()
    if cleaned.upper() in WELL_KNOWN_SYMBOLS:
        return True
    return not cleaned.isascii()
