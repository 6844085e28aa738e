"""Tables for the flow graph: address nodes by hop layer, the largest flows, the rest aggregated per layer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from tracer.figures.data import (
    ZERO,
    Doc,
    address_labels,
    endpoint_value,
    layer_category,
    origin_scales,
    records,
    transfers,
    valuation,
)
from tracer.figures.groups import edges_into_groups, group_rest

_EVIDENCE_ORDER = ("E1", "E2", "E3", "E4", "E5")
CENT = Decimal("0.01")
MAX_ROWS = 6  # addresses drawn per hop layer (A4 height)
_CHAIN_ORDER = {"ethereum": 0, "bitcoin": 1, "tron": 2}
NODE_COLUMNS = ["key", "chain", "address", "layer", "slot", "role", "category", "label", "value_in"]
EDGE_COLUMNS = ["source", "target", "kind", "service", "value", "transfers", "evidence", "proceeds"]
EXIT_COLUMNS = ["category", "counted", "addresses", "value"]


def _key(chain: str, address: str) -> str:
    return f"{chain}:{address}"


def flow_edges(doc: Doc) -> pd.DataFrame:
    """Every (chain, from, to) flow summed in USD (tainted share), plus one edge per cross-chain link."""
    v = valuation(doc)
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [ZERO, 0, "E1", ZERO])
    by_tx: dict[tuple[str, str], list[Any]] = defaultdict(list)
    # A swap's output leg carries the same stolen value as its input leg: 'proceeds', never new value received.
    payouts = {(lk["to_chain"], lk["to_tx"], lk.get("to_address")) for lk in doc["links"]
               if lk["kind"] == "swap" and lk.get("to_tx")}
    for t in transfers(doc):
        by_tx[(t.chain, t.tx_hash)].append(t)
        if not t.sender or not t.receiver or t.sender == t.receiver or t.taint <= 0:
            continue
        s = sums[(_key(t.chain, t.sender), _key(t.chain, t.receiver))]
        s[0] += v.of(t.asset, t.taint, t.usd)
        s[1] += 1
        s[2] = max(s[2], t.evidence, key=_EVIDENCE_ORDER.index)
        if (t.chain, t.tx_hash, t.receiver) in payouts or (t.chain, t.tx_hash, None) in payouts:
            s[3] += v.of(t.asset, t.taint, t.usd)
    rows = [{"source": a, "target": b, "kind": "transfer", "service": "", "value": x[0], "transfers": x[1],
             "evidence": x[2], "proceeds": x[3]} for (a, b), x in sums.items()]
    for link in doc["links"]:
        if link["from_chain"] == link["to_chain"] or not link.get("to_tx"):
            continue  # swaps and mixer deposits are already drawn as transfers
        entry = [t for t in by_tx[(link["from_chain"], link["from_tx"])] if t.receiver]
        payout = [t for t in by_tx[(link["to_chain"], link["to_tx"])]
                  if t.sender and t.receiver == (link.get("to_address") or t.receiver)]
        if not entry or not payout:
            continue
        value = sum((v.of(t.asset, t.taint, t.usd) for t in payout), ZERO)
        rows.append({"source": _key(entry[0].chain, entry[0].receiver or ""),
                     "target": _key(payout[0].chain, payout[0].sender or ""), "kind": str(link["kind"]),
                     "service": str(link["service"]), "value": value, "transfers": 0, "evidence": str(link["evidence"]),
                     "proceeds": ZERO})
    for r in rows:
        r["value"] = r["value"].quantize(CENT)
        r["proceeds"] = r["proceeds"].quantize(CENT)
    rows.sort(key=lambda r: (-r["value"], r["source"], r["target"]))
    return pd.DataFrame(rows, columns=EDGE_COLUMNS)


def _service_wallets(doc: Doc) -> dict[str, str]:
    """Node key -> service name for the wallets that paid out a link (a DEX pool with no label of its own)."""
    senders: dict[tuple[str, str, str], str] = {}
    for t in doc["transfers"]:
        if t.get("from") and t.get("to"):
            senders.setdefault((t["chain"], t["tx_hash"], t["to"]), t["from"])
    out: dict[str, str] = {}
    for link in doc["links"]:
        sender = senders.get((link["to_chain"], link.get("to_tx") or "", link.get("to_address") or ""))
        if sender:
            out.setdefault(_key(link["to_chain"], sender), str(link["service"]))
    return out


def _layers(keys: list[str], edges: pd.DataFrame, depth: dict[str, int]) -> dict[str, int]:
    """Longest-path layer of each node so every drawn edge points right; edges closing a cycle are ignored."""
    succ: dict[str, list[str]] = defaultdict(list)
    for r in records(edges):
        if r.source != r.target:
            succ[str(r.source)].append(str(r.target))
    order: list[str] = []  # reverse post-order of a DFS = a topological order of the acyclic part
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in sorted(keys, key=lambda k: (depth.get(k, 0), k)):
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack.pop()
            nxt = sorted(set(succ[node]))
            if i < len(nxt):
                stack.append((node, i + 1))
                child = nxt[i]
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                order.append(node)
    layer = {k: depth.get(k, 0) for k in keys}  # the engine's hop depth is a lower bound
    for node in reversed(order):
        for child in succ[node]:
            if (node, child) not in back:
                layer[child] = max(layer[child], layer[node] + 1)
    return layer


def graph_tables(doc: Doc, top: int = 25) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(nodes, drawn edges, aggregated rest) for the flow graph.

    Drawn: the ``top`` largest flows and every cross-chain link. Every other flow is summed by the layer and
    exit category of its target into the third table (columns: group, layer, category, flows, addresses, value),
    drawn as one labelled group per row with its incoming edges (:func:`group_edges`). Network fees are left
    out (they are in the summary as unaccounted).
    """
    nodes, drawn, rest, _edges, _placed = _tables(doc, top)
    return nodes, drawn, rest


