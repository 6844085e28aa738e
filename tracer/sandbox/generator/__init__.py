"""Deterministic generator of a DPRK-style laundering incident across Ethereum, THORChain, Bitcoin and TRON.

``generate_world(seed, scale)`` returns the :class:`~tracer.sandbox.world.World` to serve, the
:class:`~tracer.sandbox.truth.Truth` a perfect tracer would report, and the label rows of the world.
"""

from __future__ import annotations

from tracer.sandbox.generator import bitcoin, ethereum, noise, prices, thorchain, tornado, tron, variants
from tracer.sandbox.generator.context import (
    BTC_CLOCK,
    ETH_CLOCK,
    HOUR,
    SCALES,
    STETH_KEY,
    THOR_CLOCK,
    TORNADO_10,
    TORNADO_100,
    TRON_CLOCK,
    WEI,
    Ctx,
)
from tracer.sandbox.generator.ethereum import ROLES, drain_time, spendable
from tracer.sandbox.generator.thorchain import DEPOSIT_GAS, Payout
from tracer.sandbox.truth import LabelRow, Truth
from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON, World

__all__ = ["SCALES", "VARIANTS", "generate_world"]
VARIANTS = variants.VARIANTS
LABEL_FORMATS = ("tagpack", "csv_wording")

BTC_ROLES = ("peel", "coinjoin", "coinjoin", "exchange", "disperse", "unspent", "peel", "unspent")


def _drain_layer1(ctx: Ctx, layer1: list[str]) -> tuple[list[Payout], list[Payout]]:
    pool = tornado.Pool(ctx)
    payouts: list[Payout] = []
    streamed: list[Payout] = []
    seen: dict[str, int] = {}
    thor_orders: list[tuple[int, int]] = []  # (time, wei) of the launderer's THORChain deposits
    exch_orders: list[tuple[int, tron.InstantOrder]] = []  # ... and its instant-exchange orders (with its balance)
    for n, addr in enumerate(layer1):
        role = ROLES[n % len(ROLES)]
        first = seen.get(role, 0) == 0
        seen[role] = seen.get(role, 0) + 1
        ts = drain_time(ctx, n)
        price = ctx.gas_price()
        if role == "thor_special" and first:
            half = spendable(ctx, addr, 2, DEPOSIT_GAS, price) // 2
            streamed = thorchain.swap(ctx, addr, ts, half, streams=2, price=price)
            thorchain.refund(ctx, addr, ts + HOUR, half, price)
        elif role in ("thor", "thor_special"):
            half = spendable(ctx, addr, 2, DEPOSIT_GAS, price) // 2
            payouts += thorchain.swap(ctx, addr, ts, half, price=price)
            payouts += thorchain.swap(ctx, addr, ts + 1_800, half, price=price)
            thor_orders += [(ts, half), (ts + 1_800, half)]
        elif role == "exch":
            balance = ctx.eth.balance[addr]
            order = tron.instant_exchange(ctx, addr, ts)
            exch_orders.append((balance, order))
            tron.off_ramp(ctx, order.dest, order.usdt, order.t_pay, seen[role] % 2)
        elif role in ("tornado100", "tornado10"):
            variant = (0 if role == "tornado100" else 1) if first else 2
            tornado.launder(ctx, pool, addr, TORNADO_100 if role == "tornado100" else TORNADO_10, ts, variant)
        elif role == "exchange" and ctx.has("waves"):
            variants.waves_drain(ctx, addr, ts)
        else:
            ethereum.drain_simple(ctx, addr, role, n)
    variants.own_twins(ctx, [order for _balance, order in exch_orders])
    tornado.others(ctx, pool)
    if ctx.has("crowded"):
        variants.crowd_pools(ctx, pool)
    if ctx.has("shared"):
        variants.share_services(ctx, thor_orders, exch_orders)
    return payouts, streamed


