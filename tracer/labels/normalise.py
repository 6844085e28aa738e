"""Normalisation of label vocabularies: categories, confidence names, currency codes -> chains.

Every parser maps the source's own words onto :class:`tracer.model.Category` and a 0..1 confidence
here, so the mapping is reviewed in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracer.model import Category, Chain, LabelConfidence

CONFIDENCE_NAMES: dict[str, float] = {name.lower(): member.value / 100 for name, member in LabelConfidence.__members__.items()}
"""TagPack confidence name -> 0..1 (``authority_data`` -> 0.6, ``ledger_immanent`` -> 1.0)."""


def confidence_value(raw: object) -> float | None:
    """A TagPack confidence name, or a number in 0..1 (or 0..100), as 0..1; None when unrecognised."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().lower()
        if text in CONFIDENCE_NAMES:
            return CONFIDENCE_NAMES[text]
        try:
            value = float(text)
        except ValueError:
            return None
    if 1.0 < value <= 100.0:
        value /= 100.0
    return value if 0.0 <= value <= 1.0 else None


# Source words (TagPack categories, Etherscan label-cloud tags, CSV free text) -> our categories.
_CATEGORY_WORDS: dict[str, Category] = {
    "exchange": Category.EXCHANGE, "exchanges": Category.EXCHANGE, "market": Category.EXCHANGE,
    "deposit": Category.DEPOSIT, "exchange_deposit": Category.DEPOSIT,
    "bridge": Category.BRIDGE, "bridges": Category.BRIDGE, "multichain": Category.BRIDGE, "wormhole": Category.BRIDGE,
    "synapse": Category.BRIDGE, "across": Category.BRIDGE, "hop-protocol": Category.BRIDGE,
    "bridged-token": Category.OTHER, "layer-2": Category.BRIDGE, "anyswap": Category.BRIDGE,
    "mixer": Category.MIXER, "mixing_service": Category.MIXER, "mixing": Category.MIXER, "tornado-cash": Category.MIXER,
    "ethereum-mixer": Category.MIXER, "tornado": Category.MIXER,
    "coinjoin": Category.COINJOIN,
    "instant_exchange": Category.INSTANT_EXCHANGE, "changenow": Category.INSTANT_EXCHANGE,
    "dex": Category.DEX, "defi_dex": Category.DEX, "0x-protocol": Category.DEX,
    "otc": Category.OTC,
    "sanctioned": Category.SANCTIONED, "sanction": Category.SANCTIONED, "ofac-sanctions-lists": Category.SANCTIONED,
    "ofac": Category.SANCTIONED,
    "hacker": Category.HACKER, "heist": Category.HACKER, "exploit": Category.HACKER, "service_hack": Category.HACKER,
    "hack": Category.HACKER, "exploiter": Category.HACKER,
    "victim": Category.VICTIM,
    "service": Category.SERVICE, "payment_processor": Category.SERVICE,
    "scam": Category.SCAM, "phish-hack": Category.SCAM, "phishing": Category.SCAM, "fake_phishing": Category.SCAM,
    "ponzi_scheme": Category.SCAM, "ransomware": Category.SCAM, "black_list": Category.OTHER,
    "defi": Category.DEFI, "defi_lending": Category.DEFI,
    "issuer": Category.ISSUER, "token-contract": Category.ISSUER,
    "gambling": Category.GAMBLING, "miner": Category.MINING, "mining": Category.MINING, "mining_service": Category.MINING,
    "wallet_service": Category.WALLET, "wallet": Category.WALLET, "ico-wallets": Category.WALLET,
    "user": Category.OTHER, "other": Category.OTHER, "unknown": Category.OTHER,
}

# Exchange names used as Etherscan label-cloud tags (e.g. ["binance"]): they mean "exchange".
_EXCHANGE_TAGS = frozenset({
    "binance", "huobi", "bitfinex", "kucoin", "okx", "okex", "coinbase", "kraken", "gate-io", "bitstamp", "poloniex",
    "bittrex", "gemini", "crypto-com", "bybit", "ftx", "upbit", "bithumb", "hitbtc", "mexc", "bitget",
})
_INSTANT_EXCHANGE_NAMES = ("fixedfloat", "changenow", "sideshift", "simpleswap", "exch.", "exolix", "stealthex")

