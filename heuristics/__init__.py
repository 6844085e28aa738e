"""Pure heuristics: taint models, swaps, bridges, mixers, CoinJoins, peel chains, clustering.

``HEURISTICS`` maps a dotted rule name (the ``Evidence.rule`` its findings carry, e.g. ``swaps.same_tx``) to
the detector function. It is built on first access (PEP 562 module ``__getattr__``) so that importing one
heuristic module does not import all of them. Third-party heuristics are added from the
``importlib.metadata`` entry-point group ``tracer.heuristics`` (docs/architecture.md §6, datasette's
``DEFAULT_PLUGINS`` idea).
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from heuristics.base import HeuristicRegistry, register

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "tracer.heuristics"

BUILTINS: tuple[tuple[str, str, str], ...] = (
    ("taint.allocate", "heuristics.taint", "allocate"),
    ("swaps.same_tx", "heuristics.swaps", "detect_swap"),
    ("bridges.thorchain.midgard", "heuristics.bridges.thorchain", "resolve_thorchain"),
    ("bridges.thorchain.out_memo", "heuristics.bridges.thorchain", "detect_thorchain_outbound"),
    ("bridges.generic.amount_time", "heuristics.bridges.generic", "match_bridge_out"),
    ("instant.amount_time", "heuristics.instant", "match_instant_payouts"),
    ("deposit.forwarding", "heuristics.deposit", "detect_deposit_address"),
    ("peel.chain", "heuristics.peel", "detect_peel_chain"),
    ("mixers.coinjoin", "heuristics.mixers.coinjoin", "detect_coinjoin"),
    ("mixers.tornado", "heuristics.mixers.tornado", "link_withdrawals"),
    ("mixers.postmix", "heuristics.mixers.postmix", "follow_postmix"),
    ("clustering.cioh", "heuristics.clustering.cioh", "cluster_cioh"),
    ("clustering.change", "heuristics.clustering.change", "detect_change"),
)
"""Built-in heuristics as (rule-family name, module, function)."""

_registry: HeuristicRegistry | None = None


def build_registry(*, plugins: bool = True) -> HeuristicRegistry:
    """Import every built-in (and, with ``plugins``, every entry-point heuristic) into a fresh registry.

    May raise: ImportError/AttributeError when a built-in is missing (a programming error); ValueError on a
    duplicate name.
    """
    registry: HeuristicRegistry = {}
    for name, module, attr in BUILTINS:
        register(registry, name, getattr(importlib.import_module(module), attr))
    if plugins:
        for point in entry_points(group=ENTRY_POINT_GROUP):
            register(registry, point.name, point.load())
            logger.info("loaded heuristic plugin %s from %s", point.name, point.value)
    return registry


def __getattr__(name: str) -> HeuristicRegistry:
    global _registry
    if name == "HEURISTICS":
        if _registry is None:
            _registry = build_registry()
        return _registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