def _bitcoin(ctx: Ctx, payouts: list[Payout], streamed: list[Payout]) -> None:
    btc = bitcoin.Btc(ctx)
    mixing: list[Payout] = []
    for n, p in enumerate(payouts):
        role = BTC_ROLES[n % len(BTC_ROLES)]
        if role == "peel":
            btc.peel_chain(p, 5 if n < len(BTC_ROLES) else 3)
        elif role == "coinjoin":
            mixing.append(p)
            if len(mixing) == 2:
                btc.coinjoin(mixing)
                mixing = []
        elif role == "exchange":
            btc.deposit(p.ts + 3 * HOUR, list(p.outpoints), 0, None)
        elif role == "disperse":
            btc.disperse(p, 5)
    if mixing:
        btc.coinjoin(mixing)
    if streamed:  # both stream legs co-spent, then peeled
        merged = Payout(streamed[0].address, tuple(op for p in streamed for op in p.outpoints),
                        sum(p.amount for p in streamed), max(p.ts for p in streamed))
        btc.peel_chain(merged, 3)
    btc.sweeps()
    btc.busy_hot_wallet()
    btc.finish()


def generate_world(seed: int = 7, scale: str = "demo", variant: str | tuple[str, ...] | frozenset[str] | None = None
                   ) -> tuple[World, Truth, tuple[LabelRow, ...]]:
    """Build the world, its ground truth and its labels; identical for identical (seed, scale, variants).

    ``variant``: names of :data:`VARIANTS` (a comma list or a sequence; ``all`` for every one). None or empty gives
    the default world, unchanged by the existence of variants.
    May raise: ValueError (unknown scale or variant).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    chosen = variants.parse_variants(variant)
    ctx = Ctx.new(seed, scale, chosen)
    noise.busy_exchange(ctx)
    thorchain.setup(ctx)
    tron.setup(ctx)
    theft_hash, layer1 = ethereum.theft(ctx)
    fake_tokens = noise.dust_and_poisoning(ctx, [layer1[0], layer1[min(5, len(layer1) - 1)]])
    if ctx.has("airdrop"):
        fake_tokens += variants.airdrop(ctx)
    payouts, streamed = _drain_layer1(ctx, layer1)
    _bitcoin(ctx, payouts, streamed)
    noise.services(ctx)
    tron.noise(ctx)
    ethereum.finish_unspent(ctx)
    tips: dict[str, tuple[int, ...]] = {
        c: (clock.height_at(ctx.phase1_end), clock.height_at(ctx.phase2_end))
        for c, clock in ((ETHEREUM, ETH_CLOCK), (BITCOIN, BTC_CLOCK), (TRON, TRON_CLOCK))
    }
    world = World(
        clocks={ETHEREUM: ETH_CLOCK, BITCOIN: BTC_CLOCK, TRON: TRON_CLOCK, "thorchain": THOR_CLOCK},
        tips=tips,
        evm_txs=tuple(ctx.eth.txs),
        tokens=tuple(noise.tokens() + fake_tokens),
        btc_txs=tuple(ctx.btc.txs),
        tron_txs=tuple(ctx.tron.txs),
        thor_actions=tuple(ctx.thor_actions),
        evm_genesis=tuple(sorted(ctx.eth.genesis.items())),
        token_genesis=tuple(sorted((c, h, v) for (c, h), v in ctx.eth.token_genesis.items())),
        prices=prices.series(ctx.rng, ctx.t0),
    )
    rec = ctx.truth
    truth = Truth(
        seed=seed, scale=scale, theft_txs=(theft_hash,), victim=ctx.actors["victim"],
        exploiter=ctx.actors["exploiter"],
        stolen=(("ETH", ctx.scale.stolen_eth * WEI), (STETH_KEY, ctx.scale.stolen_steth * WEI)),
        exits=tuple(rec.exits), cross_chain=tuple(rec.cross_chain), mixer_pairs=tuple(rec.mixer_pairs),
        flows=rec.flows(), launderer=tuple(rec.launderer), dormant=tuple(rec.dormant),
        noise=tuple((k, tuple(v)) for k, v in sorted(rec.noise.items())),
        phase1_holdings=tuple(rec.phase1_holdings), variants=tuple(sorted(chosen)),
        deposit_addresses=tuple(rec.deposit_addresses),
        ambiguous_crossings=tuple(rec.ambiguous_crossings),
        deposit_sweep_phase=tuple((c, a, ctx.phase_of(rec.deposit_sweeps[(c, a)]) if (c, a) in rec.deposit_sweeps
                                   else 0) for c, a in rec.deposit_addresses),
        label_format=LABEL_FORMATS[seed % len(LABEL_FORMATS)] if ctx.has("vocab") else "csv",
    )
    return world, truth, tuple(rec.labels.values())
