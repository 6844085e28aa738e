"""Category vocabularies of the label sources we read, mapped onto :class:`tracer.model.Category`.

* the INTERPOL Darknet and Cryptocurrencies Working Group taxonomy as GraphSense publishes it
  (graphsense-tagpack-tool ``src/tagpack/db/concepts.yaml`` 0.1.0 and ``abuses.yaml`` 0.2.1): every concept id;
* Etherscan label-cloud tags (``exchange``, ``bridge``, ``tornado-cash``, ``phish-hack``, ...);
* the words analysts write in their own CSV files ("Centralized Exchange", "Cross-chain bridge", "Tumbler").

Words are compared after :func:`word_key` (lower case, spaces and hyphens as underscores), so "Mixing Service",
"mixing-service" and "mixing_service" are one word. A word that maps to ``OTHER`` on purpose (``user``,
``organization``) is recognised; an import lists only the words found in none of these tables.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from tracer.model import Category

C = Category

# INTERPOL DW-VA / GraphSense concepts (concepts.yaml) and abuses (abuses.yaml): every id.
DWVA_CONCEPTS: MappingProxyType[str, Category] = MappingProxyType({
    # top concepts and sources: say nothing about what the address does
    "concept": C.OTHER, "behaviour": C.OTHER, "source": C.OTHER, "mention": C.OTHER, "forum_mention": C.OTHER,
    "website_mention": C.OTHER, "entity": C.OTHER, "organization": C.OTHER, "user": C.OTHER, "item": C.OTHER,
    "collectible": C.OTHER, "donation": C.OTHER, "white_usage": C.OTHER, "gray_usage": C.OTHER,
    "cold_wallet": C.WALLET, "hot_wallet": C.WALLET, "warm_wallet": C.WALLET,
    # abuse
    "abuse": C.SCAM, "scam": C.SCAM, "sexual_abuse": C.SCAM, "child_sexual_abuse": C.SCAM, "violence": C.SCAM,
    "torture": C.SCAM, "financial_crime": C.SCAM, "investment_fraud": C.SCAM, "ponzi_scheme": C.SCAM,
    "pyramid_scheme": C.SCAM, "money_laundering": C.SCAM, "extortion": C.SCAM, "sextortion": C.SCAM,
    "phishing": C.SCAM, "service_hack": C.HACKER, "payment_card_fraud": C.SCAM, "ransomware": C.SCAM,
    "sanction": C.SANCTIONED, "extremism": C.SANCTIONED, "terrorism": C.SANCTIONED, "dark_web": C.SERVICE,
    "perpetrator": C.HACKER, "victim": C.VICTIM,
    # services
    "service": C.SERVICE, "exchange": C.EXCHANGE, "wallet_service": C.WALLET, "escrow_wallet": C.WALLET,
    "ico_wallet": C.WALLET, "filesharing": C.SERVICE, "index": C.SERVICE, "market": C.EXCHANGE,
    "messaging_service": C.SERVICE, "mixing_service": C.MIXER, "mixing": C.MIXER, "coinjoin": C.COINJOIN,
    "miner": C.MINING, "mining_service": C.MINING, "gambling": C.GAMBLING, "search_engine": C.SERVICE,
    "shop": C.SERVICE, "faucet": C.SERVICE, "payment_processor": C.SERVICE, "atm": C.EXCHANGE,
    "hosting": C.SERVICE, "vpn": C.SERVICE, "defi": C.DEFI, "defi_lending": C.DEFI, "defi_dex": C.DEX,
    "defi_derivative": C.DEFI, "defi_derivatives": C.DEFI, "defi_bridge": C.BRIDGE,
})

# Etherscan label-cloud tags and other scanner words.
ETHERSCAN_TAGS: MappingProxyType[str, Category] = MappingProxyType({
    "exchanges": C.EXCHANGE, "exchange_deposit": C.DEPOSIT, "deposit": C.DEPOSIT, "deposit_address": C.DEPOSIT,
    "bridge": C.BRIDGE, "bridges": C.BRIDGE, "multichain": C.BRIDGE, "wormhole": C.BRIDGE, "synapse": C.BRIDGE,
    "across": C.BRIDGE, "hop_protocol": C.BRIDGE, "layer_2": C.BRIDGE, "anyswap": C.BRIDGE, "thorchain": C.BRIDGE,
    "stargate": C.BRIDGE, "cross_chain": C.BRIDGE, "bridged_token": C.OTHER,
    "mixer": C.MIXER, "tornado_cash": C.MIXER, "ethereum_mixer": C.MIXER, "tornado": C.MIXER, "privacy": C.MIXER,
    "instant_exchange": C.INSTANT_EXCHANGE, "changenow": C.INSTANT_EXCHANGE,
    "dex": C.DEX, "0x_protocol": C.DEX, "uniswap": C.DEX, "curve_fi": C.DEX, "1inch": C.DEX, "dex_aggregator": C.DEX,
    "otc": C.OTC,
    "ofac_sanctions_lists": C.SANCTIONED, "ofac": C.SANCTIONED, "sanctioned": C.SANCTIONED, "blocked": C.SANCTIONED,
    "hacker": C.HACKER, "heist": C.HACKER, "exploit": C.HACKER, "hack": C.HACKER, "exploiter": C.HACKER,
    "lazarus": C.HACKER, "phish_hack": C.SCAM, "fake_phishing": C.SCAM, "black_list": C.OTHER, "spam": C.SCAM,
    "token_contract": C.ISSUER, "stablecoin": C.ISSUER, "issuer": C.ISSUER,
    "wallet": C.WALLET, "ico_wallets": C.WALLET, "mining": C.MINING,
    "lending": C.DEFI, "staking": C.DEFI, "liquid_staking": C.DEFI, "yield_farming": C.DEFI,
    "other": C.OTHER, "unknown": C.OTHER, "contract_deployer": C.OTHER,
})

# Free wording of analysts' CSV files and vendor exports.
CSV_WORDS: MappingProxyType[str, Category] = MappingProxyType({
    "cex": C.EXCHANGE, "centralized_exchange": C.EXCHANGE, "centralised_exchange": C.EXCHANGE,
    "crypto_exchange": C.EXCHANGE, "exchange_hot_wallet": C.EXCHANGE, "exchange_wallet": C.EXCHANGE, "vasp": C.EXCHANGE,
    "exchange_deposit_address": C.DEPOSIT, "deposit_wallet": C.DEPOSIT,
    "cross_chain_bridge": C.BRIDGE, "bridge_contract": C.BRIDGE, "bridge_router": C.BRIDGE, "bridge_vault": C.BRIDGE,
    "tumbler": C.MIXER, "mixer_pool": C.MIXER, "privacy_pool": C.MIXER, "coin_mixer": C.MIXER,
    "coinjoin_coordinator": C.COINJOIN,
    "instant_swap": C.INSTANT_EXCHANGE, "swap_service": C.INSTANT_EXCHANGE, "no_kyc_exchange": C.INSTANT_EXCHANGE,
    "nokyc_exchange": C.INSTANT_EXCHANGE, "non_custodial_exchange": C.INSTANT_EXCHANGE,
    "swapper": C.INSTANT_EXCHANGE, "instant_exchanger": C.INSTANT_EXCHANGE,
    "decentralized_exchange": C.DEX, "decentralised_exchange": C.DEX, "dex_router": C.DEX, "amm": C.DEX,
    "otc_desk": C.OTC, "otc_broker": C.OTC, "broker": C.OTC,
    "sanctions": C.SANCTIONED, "sdn": C.SANCTIONED,
    "hacker_wallet": C.HACKER, "attacker": C.HACKER, "thief": C.HACKER, "stolen_funds": C.HACKER,
    "drainer": C.SCAM, "fraud": C.SCAM,
    "casino": C.GAMBLING, "mining_pool": C.MINING, "pool_operator": C.MINING,
    "custodian": C.WALLET, "custodial_wallet": C.WALLET, "personal_wallet": C.WALLET,
    "payment_service": C.SERVICE, "merchant": C.SERVICE,
    "stablecoin_issuer": C.ISSUER, "token_issuer": C.ISSUER,
})

KNOWN_INSTANT_EXCHANGES: tuple[str, ...] = (
    "exch", "fixedfloat", "fixed float", "ff.io", "sideshift", "changenow", "simpleswap", "exolix", "stealthex",
    "changelly", "godex", "letsexchange", "swapzone", "majestic bank", "trocador", "wizardswap", "quickex",
    "changehero", "swapspace", "coinswitch", "flyp.me", "sageswap", "swapuz", "pegasusswap", "alfacash",
)
"""Custodial instant swappers (no or light KYC): a label naming one is an instant exchange whatever its category."""

# Phrases in label text that name the kind of service ("Foo: instant exchange", "Bar Deposit Address"). The
# instant-exchange ones decide whatever the category says (an instant swapper is often tagged just "exchange");
# the others only fill in when the category words said nothing specific (a service labelled only by its text).
DECIDING_PHRASES: tuple[str, ...] = ("instant exchange", "instant swap", "no-kyc exchange", "no kyc exchange",
                                     "swap service")
FILLING_PHRASES: tuple[tuple[str, Category], ...] = (
    ("deposit address", C.DEPOSIT), ("mixer", C.MIXER), ("tumbler", C.MIXER), ("mixing service", C.MIXER),
    ("bridge", C.BRIDGE), ("otc desk", C.OTC), ("otc broker", C.OTC), ("exchange", C.EXCHANGE),
    ("dex", C.DEX),
)
HACKER_WORDS: tuple[str, ...] = ("exploiter", "hacker")  # the launderer's own wallets: followed, whatever else
VAGUE: frozenset[Category] = frozenset({C.OTHER, C.SERVICE, C.WALLET, C.DEFI})
"""Categories that say too little to stop a phrase in the label text from deciding."""

_SEPARATORS = re.compile(r"[\s\-/.]+")


def word_key(raw: object) -> str:
    """The comparison form of a category word: lower case, runs of spaces/hyphens/slashes/dots as one ``_``."""
    return _SEPARATORS.sub("_", str(raw).strip().lower()).strip("_")


def lookup_word(raw: object) -> Category | None:
    """The category a single source word means, or None when no vocabulary knows it."""
    key = word_key(raw)
    if not key:
        return None
    for table in (DWVA_CONCEPTS, ETHERSCAN_TAGS, CSV_WORDS):
        if key in table:
            return table[key]
    try:
        return Category(key)
    except ValueError:
        return None


def _words_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words (compiled once: label files have 100k rows)."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


_INSTANT_NAMES = _words_pattern(KNOWN_INSTANT_EXCHANGES)
_DECIDING = _words_pattern(DECIDING_PHRASES)
_FILLING = {category: _words_pattern(tuple(p for p, c in FILLING_PHRASES if c is category))
            for category in {c for _, c in FILLING_PHRASES}}


def instant_exchange_named(text: str) -> bool:
    """True when label text names a known instant-exchange service (word-bounded: "eXch", not "exchange")."""
    return _INSTANT_NAMES.search(text.lower()) is not None


def categories_in_text(text: str, vague_only: bool) -> set[Category]:
    """Categories label text names: an instant-exchange phrase or known service always; with ``vague_only``
    (the category words were vague or absent) also deposit address, mixer, bridge, OTC, exchange, DEX."""
    if not text:
        return set()
    lowered = text.lower()
    found: set[Category] = set()
    if _INSTANT_NAMES.search(lowered) or _DECIDING.search(lowered):
        found.add(C.INSTANT_EXCHANGE)
    if any(word in lowered for word in HACKER_WORDS):
        found.add(C.HACKER)
    if vague_only:
        found |= {category for category, pattern in _FILLING.items() if pattern.search(lowered)}
    return found - {C.OTHER}
