"""Scoring a traced case against a sandbox world's ground truth (docs/methodology.md §7.1: M1, M3, M4, M5).

Value is compared in USD at one fixed price per asset (the world's opening prices), so ETH, stETH, BTC and USDT
exits add up. The truth records every layer (a THORChain inbound is an exit "bridged" and its BTC payout goes
on); a bridged exit whose cross-chain pair is in the truth is a pass-through, not a final exit. Exits that
happen only in a later phase are still unspent holdings when the case is traced before that phase. Value paid
out by an instant exchange from its own wallets is not provably the deposited value: the proven trace ends
"dark" at the deposit (the truth records that too), and exits on chains reached only through such payouts are
the inferred layer, scored apart (``inferred_truth_usd``). Likewise value that crossed a mixer pool before its
exit (``via: "mixer"``) is provably "mixed"; where it really went is what demixing infers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tracer.model import Chain

FIXED_USD: Mapping[str, Decimal] = {"ETH": Decimal(2650), "stETH": Decimal(2646), "BTC": Decimal(95500),
                                    "USDT": Decimal(1), "TRX": Decimal("0.24")}
DECIMALS: Mapping[str, int] = {"ETH": 18, "stETH": 18, "BTC": 8, "USDT": 6, "TRX": 6}
# Our endpoint categories that mean the same terminal as the truth's.
SAME_CATEGORY: Mapping[str, str] = {"deposit": "exchange", "coinjoin": "mixer", "sanctioned": "issuer"}


@dataclass
class Evaluation:
    """Scores of one case against the truth."""

    truth_usd: dict[str, Decimal] = field(default_factory=dict)  # status -> USD
    found_usd: dict[str, Decimal] = field(default_factory=dict)
    recall_by_value: float = 0.0  # Σ min(found, truth) / Σ truth over statuses
    exit_address_recall: float = 0.0  # share of truth exit value whose exact address is an endpoint of ours
    cross_chain_found: int = 0
    cross_chain_total: int = 0
    noise_followed: list[str] = field(default_factory=list)
    busy_expanded: list[str] = field(default_factory=list)
    conservation_error: float = 0.0
    inferred_truth_usd: Decimal = Decimal(0)
    inferred_found_usd: Decimal = Decimal(0)
    patterns: dict[str, str] = field(default_factory=dict)  # pattern -> "found/total" against the truth

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"truth_usd": {k: str(v) for k, v in sorted(self.truth_usd.items())},
                "found_usd": {k: str(v) for k, v in sorted(self.found_usd.items())},
                "recall_by_value": round(self.recall_by_value, 6),
                "exit_address_recall": round(self.exit_address_recall, 6),
                "cross_chain": f"{self.cross_chain_found}/{self.cross_chain_total}",
                "noise_followed": self.noise_followed, "busy_expanded": self.busy_expanded,
                "conservation_error": self.conservation_error,
                "inferred_truth_usd": str(self.inferred_truth_usd), "inferred_found_usd": str(self.inferred_found_usd),
                "patterns": dict(sorted(self.patterns.items()))}


def usd_of(asset_key: str, amount: Decimal) -> Decimal:
    """USD at the fixed price of the asset's symbol (whole units in)."""
    return amount * FIXED_USD.get(asset_key.split("@")[0], Decimal(0))


