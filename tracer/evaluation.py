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
