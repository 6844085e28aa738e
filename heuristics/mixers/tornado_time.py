"""Time-only Tornado analysis: anonymity-set sizes and the weak FIFO/LIFO matching rule (H5 here).

FIFO temporal matching after Cristodaro, Kraner, Tessone (arXiv:2510.09433; later version withdrawn, so treat it as
unconfirmed). It needs only event order, so it runs on event-only data such as the tornado-classic-ui files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta

from heuristics.mixers.tornado_types import Candidate, PoolDeposit, PoolWithdrawal

FIFO_MAX_AGE = timedelta(days=30)
"""FIFO/time rule: deposits older than this at withdrawal time are treated as long-term holders and skipped."""
FIFO_CONFIDENCE = 0.1
"""FIFO/time rule is weak (E5); see scripts/validate_tornado.py for its measured agreement with H1."""


def anonymity_set_sizes(deposits: Iterable[PoolDeposit], withdrawals: Iterable[PoolWithdrawal]) -> dict[str, int]:
    """Per withdrawal tx hash: deposits minus withdrawals of its pool in earlier blocks (the set it hides in)."""
    events: list[tuple[str, int, int, str]] = [(d.pool.address, d.block, 0, d.tx_hash) for d in deposits]
    events += [(w.pool.address, w.block, 1, w.tx_hash) for w in withdrawals]
    events.sort()
    balance: dict[str, int] = defaultdict(int)
    pending: list[tuple[str, int, int, str]] = []
    sizes: dict[str, int] = {}
    last: tuple[str, int] | None = None
    for ev in events:
        if (ev[0], ev[1]) != last:  # a new block: earlier-block events now count
            for p_addr, _b, kind, _h in pending:
                balance[p_addr] += 1 if kind == 0 else -1
            pending = []
            last = (ev[0], ev[1])
        if ev[2] == 1:
            sizes[ev[3]] = balance[ev[0]]
        pending.append(ev)
    return sizes


def link_fifo_time(
    deposits: Iterable[PoolDeposit],
    all_deposits: Sequence[PoolDeposit],
    all_withdrawals: Sequence[PoolWithdrawal],
    *,
    lifo: bool = False,
) -> list[Candidate]:
    """H5 (FIFO/time, weak): replay each pool in block order; every withdrawal takes the oldest (``lifo``:
    newest) unmatched deposit from earlier blocks that is not older than :data:`FIFO_MAX_AGE`."""
    wanted = {d.tx_hash for d in deposits}
    sizes = anonymity_set_sizes(all_deposits, all_withdrawals)
    per_pool: dict[str, list[tuple[int, int, PoolDeposit | PoolWithdrawal]]] = defaultdict(list)
    for d in all_deposits:
        per_pool[d.pool.address].append((d.block, 1, d))
    for w in all_withdrawals:
        per_pool[w.pool.address].append((w.block, 0, w))  # withdrawals first: same-block deposits not usable
    out: list[Candidate] = []
    for events in per_pool.values():
        events.sort(key=lambda e: (e[0], e[1]))
        queue: list[PoolDeposit] = []
        head = 0
        for _block, _kind, ev in events:
            if isinstance(ev, PoolDeposit):
                queue.append(ev)
                continue
            while head < len(queue) and ev.timestamp - queue[head].timestamp > FIFO_MAX_AGE:
                head += 1
            if head >= len(queue):
                continue
            d = queue.pop() if lifo else queue[head]
            if not lifo:
                head += 1
            if d.tx_hash in wanted:
                detail = f"{'lifo' if lifo else 'fifo'}; anonymity set {sizes.get(ev.tx_hash, 0)}"
                out.append(Candidate("fifo_time", d, ev, FIFO_CONFIDENCE, detail))
    return out
