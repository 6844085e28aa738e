"""Post-mix following: CoinJoin outputs later co-spent together or with known launderer UTXOs (methodology §3.2).

A CoinJoin breaks common-input ownership *inside* the round, but when two or more of its outputs (or an output
and a coin already attributed to the launderer) are later spent together in an ordinary transaction, CIOH applies
to that spending transaction and re-links the coins (Meiklejohn et al. 2013 heuristic 1 applied post-mix; the
consolidation failure mode measured by Gavenda/Svenda et al., arXiv:2510.17284, and Stockinger et al.,
arXiv:2109.10229). Spends that are themselves CoinJoins (remixes) never link.

Scoring [D]: with n = number of linked coins in the spend (post-mix outputs + known launderer UTXOs) and
s = share of the spend's input value that comes from tainted coins (launderer UTXOs, outputs of tainted rounds),
``confidence = (1 - POSTMIX_MISS ** (n - 1)) * (0.5 + 0.5 * s)``, capped at :data:`POSTMIX_MAX_CONFIDENCE`.
Evidence is E4, or E5 when only Wasabi 2 outputs are involved (the methodology treats Wasabi 2 attribution as
speculative).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from heuristics.base import Finding, make_evidence
from heuristics.mixers.coinjoin import CoinJoinKind, CoinJoinResult, detect_coinjoin
from tracer.model import ChainTx, EvidenceClass

POSTMIX_MISS = 0.5
"""Chance that two co-spent post-mix coins are NOT one owner's; each extra co-spent coin halves it again."""
POSTMIX_MAX_CONFIDENCE = 0.9
"""CIOH after a mix can still be fooled (PayJoin, custodial wallets spending many users' coins)."""

Outpoint = tuple[str, int]


@dataclass(frozen=True, slots=True)
class PostMixLink(Finding):
    """A spend that re-links CoinJoin outputs (and possibly known launderer coins) by co-spending them."""

    spend_tx: str = field(kw_only=True)
    postmix_inputs: tuple[Outpoint, ...] = field(kw_only=True)  # (coinjoin txid, vout) spent here
    launderer_inputs: tuple[Outpoint, ...] = field(kw_only=True)  # known launderer UTXOs spent here
    rounds: tuple[str, ...] = field(kw_only=True)  # distinct CoinJoin txids involved
    tainted_share: float = field(kw_only=True)  # 0..1 of the spend's input value


def follow_postmix(
    coinjoin_txs: Iterable[ChainTx],
    candidate_spends: Iterable[ChainTx],
    *,
    tainted_rounds: frozenset[str] | None = None,
    launderer_utxos: frozenset[Outpoint] = frozenset(),
    is_coinjoin: Callable[[ChainTx], bool] | None = None,
) -> list[PostMixLink]:
    """Scored links for every candidate spend co-spending >= 2 linked coins, best first.

    ``coinjoin_txs`` are the rounds to follow; ``tainted_rounds`` (default: all of them) are those with a tainted
    input. A linked coin is an output of one of the rounds or an outpoint in ``launderer_utxos``; a spend needs
    at least one post-mix output and two linked coins in all. ``is_coinjoin`` (default
    :func:`~heuristics.mixers.coinjoin.detect_coinjoin`) filters out remixes.
    """
    rounds: dict[str, CoinJoinResult | None] = {}
    for cj in coinjoin_txs:
        rounds[cj.tx_hash] = detect_coinjoin(cj)
    tainted = set(rounds) if tainted_rounds is None else set(tainted_rounds)
    remix = is_coinjoin or (lambda t: detect_coinjoin(t) is not None)
    links: list[PostMixLink] = []
    for spend in candidate_spends:
        post = tuple((i.prev_tx_hash, i.prev_index) for i in spend.inputs if i.prev_tx_hash in rounds)
        known = tuple((i.prev_tx_hash, i.prev_index) for i in spend.inputs
                      if (i.prev_tx_hash, i.prev_index) in launderer_utxos)
        n = len(set(post) | set(known))
        if not post or n < 2 or spend.tx_hash in rounds or remix(spend):
            continue
        total = sum(i.amount for i in spend.inputs)
        dirty = sum(i.amount for i in spend.inputs
                    if i.prev_tx_hash in tainted or (i.prev_tx_hash, i.prev_index) in launderer_utxos)
        share = dirty / total if total else 0.0
        conf = min(POSTMIX_MAX_CONFIDENCE, (1.0 - POSTMIX_MISS ** (n - 1)) * (0.5 + 0.5 * share))
        used = tuple(sorted({h for h, _ in post}))
        kinds = {r.kind for h in used if (r := rounds[h]) is not None}
        speculative = not known and kinds == {CoinJoinKind.WASABI2}
        evidence = make_evidence(
            EvidenceClass.E5 if speculative else EvidenceClass.E4,
            "mixers.postmix.co_spend" if not known else "mixers.postmix.co_spend_with_launderer",
            conf,
            spend_tx=spend.tx_hash, postmix_inputs=len(post), launderer_inputs=len(known), rounds=",".join(used),
            round_kinds=",".join(sorted(k.value for k in kinds)), tainted_share=share,
            inputs=len(spend.inputs),
        )
        links.append(PostMixLink(evidence, spend_tx=spend.tx_hash, postmix_inputs=post, launderer_inputs=known,
                                 rounds=used, tainted_share=share))
    links.sort(key=lambda lk: (-lk.confidence, lk.spend_tx))
    return links