# When several words apply, the one that matters most for tracing wins: the launderer's own address (hacker)
# is followed by the engine, a service stops the trace, and "sanctioned" comes after them (a sanctioned mixer
# is still a mixer; the OFAC sets carry the sanction itself as separate labels).
_PRIORITY: tuple[Category, ...] = (
    Category.HACKER, Category.MIXER, Category.COINJOIN, Category.INSTANT_EXCHANGE,
    Category.BRIDGE, Category.EXCHANGE, Category.DEPOSIT, Category.OTC, Category.SANCTIONED, Category.SCAM, Category.DEX,
    Category.GAMBLING, Category.MINING, Category.ISSUER, Category.SERVICE, Category.DEFI, Category.WALLET,
    Category.VICTIM, Category.OTHER,
)


def category_of(words: Iterable[object], name: str | None = None) -> Category:
    """The best category for a set of source words (categories, abuse, tags) and an optional label name."""
    found: set[Category] = set()
    for raw in words:
        if raw is None:
            continue
        word = str(raw).strip().lower()
        if word in _CATEGORY_WORDS:
            found.add(_CATEGORY_WORDS[word])
        elif word in _EXCHANGE_TAGS:
            found.add(Category.EXCHANGE)
        else:
            try:
                found.add(Category(word))
            except ValueError:
                pass
    lowered = (name or "").lower()
    if any(key in lowered for key in _INSTANT_EXCHANGE_NAMES):
        found.add(Category.INSTANT_EXCHANGE)
    if "exploiter" in lowered or "hacker" in lowered:
        found.add(Category.HACKER)
    for category in _PRIORITY:
        if category in found:
            return category
    return Category.OTHER


def parse_category(raw: str) -> Category | None:
    """A category given explicitly (CSV column): our value or a known source word; None if unknown."""
    word = raw.strip().lower()
    try:
        return Category(word)
    except ValueError:
        return _CATEGORY_WORDS.get(word)


# Currency / asset codes -> chain. A None value means "address shape decides" (USDT/USDC exist on several chains).
_CURRENCY_CHAINS: dict[str, Chain | None] = {
    "XBT": Chain.BITCOIN, "BTC": Chain.BITCOIN, "ETH": Chain.ETHEREUM, "TRX": Chain.TRON, "BSC": Chain.BSC,
    "BNB": Chain.BSC, "BEP20": Chain.BSC, "ARB": Chain.ARBITRUM, "MATIC": Chain.POLYGON, "POL": Chain.POLYGON,
    "AVAX": Chain.AVALANCHE, "OP": Chain.OPTIMISM, "BASE": Chain.BASE, "USDT": None, "USDC": None,
}
UNMODELLED_ASSETS = frozenset({
    "LTC", "XMR", "ZEC", "DASH", "BCH", "BSV", "BTG", "XRP", "XVG", "ETC", "SOL", "DOGE",
})


def chain_of_currency(code: str, address: str) -> Chain | None:
    """The chain an asset code means for this address, or None for an asset we do not model.

    USDT/USDC follow the address shape (``0x`` -> Ethereum, ``T...`` -> TRON); other shapes (Omni, Solana)
    are not modelled. AVAX is only the C-chain (``0x``); X-chain addresses are not modelled.
    """
    key = code.strip().upper()
    if key not in _CURRENCY_CHAINS:
        return None
    chain = _CURRENCY_CHAINS[key]
    text = address.strip()
    if chain is None:
        if text[:2].lower() == "0x":
            return Chain.ETHEREUM
        if text[:1] in ("T", "t"):
            return Chain.TRON
        return None
    if chain.is_evm and text[:2].lower() != "0x":
        return None
    return chain