def group_edges(doc: Doc, top: int = 25) -> pd.DataFrame:
    """The edges into the '+N' groups: the undrawn flows summed by (source node or group, target group).

    Columns: source (a node key or a group id), target (a group id), value, flows. Every group has at least one.
    """
    return _tables(doc, top)[3]


def exit_totals(doc: Doc, top: int = 25) -> pd.DataFrame:
    """The exits the flow graph draws (as nodes or in '+N' groups), summed per category from their endpoints.

    Columns: category, counted, addresses, value (the case's scale). Proven exits (``counted``) hold exactly the
    export's proven endpoints, valued like summary.csv; the inferred overlay (``inferred exchange``, ...) is listed
    apart and never counted. Network-fee sinks are not drawn (summary.csv has them as unaccounted); an exit the
    graph does not place anywhere is listed as ``not drawn`` so that nothing can vanish.
    """
    placed = _tables(doc, top)[4]
    v, scales = valuation(doc), origin_scales(doc)
    sums: dict[tuple[str, bool], list[Any]] = defaultdict(lambda: [set(), ZERO])
    for e in doc["endpoints"]:
        if e.get("reason") == "fees":
            continue
        key = _key(e["chain"], e["address"])
        counted = not e.get("inferred")
        category = layer_category(e) if key in placed else "not drawn"
        s = sums[(category, counted)]
        s[0].add(key)
        s[1] += endpoint_value(e, v, scales)
    rows = [{"category": c, "counted": counted, "addresses": len(x[0]), "value": x[1].quantize(CENT)}
            for (c, counted), x in sorted(sums.items(), key=lambda kv: (not kv[0][1], -kv[1][1], kv[0][0]))]
    return pd.DataFrame(rows, columns=EXIT_COLUMNS)


def _exit_rank(endpoint: Mapping[str, Any]) -> tuple[bool, bool]:
    """Which endpoint names an address's exit: a real one before the gas it paid, a proven one before the overlay."""
    return endpoint.get("reason") == "fees", bool(endpoint.get("inferred"))


