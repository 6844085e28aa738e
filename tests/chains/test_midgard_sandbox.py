"""Midgard resolver against the independent sandbox server: every action resolves from either leg."""

from __future__ import annotations

import requests

from chains.http import RetryPolicy
from chains.midgard.client import MidgardClient
from chains.midgard.parse import asset_chain
from chains.midgard.resolver import MidgardResolver
from tracer.sandbox.launch import RunningSandbox


def test_actions_resolve_from_inbound_and_outbound(sandbox: RunningSandbox) -> None:
    resolver = MidgardResolver(MidgardClient(requests.Session(), sandbox.urls()["midgard"], rate=0,
                                             retry=RetryPolicy(max_attempts=4, base_delay=0.0), sleep=lambda s: None))
    actions = sandbox.world.thor_actions
    assert actions
    for act in actions[:8]:
        leg = act.in_legs[0]
        chain = asset_chain(leg.asset)
        assert chain is not None
        (found,) = resolver.actions_for_tx(chain, leg.txid.upper())
        assert found.action_type == act.type and found.height == act.height
        assert [o.amount_e8 for o in found.outputs] == [o.amount for o in act.out_legs]
        for out in act.out_legs:
            out_chain = asset_chain(out.asset)
            if out_chain is None:
                continue
            back = resolver.actions_for_tx(out_chain, out.txid)
            assert [a.inputs[0].tx_hash for a in back] == [found.inputs[0].tx_hash]