def evaluate(doc: Mapping[str, Any], truth: Mapping[str, Any], phase: int = 1) -> Evaluation:
    """Score an export document against ``truth.json``."""
    ev = Evaluation()
    bridged_pairs = {p["from_tx"] for p in truth["cross_chain"]}
    proven_chains = {p["to_chain"] for p in truth["cross_chain"] if p["kind"] == "bridge"} | {"ethereum"}
    payout_only = {p["to_chain"] for p in truth["cross_chain"] if p["kind"] == "instant_exchange"} - proven_chains
    exit_usd_by_address: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for e in truth["exits"]:
        status = e["status"]
        if status == "bridged" and e.get("tx") in bridged_pairs:
            continue
        if int(e.get("phase", 1)) > phase:
            status = "unspent"
        elif e.get("via") == "mixer":
            status = "mixed"  # the pool broke the link: provably, the value is "mixed" (demixing is inferred)
        symbol = e["asset"].split("@")[0]
        value = usd_of(e["asset"], Decimal(int(e["amount"])).scaleb(-DECIMALS.get(symbol, 18)))
        if e["chain"] in payout_only:
            ev.inferred_truth_usd += value
            continue
        ev.truth_usd[status] = ev.truth_usd.get(status, Decimal(0)) + value
        exit_usd_by_address[(e["chain"], e["address"])] += value
    ours_by_address: set[tuple[str, str]] = set()
    for p in doc["endpoints"]:
        if p.get("inferred"):
            ev.inferred_found_usd += usd_of(p["asset"], Decimal(p["amount"]))
            continue
        if p["reason"] == "fees":
            continue
        value = usd_of(p["asset"], Decimal(p["amount"]))
        ev.found_usd[p["status"]] = ev.found_usd.get(p["status"], Decimal(0)) + value
        ours_by_address.add((p["chain"], p["address"]))
    total = sum(ev.truth_usd.values(), Decimal(0))
    matched = sum((min(v, ev.found_usd.get(k, Decimal(0))) for k, v in ev.truth_usd.items()), Decimal(0))
    ev.recall_by_value = float(matched / total) if total else 0.0
    hit = sum((v for k, v in exit_usd_by_address.items() if k in ours_by_address), Decimal(0))
    all_exits = sum(exit_usd_by_address.values(), Decimal(0))
    ev.exit_address_recall = float(hit / all_exits) if all_exits else 0.0
    links = {(link["from_tx"].lower(), (link["to_tx"] or "").lower()) for link in doc["links"]}
    pairs = [p for p in truth["cross_chain"] if p["kind"] == "bridge"]
    ev.cross_chain_total = len(pairs)
    ev.cross_chain_found = sum((p["from_tx"].lower(), p["to_tx"].lower()) in links for p in pairs)
    noise = {k: set(v) for k, v in truth["noise"].items()} if isinstance(truth["noise"], dict) else \
        {k: set(v) for k, v in truth["noise"]}
    bad_txs = noise.get("dust_txs", set()) | noise.get("poisoning_txs", set())
    bad_addresses = noise.get("poisoning_addresses", set())
    fake = noise.get("fake_token_contracts", set())
    busy = noise.get("busy_addresses", set())
    for t in doc["transfers"]:
        contract = t["asset"].partition("@")[2]
        if t["tx_hash"] in bad_txs or t["to"] in bad_addresses or contract in fake:
            ev.noise_followed.append(t["tx_hash"])
        if f"{t['chain']}:{t['from']}" in busy:
            ev.busy_expanded.append(f"{t['chain']}:{t['from']}")
    ev.conservation_error = float(doc["meta"].get("conservation_error", 0.0))
    ev.patterns = pattern_recall(doc, truth)
    return ev


