"""Cross-chain resolution through Midgard: which THORChain actions a transaction belongs to."""

from __future__ import annotations

from chains.midgard.client import MidgardClient
from chains.midgard.parse import action_to_bridge_action
from tracer.model import BridgeAction, Chain


class MidgardResolver:
    """Looks up THORChain swaps/refunds by any of their inbound or outbound tx hashes."""

    def __init__(self, client: MidgardClient) -> None:
        self.client = client

    def actions_for_tx(self, chain: Chain, tx_hash: str) -> list[BridgeAction]:
        """Actions whose in or out legs include ``tx_hash`` (any case, with or without 0x); [] when none.

        ``chain`` is where the hash lives; Midgard ids are chain-agnostic, so it only filters the answer to
        actions that really have a leg with this hash on that chain.

        May raise: ApiRejected, BadResponse, ChainUnavailable, RateLimited.
        """
        wanted = tx_hash.strip().lower().removeprefix("0x")
        found = []
        for raw in self.client.actions(txid=tx_hash):
            action = action_to_bridge_action(raw)
            legs = action.inputs + action.outputs
            if any(leg.chain is chain and (leg.tx_hash or "").lower().removeprefix("0x") == wanted for leg in legs):
                found.append(action)
        return found
