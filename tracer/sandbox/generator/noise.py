"""Ethereum noise: a busy exchange hot wallet, dust, address poisoning, a fake USDT, other users of services."""

from __future__ import annotations

from tracer.sandbox.generator import abi, thorchain
from tracer.sandbox.generator.context import (
    CURVE_STETH_POOL,
    DAY,
    ETH,
    STETH,
    USDT_ERC20,
    WEI,
    Ctx,
)
from tracer.sandbox.world import ETHEREUM, Token


def busy_exchange(ctx: Ctx) -> None:
    """Label the exchange hot wallet and give it more history than one 1000-row Etherscan window."""
    hot = ctx.ids.evm()
    ctx.actors["exchange_eth"] = hot
    ctx.truth.label(ETHEREUM, hot, "Exchange X: Hot Wallet 1", "exchange", 0.95)
    ctx.truth.noise["busy_addresses"].append(f"{ETHEREUM}:{hot}")
    n = ctx.scale.busy_eth
    for k in range(n):
        # Several rows per block on purpose, so block-range paging has to cope with cut-off blocks.
        t = ctx.t0 - 5 * DAY + (k // 3) * (20 * DAY // (n // 3 + 1))
        value = ctx.rng.randint(1, 5_000) * WEI // 100
        if k % 2:
            ctx.eth.tx(t, hot, ctx.ids.evm(), value, gas_price=ctx.gas_price())
        else:
            ctx.eth.tx(t, ctx.ids.evm(), hot, value, gas_price=ctx.gas_price())


def dust_and_poisoning(ctx: Ctx, counterparties: list[str]) -> list[Token]:
    """Strangers' dust to the exploiter, look-alike addresses, zero-value transfers and a fake USDT."""
    e, exploiter = ctx.eth, ctx.actors["exploiter"]
    noise = ctx.truth.noise
    for k in range(3):
        tx = e.tx(ctx.t0 + 1_800 + k * 7_000, ctx.ids.evm(), exploiter, ctx.rng.randint(1, 90) * 10**12,
                  gas_price=ctx.gas_price())
        noise["dust_txs"].append(tx.hash)
        ctx.truth.inflow(ETHEREUM, ETH, "dust", tx.value)
    fake = ctx.ids.evm()
    noise["fake_token_contracts"].append(fake)
    for k, real in enumerate(counterparties):
        look = ctx.ids.lookalike(real)
        noise["poisoning_addresses"].append(look)
        t = ctx.t0 + 4 * 3_600 + k * 900
        poisoner = ctx.ids.evm()
        # 0-value transferFrom(exploiter -> look-alike): shows up in the exploiter's token history.
        z = e.tx(t, poisoner, STETH, input=abi.erc20_transfer_from(exploiter, look, 0), gas_used=52_000,
                 gas_price=ctx.gas_price(), tokens=[(STETH, exploiter, look, 0)])
        f = e.tx(t + 30, poisoner, fake, input=abi.erc20_transfer(exploiter, 1_000_000), gas_used=51_000,
                 gas_price=ctx.gas_price(), tokens=[(fake, look, exploiter, ctx.rng.randint(1, 9) * 10**6)])
        d = e.tx(t + 60, look, exploiter, 10**12, gas_price=ctx.gas_price())
        ctx.truth.inflow(ETHEREUM, ETH, "dust", d.value)
        noise["poisoning_txs"] += [z.hash, f.hash, d.hash]
    return [Token(ETHEREUM, fake, "USDT", "Tether USD", 6, verified=False)]


def services(ctx: Ctx) -> None:
    """Unrelated users of the DEX pool and THORChain (their swaps also show up in Midgard)."""
    e = ctx.eth
    for _ in range(ctx.scale.service_noise):
        t = ctx.t0 - DAY + ctx.rng.randint(0, 10 * DAY)
        user = ctx.ids.evm()
        dx = ctx.rng.randint(1, 500) * WEI
        dy = dx * 9_985 // 10_000
        e.tx(t, user, CURVE_STETH_POOL, 0, input=abi.curve_exchange(1, 0, dx, dy), gas_used=140_000,
             gas_price=ctx.gas_price(), tokens=[(STETH, user, CURVE_STETH_POOL, dx)],
             internal=[(CURVE_STETH_POOL, user, dy)])
        user2 = ctx.ids.evm()
        e.balance[user2] += 50 * WEI
        e.genesis[user2] += 50 * WEI
        thorchain.swap(ctx, user2, t + 600, ctx.rng.randint(1, 40) * WEI, launderer=False)
    # A swap whose inbound lands just before the phase-1 tip and its payout just after: Midgard shows it
    # "pending" (no out legs) in phase 1 and "success" in phase 2.
    late = ctx.ids.evm()
    e.balance[late] += 10 * WEI
    e.genesis[late] += 10 * WEI
    thorchain.swap(ctx, late, ctx.phase1_end - 120, 5 * WEI, launderer=False)


def tokens() -> list[Token]:
    """Verified token metadata (real contracts)."""
    return [
        Token(ETHEREUM, STETH, "stETH", "Liquid staked Ether 2.0", 18),
        Token(ETHEREUM, USDT_ERC20, "USDT", "Tether USD", 6),
    ]