def pattern_recall(doc: Mapping[str, Any], truth: Mapping[str, Any]) -> dict[str, str]:
    """Per laundering pattern, how many of the truth's instances the trace followed ("found/total")."""
    links = {(lk["kind"], lk["from_tx"].lower(), (lk["to_tx"] or "").lower()) for lk in doc["links"]}
    out: dict[str, str] = {}
    for kind, link_kind in (("bridge", "bridge"), ("refund", "bridge"), ("instant_exchange", "instant_exchange")):
        pairs = [p for p in truth["cross_chain"] if p["kind"] == kind]
        found = sum((link_kind, p["from_tx"].lower(), p["to_tx"].lower()) in links for p in pairs)
        out[f"{kind} pairs"] = f"{found}/{len(pairs)}"
    # A pool makes equal notes of one owner interchangeable: a link is right when it gives a launderer's withdrawal
    # to a launderer's deposit (H3 names the owner, not the note), wrong when either side is someone else's.
    launderer_deposits = {p["deposit_tx"].lower() for p in truth["mixer_pairs"]}
    launderer_withdrawals = {p["withdrawal_tx"].lower() for p in truth["mixer_pairs"]}
    mixer_links = [(lk["from_tx"].lower(), (lk["to_tx"] or "").lower()) for lk in doc["links"]
                   if lk["kind"] == "mixer" and lk["service"] != "coinjoin"]
    linkable = [p for p in truth["mixer_pairs"] if p["linkable_by"]]
    found_w = {w for _d, w in mixer_links}
    out["mixer withdrawals linkable by a heuristic"] = \
        f"{sum(p['withdrawal_tx'].lower() in found_w for p in linkable)}/{len(linkable)}"
    wrong = [(d, w) for d, w in mixer_links if d not in launderer_deposits or w not in launderer_withdrawals]
    out["mixer links that are wrong"] = f"{len(wrong)}/{len(mixer_links)}"
    noise = truth["noise"] if isinstance(truth["noise"], dict) else dict(truth["noise"])
    rounds = set(noise.get("coinjoin_txs", ()))
    seen = {str(e.get("service") or "").removeprefix("coinjoin ") for e in doc["endpoints"] if e["reason"] == "coinjoin"}
    out["coinjoin rounds recognised"] = f"{len(rounds & seen)}/{len(rounds)}"
    consolidations = {h.lower() for h in noise.get("postmix_consolidation_txs", ())}
    postmix = {(lk["to_tx"] or "").lower() for lk in doc["links"] if lk["kind"] == "mixer" and lk["service"] == "coinjoin"}
    out["post-mix consolidations followed"] = f"{len(consolidations & postmix)}/{len(consolidations)}"
    out["post-mix links that are wrong"] = f"{len(postmix - consolidations)}/{len(postmix)}"
    deposits = {e["address"] for e in truth["exits"] if e["category"] == "exchange" and e["chain"] != "tron"}
    ours = {e["address"] for e in doc["endpoints"] if e["reason"] in ("deposit_address", "labelled_service")
            and e["status"] == "cashed_out"}
    reached = {e["address"] for e in doc["endpoints"]}
    out["exchange exits reached"] = f"{len(deposits & ours)}/{len(deposits & reached) or len(deposits)}"
    out["peel chains reported"] = str(len(doc.get("findings", {}).get("peel_chains", [])))
    return out


# ------------------------------------------------------------------------------------ world family (issue 13)
@dataclass(frozen=True)
class Ratio:
    """``hits`` of ``total``; ``value`` is 1.0 for an empty total (nothing to get wrong)."""

    hits: int
    total: int

    @property
    def value(self) -> float:
        """hits / total, 1.0 when total is 0."""
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.hits}/{self.total}"


@dataclass(frozen=True)
class WorldScore:
    """What one traced world says about the engine: every metric of ``scripts/bench_worlds.py``.

    ``conservation`` is per stolen origin: proven endpoints (fees included) minus stolen, in base units (0 when
    exact). ``phantom`` is value the export attributes to origins that were never stolen (an airdrop counted as
    stolen). ``link_precision``/``link_recall`` are per link kind; ``heuristic_precision`` per E4 rule and, for
    mixer links, per heuristic named in the link's facts.
    """

    recall_by_value: float
    conservation: dict[str, int]
    phantom: dict[str, int]
    crossings_linked: Ratio
    missing_crossings: tuple[str, ...]
    link_precision: dict[str, Ratio]
    link_recall: dict[str, Ratio]
    heuristic_precision: dict[str, Ratio]
    deposit_precision: Ratio
    deposit_recall: Ratio
    requests: int
    request_floor: int
    noise_expanded: tuple[str, ...]
    busy_expanded: tuple[str, ...]
    # crossings no public data can single out (truth ``ambiguous_crossings``): reported as an instant-exchange
    # endpoint with its payout unresolved (or linked right), of all of them; ``crossings_linked`` leaves them out
    ambiguous_crossings: Ratio = Ratio(0, 0)

    @property
    def conservation_error(self) -> int:
        """Largest absolute per-origin error (base units), phantom origins included."""
        return max([abs(v) for v in self.conservation.values()] + [abs(v) for v in self.phantom.values()] + [0])


def _tx(value: object) -> str:
    return str(value or "").lower().removeprefix("0x")


def _noise(truth: Mapping[str, Any]) -> dict[str, set[str]]:
    raw = truth["noise"]
    items = raw.items() if isinstance(raw, dict) else raw
    return {k: set(v) for k, v in items}


