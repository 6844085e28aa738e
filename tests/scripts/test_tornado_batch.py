"""Laundering-batch matcher: window, signals and ranking on a literal Ronin-shaped pool history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heuristics.mixers.pools import Pool, find_pool
from heuristics.mixers.tornado import PoolDeposit, PoolWithdrawal
from scripts.tornado_batch import BatchCallbacks, rank_batch_withdrawals
from tracer.model import Chain, EvidenceClass


def _pool(symbol: str, amount: str) -> Pool:
    p = find_pool(Chain.ETHEREUM, symbol, amount)
    assert p is not None
    return p


ETH100, ETH1 = _pool("ETH", "100"), _pool("ETH", "1")
T0 = datetime(2022, 4, 4, tzinfo=UTC)


def dep(i: int, hours: float, pool: Pool = ETH100) -> PoolDeposit:
    return PoolDeposit(f"0xd{i}", 14_500_000 + i, T0 + timedelta(hours=hours), pool, None, None)


def wd(h: str, hours: float, to: str, relayed: bool = True) -> PoolWithdrawal:
    t = T0 + timedelta(hours=hours)
    return PoolWithdrawal(h, 14_500_000 + int(hours * 300), t, ETH100, to, "0xrelayer" if relayed else None,
                          409_500_000_000_000_000 if relayed else 0, None)


def test_ranking_prefers_fresh_repeat_relayed_recipients() -> None:
    batch = [dep(i, i) for i in range(4)]
    history = [wd("0xold", -100, "0xregular")]  # a pool user before the batch
    window = [wd("0xh1", 10, "0xhacker1"), wd("0xh2", 11, "0xhacker1"), wd("0xh3", 12, "0xhacker1"),
              wd("0xr1", 13, "0xregular"), wd("0xs1", 14, "0xselfpaid", relayed=False),
              wd("0xlate", 24 * 90, "0xhacker1")]  # outside the 60-day window
    ranked = rank_batch_withdrawals(batch, history + window)
    assert [c.withdrawal.tx_hash for c in ranked][:3] == ["0xh1", "0xh2", "0xh3"]
    assert {c.withdrawal.tx_hash for c in ranked} == {"0xh1", "0xh2", "0xh3", "0xr1", "0xs1"}
    top = ranked[0]
    assert top.signals == ("repeat_recipient", "fresh_recipient", "relayed")
    assert top.evidence.evidence_class is EvidenceClass.E5 and top.evidence.rule == "mixers.tornado.batch_window"
    prior = 0.5  # 4 notes / 5 candidates, capped at 0.5
    assert top.confidence == pytest.approx(4.0 * 1.5 * 1.1 / (1 + 4.0 * 1.5 * 1.1), rel=1e-5)
    regular = next(c for c in ranked if c.withdrawal.tx_hash == "0xr1")
    assert "known_pool_user" in regular.signals and regular.confidence < prior
    assert ranked[-1].withdrawal.tx_hash in {"0xr1", "0xs1"}


def test_fresh_callback_and_guards() -> None:
    batch = [dep(1, 0)]
    ws = [wd("0xa", 5, "0xold_eoa"), wd("0xb", 6, "0xnew_eoa")]
    cbs = BatchCallbacks(is_fresh=lambda addr, before: addr == "0xnew_eoa")
    ranked = rank_batch_withdrawals(batch, ws, cbs)
    by = {c.withdrawal.tx_hash: c.signals for c in ranked}
    assert "fresh_recipient" in by["0xb"] and "fresh_recipient" not in by["0xa"]
    assert rank_batch_withdrawals([], ws) == []
    with pytest.raises(ValueError):
        rank_batch_withdrawals([dep(1, 0), dep(2, 1, ETH1)], ws)
