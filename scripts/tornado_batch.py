"""Laundering-batch matcher: which withdrawals in a window likely spend an attacker's batch of pool deposits.

docs/methodology.md §3.1 "time-window/amount matcher for laundering flows" [D]: a hacker deposits many notes
and withdraws many notes, usually to fresh addresses and via relayers. Given the attacker's deposit batch in one
pool, every withdrawal of that pool in ``[t_first + min_delay, t_last + max_delay]`` is a candidate, scored by
Bayesian odds updating:

* prior: ``len(batch) / candidates`` (capped at 0.5) -- the chance a random window withdrawal spends a batch
  note if the whole batch leaves in the window;
* likelihood ratios [D, guesses to calibrate; see scripts/validate_tornado.py for the Ronin check]:
  repeat recipient (>= 2 withdrawals in the window to one address: hackers split notes over a few fresh
  addresses), fresh recipient (never a recipient of this pool before the batch; or ``BatchCallbacks.is_fresh``),
  recipient that used the pool before (evidence against), relayed vs self-withdrawn.

Results are E5 hypotheses (speculative demixing); a recipient's downstream convergence with other candidates
(done elsewhere) is what should promote them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from heuristics.base import Finding, make_evidence
from heuristics.mixers.tornado import PoolDeposit, PoolWithdrawal
from tracer.model import EvidenceClass

MIN_DELAY = timedelta(0)
MAX_DELAY = timedelta(days=60)
"""Candidate window after the last batch deposit (Ronin: notes deposited from early April, withdrawn to 20 May)."""
PRIOR_CAP = 0.5
LR_REPEAT_RECIPIENT = 4.0
LR_FRESH_RECIPIENT = 1.5
LR_KNOWN_POOL_USER = 0.2
LR_RELAYED = 1.1
LR_SELF_WITHDRAWN = 0.5
"""Methodology: hackers withdraw through relayers to keep fresh addresses unfunded; a self-paid withdrawal
needs pre-funded gas, which links the recipient to its funder -- rarer for launderers."""
REPEAT_MIN = 2


@dataclass(frozen=True, slots=True)
class BatchCallbacks:
    """Optional context: ``is_fresh(address, before)`` -- address had no activity at all before ``before``."""

    is_fresh: Callable[[str, datetime], bool] | None = None


@dataclass(frozen=True, slots=True)
class BatchCandidate(Finding):
    """A withdrawal that may spend one of the batch's notes, with the signals that fired."""

    withdrawal: PoolWithdrawal = field(kw_only=True)
    signals: tuple[str, ...] = field(kw_only=True)


def rank_batch_withdrawals(
    batch: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
    callbacks: BatchCallbacks | None = None,
    *,
    min_delay: timedelta = MIN_DELAY,
    max_delay: timedelta = MAX_DELAY,
) -> list[BatchCandidate]:
    """Candidates for the batch (all deposits must share one pool), best first."""
    if not batch:
        return []
    pool = batch[0].pool
    if any(d.pool != pool for d in batch):
        raise ValueError("a batch is one pool's deposits")
    t_first = min(d.timestamp for d in batch)
    t_last = max(d.timestamp for d in batch)
    in_pool = [w for w in all_withdrawals if w.pool == pool]
    window = [w for w in in_pool if t_first + min_delay <= w.timestamp <= t_last + max_delay]
    if not window:
        return []
    earlier_users = {w.recipient.lower() for w in in_pool if w.timestamp < t_first}
    per_recipient = Counter(w.recipient.lower() for w in window)
    prior = min(PRIOR_CAP, len(batch) / len(window))
    cbs = callbacks or BatchCallbacks()
    out: list[BatchCandidate] = []
    for w in window:
        r = w.recipient.lower()
        signals: list[str] = []
        odds = prior / (1.0 - prior)
        if per_recipient[r] >= REPEAT_MIN:
            signals.append("repeat_recipient")
            odds *= LR_REPEAT_RECIPIENT
        if r in earlier_users:
            signals.append("known_pool_user")
            odds *= LR_KNOWN_POOL_USER
        elif cbs.is_fresh is None or cbs.is_fresh(r, t_first):
            signals.append("fresh_recipient")
            odds *= LR_FRESH_RECIPIENT
        if w.relayer is not None:
            signals.append("relayed")
            odds *= LR_RELAYED
        else:
            signals.append("self_withdrawn")
            odds *= LR_SELF_WITHDRAWN
        conf = odds / (1.0 + odds)
        evidence = make_evidence(
            EvidenceClass.E5, "mixers.tornado.batch_window", conf,
            pool=pool.name, withdrawal_tx=w.tx_hash, recipient=r, prior=prior, signals=",".join(signals),
            batch_size=len(batch), candidates=len(window), recipient_withdrawals=per_recipient[r],
        )
        out.append(BatchCandidate(evidence, withdrawal=w, signals=tuple(signals)))
    out.sort(key=lambda c: (-c.confidence, c.withdrawal.block, c.withdrawal.tx_hash))
    return out
