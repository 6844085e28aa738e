"""Normalisation of label vocabularies: categories, confidence names, currency codes -> chains.

Every parser maps the source's own words onto :class:`tracer.model.Category` and a 0..1 confidence
here, so the mapping is reviewed in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tracer.labels.taxonomy import VAGUE, categories_in_text, lookup_word
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


# When several words apply, the one that matters most for tracing wins: the launderer's own address (hacker)
# is followed by the engine, a service stops the trace, and "sanctioned" comes after them (a sanctioned mixer
# is still a mixer; the OFAC sets carry the sanction itself as separate labels).
_PRIORITY: tuple[Category, ...] = (
    Category.HACKER, Category.MIXER, Category.COINJOIN, Category.INSTANT_EXCHANGE,
    Category.BRIDGE, Category.EXCHANGE, Category.DEPOSIT, Category.OTC, Category.SANCTIONED, Category.SCAM, Category.DEX,
    Category.GAMBLING, Category.MINING, Category.ISSUER, Category.SERVICE, Category.DEFI, Category.WALLET,
    Category.VICTIM, Category.OTHER,
)
# Exchange names used as Etherscan label-cloud tags (e.g. ["binance"]): they mean "exchange".
_EXCHANGE_TAGS = frozenset({
    "binance", "huobi", "bitfinex", "kucoin", "okx", "okex", "coinbase", "kraken", "gate-io", "bitstamp", "poloniex",
    "bittrex", "gemini", "crypto-com", "bybit", "ftx", "upbit", "bithumb", "hitbtc", "mexc", "bitget",
})


def category_of(words: Iterable[object], name: str | None = None, unknown: Counter[str] | None = None) -> Category:
    """The best category for a set of source words (categories, abuse, tags) and an optional label name.

    Every vocabulary of :mod:`tracer.labels.taxonomy` is read; a word none of them knows is counted in
    ``unknown`` (so an import can list it) instead of silently becoming ``other``. The label text decides
    an instant exchange (its phrase or a known service name) and fills in when the words were vague.
    """
    found: set[Category] = set()
    for raw in words:
        if raw is None or not str(raw).strip():
            continue
        category = lookup_word(raw)
        if category is None and str(raw).strip().lower() in _EXCHANGE_TAGS:
            category = Category.EXCHANGE
        if category is None:
            if unknown is not None:
                unknown[str(raw).strip()] += 1
            continue
        found.add(category)
    found |= categories_in_text(name or "", vague_only=found <= VAGUE)
    return _best(found)


def refine(category: Category, text: str) -> Category:
    """An explicit category corrected by its label text: "eXch (instant exchange)" tagged ``exchange`` is an
    instant exchange; a vague category (``other``, ``service``) takes what the text names."""
    named = categories_in_text(text, vague_only=category in VAGUE)
    if Category.INSTANT_EXCHANGE in named and category in (VAGUE | {Category.EXCHANGE}):
        return Category.INSTANT_EXCHANGE
    if category in VAGUE and named:
        return _best(named | {category})
    return category


def _best(found: set[Category]) -> Category:
    for category in _PRIORITY:
        if category in found:
            return category
    return Category.OTHER


def parse_category(raw: str) -> Category | None:
    """A category given explicitly (CSV column): our value or a word of any known vocabulary; None if unknown."""
    return lookup_word(raw)


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