def conservation_by_origin(doc: Mapping[str, Any], truth: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(origin -> proven endpoints + fees - stolen, phantom origin -> proven amount), base units."""
    stolen = {k: int(v) for k, v in (truth["stolen"].items() if isinstance(truth["stolen"], dict) else truth["stolen"])}
    proven: dict[str, int] = defaultdict(int)
    for e in doc["endpoints"]:
        if e.get("inferred"):
            continue
        for origin, amount in (e.get("origins") or {}).items():
            if not origin.startswith("inferred:"):
                proven[origin] += int(amount)
    errors = {origin: proven.get(origin, 0) - amount for origin, amount in stolen.items()}
    phantom = {origin: amount for origin, amount in proven.items() if origin not in stolen and amount}
    return errors, phantom


def _ambiguous(truth: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(from_tx, to_tx) of the truth's crossings that no public data singles out."""
    return {(_tx(a["from_tx"]), _tx(a["to_tx"])) for a in truth.get("ambiguous_crossings", ())}


def ambiguous_reported(doc: Mapping[str, Any], truth: Mapping[str, Any]) -> Ratio:
    """Ambiguous crossings the export reports honestly: linked to the true payout, or -- with no link from the
    deposit at all -- an instant-exchange endpoint at the deposit's recipient whose payout is ``unresolved``."""
    links = {(_tx(lk["from_tx"]), _tx(lk["to_tx"])) for lk in doc["links"]}
    linked_from = {f for f, _t in links}
    recipient = {_tx(t["tx_hash"]): (t["chain"], t["to"]) for t in doc["transfers"]}
    unresolved = {(e["chain"], e["address"]) for e in doc["endpoints"]
                  if e["reason"] == "unresolved" and e["category"] == "instant_exchange"}
    pairs = _ambiguous(truth)
    hits = sum((f, t) in links or (f not in linked_from and recipient.get(f) in unresolved) for f, t in pairs)
    return Ratio(hits, len(pairs))


def _link_scores(doc: Mapping[str, Any], truth: Mapping[str, Any]) -> tuple[
        Ratio, tuple[str, ...], dict[str, Ratio], dict[str, Ratio], dict[str, Ratio]]:
    ambiguous = _ambiguous(truth)
    pairs = [(p["kind"], _tx(p["from_tx"]), _tx(p["to_tx"])) for p in truth["cross_chain"]]
    links = list(doc["links"])
    linked = {(_tx(lk["from_tx"]), _tx(lk["to_tx"])) for lk in links}
    linkable = [(kind, f, t) for kind, f, t in pairs if (f, t) not in ambiguous]
    missing = tuple(f"{kind}:{f}->{t}" for kind, f, t in linkable if (f, t) not in linked)
    crossings = Ratio(len(linkable) - len(missing), len(linkable))
    noise = _noise(truth)
    launderer_dep = {_tx(p["deposit_tx"]) for p in truth["mixer_pairs"]}
    launderer_wd = {_tx(p["withdrawal_tx"]) for p in truth["mixer_pairs"]}
    linkable_wd = {_tx(p["withdrawal_tx"]) for p in truth["mixer_pairs"] if p["linkable_by"]}
    postmix = {_tx(h) for h in noise.get("postmix_consolidation_txs", set())}
    true_pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for kind, f, t in pairs:
        true_pairs[kind].add((f, t))

    def correct(lk: Mapping[str, Any]) -> tuple[str, bool]:
        kind, f, t = lk["kind"], _tx(lk["from_tx"]), _tx(lk["to_tx"])
        if kind == "mixer" and lk.get("service") == "coinjoin":
            return "coinjoin", t in postmix
        if kind == "mixer":
            return "mixer", f in launderer_dep and t in launderer_wd
        if kind == "bridge":
            return "bridge", (f, t) in true_pairs["bridge"] | true_pairs["refund"]
        return kind, (f, t) in true_pairs.get(kind, set())

    precision: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    heuristic: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    found: dict[str, set[str]] = defaultdict(set)
    for lk in links:
        kind, ok = correct(lk)
        precision[kind][0] += ok
        precision[kind][1] += 1
        if ok:
            found[kind].add(_tx(lk["to_tx"]) if kind in ("mixer", "coinjoin") else f"{_tx(lk['from_tx'])}>{_tx(lk['to_tx'])}")
        if lk.get("evidence") == "E4":
            names = [str(lk.get("rule") or kind)]
            # each linker under the name the export's rules use (a single-linker link is counted once)
            voted = [f"mixers.tornado.{h}" for h in str((lk.get("facts") or {}).get("heuristics") or "").split(",") if h]
            names += [n for n in voted if n not in names]
            for name in names:
                heuristic[name][0] += ok
                heuristic[name][1] += 1
    recall = {kind: Ratio(len({f"{f}>{t}" for f, t in true_pairs[kind] - ambiguous}
                              & found["bridge" if kind == "refund" else kind]),
                          len(true_pairs[kind] - ambiguous)) for kind in ("bridge", "refund", "swap", "instant_exchange")}
    recall["mixer"] = Ratio(len(linkable_wd & found["mixer"]), len(linkable_wd))
    recall["coinjoin"] = Ratio(len(postmix & found["coinjoin"]), len(postmix))
    return (crossings, missing, {k: Ratio(*v) for k, v in precision.items()}, recall,
            {k: Ratio(*v) for k, v in heuristic.items()})


def request_floor(truth: Mapping[str, Any]) -> int:
    """What a tracer that knew the answer would still have to ask: the tip of each chain it reads (to pin the
    case's final block), every launderer address's history at its dialect's minimum, and one indexer lookup per
    bridge crossing. Addresses the tracer must read to *decide* they are not the launderer's (deposit addresses,
    service hubs) are not in the floor, so the ratio also prices the engine's classification reads."""
    launderers = [(chain, address) for chain, address in truth["launderer"]]
    chains = {chain for chain, _ in launderers}
    bridges = sum(1 for p in truth["cross_chain"] if p["kind"] == "bridge")
    return len(chains) + sum(Chain(chain).public_history_requests for chain, _ in launderers) + bridges


def score_world(doc: Mapping[str, Any], truth: Mapping[str, Any], requests: int = 0, phase: int = 1) -> WorldScore:
    """Score one traced world of the family against its truth (see :class:`WorldScore`).

    ``request_floor``: see :func:`request_floor`.
    """
    base = evaluate(doc, truth, phase)
    conservation, phantom = conservation_by_origin(doc, truth)
    crossings, missing, precision, recall, heuristic = _link_scores(doc, truth)
    deposits = {(c, a) for c, a in truth.get("deposit_addresses", ())}
    observable = observable_deposits(truth, phase)
    reached = {(t["chain"], t["to"]) for t in doc["transfers"]}
    detected = {(e["chain"], e["address"]) for e in doc["endpoints"] if e["reason"] == "deposit_address"}
    noise = _noise(truth)
    bad_txs = {_tx(h) for k in ("dust_txs", "poisoning_txs", "airdrop_txs") for h in noise.get(k, set())}
    bad_tokens = noise.get("fake_token_contracts", set()) | noise.get("airdrop_tokens", set())
    expanded = {(t["chain"], t["from"]) for t in doc["transfers"]}
    busy = {tuple(b.split(":", 1)) for b in noise.get("busy_addresses", set())}
    noise_hits = sorted({t["tx_hash"] for t in doc["transfers"]
                         if _tx(t["tx_hash"]) in bad_txs or t["asset"].partition("@")[2] in bad_tokens
                         or t["to"] in noise.get("poisoning_addresses", set())})
    return WorldScore(
        recall_by_value=base.recall_by_value, conservation=conservation, phantom=phantom,
        crossings_linked=crossings, missing_crossings=missing, link_precision=precision, link_recall=recall,
        heuristic_precision=heuristic, deposit_precision=Ratio(len(detected & deposits), len(detected)),
        deposit_recall=Ratio(len(detected & observable & reached), len(observable & reached)), requests=requests,
        request_floor=request_floor(truth), noise_expanded=tuple(noise_hits),
        busy_expanded=tuple(sorted(f"{c}:{a}" for c, a in expanded if (c, a) in busy)),
        ambiguous_crossings=ambiguous_reported(doc, truth),
    )


def observable_deposits(truth: Mapping[str, Any], phase: int) -> set[tuple[str, str]]:
    """The truth's deposit addresses a behavioural detector can recognise when ``phase``'s blocks are visible:
    those the exchange had swept by then. Before its first sweep a deposit address is, on chain, a wallet holding
    value -- exactly what an unspent launderer wallet looks like -- and the trace reports it as unspent there.
    (A truth without sweep records counts every deposit address.)"""
    deposits = {(c, a) for c, a in truth.get("deposit_addresses", ())}
    swept = truth.get("deposit_sweep_phase")
    if not swept:
        return deposits
    return {(c, a) for c, a, p in swept if 0 < int(p) <= phase and (c, a) in deposits}
