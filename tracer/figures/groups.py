"""The '+N' groups of the flow graph: undrawn flows summed by hop layer and exit category, and their edges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from tracer.figures.data import INFERRED_CATEGORY, ZERO, layer_category, records

CENT = Decimal("0.01")
MAX_GROUPS = 4  # groups of undrawn flows per hop layer


def group_id(lay: int, category: str) -> str:
    """The key of a '+N' group node (never a chain:address key: it has no colon-free chain prefix)."""
    return f"group@{lay}:{category}"


def group_rest(rest: pd.DataFrame, layer: Mapping[str, int], depth: Mapping[str, int],
                exits: Mapping[str, Mapping[str, Any]]) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """The undrawn flows summed by (layer, exit category); per layer the MAX_GROUPS - 1 largest, then 'other'.

    Also returns each grouped address's group (its first layer's) and each undrawn flow's group, in order.
    """
    agg: dict[tuple[int, str], list[Any]] = defaultdict(lambda: [0, set(), ZERO])
    placed: list[tuple[int, str, str]] = []  # (layer, category, target) of each undrawn flow, in order
    for r in records(rest):
        target = str(r.target)
        src_layer = layer.get(str(r.source), depth.get(str(r.source), 0))
        where = max(layer.get(target, depth.get(target, 0)), src_layer + 1)
        exit_ = exits.get(target)
        # an inferred exit is grouped apart ('inferred exchange'): the overlay never joins a proven exit's group
        category = layer_category(exit_) if exit_ and exit_.get("reason") != "fees" else "intermediate"
        placed.append((where, category, target))
        a = agg[(where, category)]
        a[0] += 1
        a[1].add(target)
        a[2] += Decimal(r.value)
    merged: dict[tuple[int, str], list[Any]] = {}
    renamed: dict[tuple[int, str], str] = {}
    for lay in sorted({k[0] for k in agg}):
        groups = sorted(((k[1], v) for k, v in agg.items() if k[0] == lay), key=lambda kv: (-kv[1][2], kv[0]))
        for category, v in groups:
            name = _group_name(category, [c for c, _v in groups])
            renamed[(lay, category)] = group_id(lay, name)
            m = merged.setdefault((lay, name), [0, set(), ZERO])
            m[0] += v[0]
            m[1] |= v[1]
            m[2] += v[2]
    flow_group = [renamed[(lay, category)] for lay, category, _target in placed]
    member: dict[str, str] = {}
    for (_lay, _category, target), group in sorted(zip(placed, flow_group, strict=True)):
        member.setdefault(target, group)  # an address reached at two layers sends from the first one's group
    rest_rows = [{"group": group_id(*k), "layer": k[0], "category": k[1], "flows": v[0], "addresses": len(v[1]),
                  "value": v[2].quantize(CENT)} for k, v in sorted(merged.items())]
    table = pd.DataFrame(rest_rows, columns=["group", "layer", "category", "flows", "addresses", "value"])
    return table, member, flow_group


def _group_name(category: str, layer_categories: list[str]) -> str:
    """The group a layer's category joins: its own while the layer has room, else 'intermediate' ('other').

    The inferred layer never shares a group with proven flows: with too many categories its exits join one
    overlay group (``inferred other``) and the proven ones share the remaining places.
    """
    if len(layer_categories) <= MAX_GROUPS:
        return category
    overlay = [c for c in layer_categories if c.startswith(INFERRED_CATEGORY)]
    if category in overlay:
        return category if len(overlay) == 1 else f"{INFERRED_CATEGORY}other"
    proven = [c for c in layer_categories if c not in overlay]
    room = MAX_GROUPS - (1 if overlay else 0)
    return category if len(proven) <= room or proven.index(category) < room - 1 else "intermediate"


def edges_into_groups(rest: pd.DataFrame, drawn: set[str], member: Mapping[str, str],
                       flow_group: list[str]) -> pd.DataFrame:
    """Undrawn flows summed by (source, target group); a source that is itself grouped is its group."""
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [ZERO, 0])
    for r, group in zip(records(rest), flow_group, strict=True):
        source = str(r.source)
        origin = source if source in drawn else member.get(source, source)
        s = sums[(origin, group)]
        s[0] += Decimal(r.value)
        s[1] += 1
    rows = [{"source": a, "target": b, "value": v[0].quantize(CENT), "flows": v[1]}
            for (a, b), v in sorted(sums.items())]
    return pd.DataFrame(rows, columns=["source", "target", "value", "flows"])