def _tables(doc: Doc, top: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, set[str]]:
    edges = flow_edges(doc)
    labels = address_labels(doc)
    depth = {_key(a["chain"], a["address"]): int(a["depth"]) for a in doc["addresses"]}
    role = {_key(a["chain"], a["address"]): str(a["role"]) for a in doc["addresses"]}
    exits: dict[str, Mapping[str, Any]] = {}
    for e in doc["endpoints"]:
        k = _key(e["chain"], e["address"])
        if k not in exits or _exit_rank(e) < _exit_rank(exits[k]):
            exits[k] = e
    # Pure fee sinks are left out; a wallet that paid gas but also moves funds (the exploiter) stays.
    fees = [k for k, e in exits.items() if e.get("reason") == "fees" and role.get(k, "endpoint") == "endpoint"]
    edges = edges[~edges.target.isin(fees)]
    links = edges[edges.kind != "transfer"]
    flows = edges[edges.kind == "transfer"]
    chosen = _choose(flows, top, depth)
    drawn = pd.concat([flows[chosen], links]).sort_values(["value", "source", "target"],
                                                         ascending=[False, True, True], kind="stable")
    rest = flows[~chosen]
    keys = sorted(set(drawn.source) | set(drawn.target))
    layer = _layers(keys, drawn, depth)
    grouped, member, flow_group = group_rest(rest, layer, depth, exits)
    # A sender of undrawn flows that is neither drawn nor grouped (a post-mix wallet whose inflow is the mixer
    # link, not a transfer) is drawn too, a hop before its groups, so every group edge starts at a node.
    lay_of = dict(zip(grouped.group, grouped.layer, strict=True))
    for r, group in zip(records(rest), flow_group, strict=True):
        source = str(r.source)
        if source not in layer and source not in member:
            layer[source] = max(0, int(lay_of[group]) - 1)
        elif source in layer and source not in keys:
            layer[source] = min(layer[source], max(0, int(lay_of[group]) - 1))
    keys = sorted(set(keys) | {str(r.source) for r in records(rest) if str(r.source) not in member})
    value_in: dict[str, Decimal] = defaultdict(Decimal)
    for r in records(edges):  # swap proceeds continue value the node already held: not counted again
        value_in[str(r.target)] += Decimal(r.value) - Decimal(r.proceeds)
    paying = _service_wallets(doc)
    rows = []
    for key in keys:
        chain, address = key.split(":", 1)
        found = labels.get((chain, address), [])
        endpoint = exits.get(key)
        if endpoint is not None and endpoint.get("reason") == "fees":
            endpoint = None  # the gas a wallet paid does not make it an exit
        category = layer_category(endpoint) if endpoint else (str(found[0]["category"]) if found else "")
        service = (endpoint or {}).get("service") or (found[0]["label"] if found else "") or paying.get(key, "")
        rows.append({"key": key, "chain": chain, "address": address, "layer": layer[key], "slot": 0,
                     "role": role.get(key, "intermediate"), "category": category, "label": str(service or ""),
                     "value_in": value_in[key].quantize(CENT)})
    rows.sort(key=lambda r: (r["layer"], _CHAIN_ORDER.get(r["chain"], 9), -r["value_in"], r["address"]))
    slots: dict[int, int] = defaultdict(int)
    for r in rows:
        r["slot"] = slots[r["layer"]]
        slots[r["layer"]] += 1
    return (pd.DataFrame(rows, columns=NODE_COLUMNS), drawn.reset_index(drop=True), grouped,
            edges_into_groups(rest, set(keys), member, flow_group), set(keys) | set(member))


def _choose(flows: pd.DataFrame, top: int, depth: Mapping[str, int]) -> pd.Series:
    """Mask of the flows to draw: the largest first, at most ``top``, and no hop layer above MAX_ROWS addresses."""
    placed: dict[int, set[str]] = defaultdict(set)
    chosen: list[bool] = []
    count = 0
    for r in records(flows):
        src, dst = str(r.source), str(r.target)
        d_src = depth.get(src, 0)
        d_dst = depth.get(dst, d_src + 1)
        new = [(d, k) for d, k in ((d_src, src), (d_dst, dst)) if k not in placed[d]]
        fits = all(len(placed[d]) + sum(1 for d2, _ in new if d2 == d) <= MAX_ROWS for d, _ in new)
        ok = count < top and fits
        if ok:
            for d, k in new:
                placed[d].add(k)
            count += 1
        chosen.append(ok)
    return pd.Series(chosen, index=flows.index, dtype=bool)
