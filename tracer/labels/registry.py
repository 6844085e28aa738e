"""Built-in protocol labels: bridge routers and vault contracts, mixer pools, DEX routers (public contract facts).

They are labels like any other (so a trace on an empty store still stops at a bridge or a pool), but an imported
label never outranks them with a weaker category: a TagPack that files the THORChain router under ``defi_bridge``
or ``other`` must not turn it into a wallet to expand (see :func:`order_with_registry`).
"""

from __future__ import annotations

from collections.abc import Sequence

from heuristics.bridges.registry import KNOWN_BRIDGES
from heuristics.mixers.pools import POOLS
from tracer.model import Category, Chain, Label, LabelConfidence

REGISTRY_PREFIX = "registry:"
_CONFIDENCE = LabelConfidence.FORENSIC / 100

# DEX routers and pools whose mainnet addresses are public facts (protocol docs and deployments).
_DEX_ROUTERS: tuple[tuple[str, str, str], ...] = (
    ("0x7a250d5630b4cf539739df2c5dacb4c659f2488d", "Uniswap V2: Router 2", "uniswap"),
    ("0xe592427a0aece92de3edee1f18e0157c05861564", "Uniswap V3: Router", "uniswap"),
    ("0x68b3465833fb72a70ecdf485e0e4c7bd8665fc45", "Uniswap V3: Router 2", "uniswap"),
    ("0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad", "Uniswap: Universal Router", "uniswap"),
    ("0x1111111254eeb25477b68fb85ed929f73a960582", "1inch v5: Aggregation Router", "1inch"),
    ("0xdef1c0ded9bec7f1a1670819833240f027b25eff", "0x: Exchange Proxy", "0x"),
    ("0xdc24316b9ae028f1497c275eb9192a3ea0f67022", "Curve.fi: stETH/ETH Pool", "curve"),
)


def is_registry(label: Label) -> bool:
    """True for a built-in protocol label (not imported)."""
    return label.source.startswith(REGISTRY_PREFIX)


def protocol_labels() -> list[Label]:
    """Every built-in protocol contract as a label: bridges, Tornado-style pools, DEX routers."""
    labels = [Label(b.chain, b.address, b.name, Category.BRIDGE, f"{REGISTRY_PREFIX}{b.source}", _CONFIDENCE,
                    entity=b.protocol) for b in KNOWN_BRIDGES]
    labels += [Label(pool.chain, pool.address, f"Tornado Cash: {pool.name}", Category.MIXER,
                     f"{REGISTRY_PREFIX}tutela pool table", _CONFIDENCE, entity="Tornado Cash")
               for pool in POOLS.values()]
    labels += [Label(Chain.ETHEREUM, address, name, Category.DEX, f"{REGISTRY_PREFIX}protocol deployments",
                     _CONFIDENCE, entity=entity) for address, name, entity in _DEX_ROUTERS]
    return labels


def order_with_registry(labels: Sequence[Label]) -> list[Label]:
    """Best first: by confidence, except that a registry label goes before every imported label that gives the
    address another category (an imported label of the same category and higher confidence keeps its place, so
    its richer name is still shown)."""
    ranked = sorted(labels, key=lambda lab: -lab.confidence)
    builtins = [lab for lab in ranked if is_registry(lab)]
    if not builtins:
        return ranked
    floor = {lab.category: lab.confidence for lab in reversed(builtins)}  # best registry confidence per category
    head = [lab for lab in ranked if not is_registry(lab) and lab.confidence >= floor.get(lab.category, 2.0)]
    rest = [lab for lab in ranked if not is_registry(lab) and lab not in head]
    return head + builtins + rest


def decision(labels: Sequence[Label]) -> tuple[Label, str] | None:
    """Which label decides an address's category, and why (for ``tracer labels show``)."""
    ordered = order_with_registry(labels)
    if not ordered:
        return None
    best = ordered[0]
    if is_registry(best):
        others = {lab.category.value for lab in ordered[1:] if lab.category is not best.category}
        why = "built-in protocol registry" + (
            f" outranks imported {', '.join(sorted(others))}" if others else "")
    elif any(is_registry(lab) for lab in ordered):
        why = f"same category as the built-in registry entry, higher confidence {best.confidence:.2f}"
    elif len(ordered) == 1:
        why = "only label"
    else:
        why = f"highest confidence {best.confidence:.2f} of {len(ordered)} labels"
    return best, why
