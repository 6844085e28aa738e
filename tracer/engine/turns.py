"""Which chain's node the expansion loop takes next: best-first within a chain, chains in weighted turns.

Why turns: pure best-first by stolen value works the chains one after another. On an incident that crosses from
Ethereum to Bitcoin, the Bitcoin payouts of the first THORChain crossings are worth less than the Ethereum wallets
still waiting, so Esplora idles while Etherscan works and Etherscan idles while Esplora walks the peel chains
afterwards -- the trace takes the sum of the APIs' times instead of the slowest one's. Giving each chain with
pending nodes its share of turns keeps every API busy at once (the prefetcher fetches each chain's next histories
while the loop works on another's).

Each chain's share is inverse to what one history costs on its source (Etherscan 3 requests, TronGrid 2, Esplora
1): a turn on each chain then takes about the same time under equal rate limits. The turn is a pure function of
the number of expansions the case has committed and of which chains have pending nodes -- both read from the
store -- so the order, and with it every result, is the same whatever the timing and across an interrupted and
resumed run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from math import lcm

from tracer.model import Address, Chain

Pending = tuple[Address, int, float]


def next_node(pending: Sequence[Pending], committed: int, history_cost: Mapping[Chain, int]) -> Pending:
    """The node to expand now: the best pending node of the chain whose turn ``committed`` is.

    ``pending`` is best first (the store's order); ``history_cost`` maps a chain to the requests one history
    costs on its source (missing: 1).
    """
    chains = tuple(sorted({node.chain for node, _hop, _priority in pending}, key=lambda c: c.value))
    if len(chains) < 2:
        return pending[0]
    costs = tuple(max(1, history_cost.get(chain, 1)) for chain in chains)
    chain = turn_cycle(chains, costs)[committed % len(turn_cycle(chains, costs))]
    return next(item for item in pending if item[0].chain is chain)


@lru_cache(maxsize=64)
def turn_cycle(chains: tuple[Chain, ...], costs: tuple[int, ...]) -> tuple[Chain, ...]:
    """One cycle of turns, each chain weighted ``lcm(costs) / cost``, spread evenly (smooth weighted round robin,
    as in nginx's upstream balancer: the chain with the largest running credit goes, then pays the total)."""
    common = lcm(*costs)
    weights = [common // cost for cost in costs]
    total = sum(weights)
    credit = [0] * len(chains)
    cycle: list[Chain] = []
    for _ in range(total):
        credit = [c + w for c, w in zip(credit, weights, strict=True)]
        best = max(range(len(chains)), key=lambda i: (credit[i], -i))
        credit[best] -= total
        cycle.append(chains[best])
    return tuple(cycle)
