"""The request floor prices each public dialect's minimum for one address's history (issue 16's ratio)."""

from tracer.evaluation import request_floor


def test_floor_counts_each_dialects_minimum_calls_tips_and_bridge_lookups() -> None:
    truth = {
        "launderer": [["ethereum", "0xa"], ["ethereum", "0xb"], ["tron", "T1"],
                      ["bitcoin", "bc1a"], ["bitcoin", "bc1b"], ["bitcoin", "bc1c"]],
        "cross_chain": [{"kind": "bridge"}, {"kind": "bridge"}, {"kind": "swap"}, {"kind": "instant_exchange"}],
    }
    # 3 tips + Etherscan 2x3 (txlist, txlistinternal, tokentx) + TronGrid 1x2 + Esplora 3x1 + 2 Midgard lookups
    assert request_floor(truth) == 3 + 6 + 2 + 3 + 2


def test_a_one_chain_world_reads_one_tip() -> None:
    truth = {"launderer": [["ethereum", "0xa"]], "cross_chain": []}
    assert request_floor(truth) == 1 + 3
