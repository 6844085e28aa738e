"""Opt-in twists of the story, so a family of worlds can catch what one world never shows (issue 13 item 8).

Each variant is off by default (the default world is byte-for-byte the demo world) and only adds to, or changes,
the parts of the story it names:

* ``vocab``    -- the label file speaks another vocabulary (TagPack DW-VA words or analysts' CSV wording), the
  instant exchange is labelled "exchange" or only by its text (see :mod:`tracer.sandbox.generator.vocab`);
* ``shared``   -- other users swap through THORChain and pay the instant exchange minutes from the launderer,
  with near-equal amounts (routers and services shared with other traffic);
* ``waves``    -- a launderer collector wallet and an exchange deposit address receive taint in waves days apart,
  so a node receives more after it was expanded;
* ``crowded``  -- the Tornado pools are crowded: other users deposit and withdraw around each launderer note, with
  the same common gas prices;
* ``airdrop``  -- a worthless (unpriced) token is airdropped to the exploiter, who passes it on;
* ``steth``    -- the stETH is swapped to ETH in three chunks;
* ``deposits`` -- exchange deposit addresses behave differently (popular, swept late, swept in parts, never swept).
"""

from __future__ import annotations

from tracer.sandbox.generator import abi, thorchain
from tracer.sandbox.generator.context import DAY, HOUR, USDT_PER_ETH, USDT_TRC20, WEI, Ctx
from tracer.sandbox.generator.ethereum import SIMPLE_GAS, pay_into_deposit, spendable
from tracer.sandbox.generator.tornado import POOLS, Pool
from tracer.sandbox.generator.tron import InstantOrder
from tracer.sandbox.truth import AmbiguousCrossing
from tracer.sandbox.world import ETHEREUM, Token

VARIANTS: tuple[str, ...] = ("vocab", "shared", "waves", "crowded", "airdrop", "steth", "deposits")


def parse_variants(names: str | list[str] | tuple[str, ...] | frozenset[str] | None) -> frozenset[str]:
    """Variant names from a comma list (or a sequence); ``all`` means every variant.

    May raise: ValueError naming an unknown variant.
    """
    if names is None:
        return frozenset()
    items = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    if "all" in items:
        return frozenset(VARIANTS)
    unknown = sorted(set(items) - set(VARIANTS))
    if unknown:
        raise ValueError(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)} or all")
    return frozenset(items)


def waves_drain(ctx: Ctx, addr: str, ts: int) -> None:
    """Half straight to a collector, half via a hop two days later; the collector pays one exchange deposit
    address after each wave (the deposit address and the collector both receive after being reached)."""
    e = ctx.eth
    collector = ctx.actors.get("collector")
    if collector is None:
        collector = ctx.actors["collector"] = ctx.ids.evm()
        ctx.actors["collector_deposit"] = ctx.ids.evm()
        ctx.own_eth(collector)
        ctx.truth.deposit_address(ETHEREUM, ctx.actors["collector_deposit"])
    dep = ctx.actors["collector_deposit"]
    hop = ctx.ids.evm()
    ctx.own_eth(hop)
    price = ctx.gas_price()
    half = spendable(ctx, addr, 2, SIMPLE_GAS, price) // 2
    e.tx(ts, addr, collector, half, gas_price=price)
    e.tx(ts + 600, addr, hop, spendable(ctx, addr, 1, SIMPLE_GAS, price), gas_price=price)
    for wave, t in enumerate((ts + HOUR, ts + 2 * DAY + HOUR)):
        if wave:
            e.tx(t - HOUR, hop, collector, spendable(ctx, hop, 1, SIMPLE_GAS, price), gas_price=price)
        e.tx(t - 3 * HOUR, ctx.ids.evm(), dep, ctx.rng.randint(1, 40) * WEI // 10, gas_price=ctx.gas_price())
        pay_into_deposit(ctx, collector, dep, t)
        sweep = ctx.gas_price()  # the exchange sweeps after each wave, like any deposit address
        ctx.truth.deposit_swept(ETHEREUM, dep, t + 40 * 60)
        e.tx(t + 40 * 60, dep, ctx.actors["exchange_eth"], e.balance[dep] - SIMPLE_GAS * sweep, gas_price=sweep)


def crowd_pools(ctx: Ctx, pool: Pool) -> None:
    """Around every launderer note, two other users deposit within minutes and withdraw within the hour of the
    launderer's withdrawal, with whole-gwei gas prices like everyone else's."""
    by_hash = {tx.hash: tx for tx in ctx.eth.txs}
    for pair in list(ctx.truth.mixer_pairs):
        dep, wd = by_hash[pair.deposit_tx], by_hash[pair.withdrawal_tx]
        t_dep, t_wd = ctx.eth.clock.time_of(dep.block), ctx.eth.clock.time_of(wd.block)
        for _ in range(2):
            user = ctx.ids.evm()
            pool.deposit(user, pair.pool, t_dep + ctx.rng.randint(-600, 600), ctx.gas_price())
            pool.withdraw(pair.pool, max(t_dep + 700, t_wd + ctx.rng.randint(-HOUR, HOUR)), ctx.ids.evm(),
                          gas_price=ctx.gas_price())
    ctx.truth.noise["crowded_pools"].extend(sorted(POOLS))


def share_services(ctx: Ctx, launderer_thor: list[tuple[int, int]],
                   launderer_exch: list[tuple[int, InstantOrder]]) -> None:
    """Other users' THORChain swaps and instant-exchange orders minutes from the launderer's, near-equal amounts.

    ``launderer_thor``: (time, wei) of the launderer's THORChain deposits; ``launderer_exch``: (the wallet's
    balance before, the order) of its eXch orders. A rival order that is a twin of ours (:func:`is_twin`) makes
    our crossing ambiguous in the truth: no public data tells the two payouts apart.
    """
    e, a = ctx.eth, ctx.actors
    for ts, value in launderer_thor:
        user = ctx.ids.evm()
        amount = value * ctx.rng.randint(95, 105) // 100
        e.balance[user] += amount + WEI
        e.genesis[user] += amount + WEI
        thorchain.swap(ctx, user, ts + ctx.rng.randint(-900, 900), amount, launderer=False)
    rivals: list[InstantOrder] = []
    for value, ours in launderer_exch:
        for _ in range(2):
            t = ours.ts + ctx.rng.randint(-1_200, 1_200)
            amount = value * ctx.rng.randint(97, 103) // 100
            deposit = ctx.eth.tx(t, ctx.ids.evm(), a["exch_eth"], amount, gas_price=ctx.gas_price())
            usdt = amount * USDT_PER_ETH // WEI * 995 // 1_000
            t_pay = t + ctx.rng.randint(5, 25) * 60
            dest = ctx.ids.tron()
            pay = ctx.tron.trc20(t_pay, a["exch_tron"], USDT_TRC20, a["exch_tron"], dest, usdt)
            rivals.append(InstantOrder(t, deposit.hash, amount, pay.txid, t_pay, dest, usdt))
    # a rival drawn beside one of our orders can be the twin of another (orders minutes apart): check them all
    for _value, ours in launderer_exch:
        for rival in rivals:
            _record_twin(ctx, ours, rival)


QUOTE_PRECISION = 1_000  # a service's quote moves by ~0.1 % between orders minutes apart: finer is not evidence


def is_twin(ours: InstantOrder, rival: InstantOrder) -> bool:
    """Whether swapping the two payouts explains the chain data as well as the truth does: the deposits and the
    payouts are equal within the quote's precision, and each payout came after both deposits (either settlement is
    causal). Nothing else public separates them: one hot wallet pays both, to fresh addresses, minutes apart."""
    def close(x: int, y: int) -> bool:
        return abs(x - y) * QUOTE_PRECISION <= max(x, y)
    return (close(ours.value, rival.value) and close(ours.usdt, rival.usdt)
            and rival.t_pay >= ours.ts and ours.t_pay >= rival.ts)


def own_twins(ctx: Ctx, orders: list[InstantOrder]) -> None:
    """Our own orders that are twins of each other (:func:`is_twin`): a large drain splits into near-equal orders
    minutes apart, and swapping their payouts explains the chain data equally well. Both payouts are ours, but
    which deposit each settled is not public: each crossing is ambiguous in the truth, like a stranger's twin."""
    for n, first in enumerate(orders):
        for second in orders[n + 1:]:
            _record_twin(ctx, first, second)
            _record_twin(ctx, second, first)


def _record_twin(ctx: Ctx, ours: InstantOrder, other: InstantOrder) -> None:
    """Our crossing is ambiguous in the truth when ``other`` is its twin."""
    if is_twin(ours, other):
        ctx.truth.ambiguous_crossings.append(
            AmbiguousCrossing(ours.deposit_tx, ours.payout_tx, other.deposit_tx, other.payout_tx))


def airdrop(ctx: Ctx) -> list[Token]:
    """A worthless token airdropped to the exploiter (and 30 strangers); the exploiter forwards it to a
    layer-1 wallet, so a tracer that counts it as stolen follows it. It is not stolen: the victim never had it."""
    e, exploiter = ctx.eth, ctx.actors["exploiter"]
    token, dropper = ctx.ids.evm(), ctx.ids.evm()
    amount = 5_000 * 10**18
    recipients = [exploiter] + [ctx.ids.evm() for _ in range(30)]
    t = ctx.t0 + 2 * HOUR
    for k, rcpt in enumerate(recipients):
        tx = e.tx(t + k * 12, dropper, token, input=abi.erc20_transfer(rcpt, amount), gas_used=52_000,
                  gas_price=ctx.gas_price(), tokens=[(token, dropper, rcpt, amount)])
        if rcpt == exploiter:
            ctx.truth.noise["airdrop_txs"].append(tx.hash)
    ctx.truth.noise["airdrop_tokens"].append(token)
    later = ctx.actors.get("airdrop_sink") or ctx.ids.evm()
    fwd = e.tx(t + DAY, exploiter, token, input=abi.erc20_transfer(later, amount), gas_used=52_000,
               gas_price=ctx.gas_price(), tokens=[(token, exploiter, later, amount)])
    ctx.truth.noise["airdrop_txs"].append(fwd.hash)
    return [Token(ETHEREUM, token, "DROP", "Drop Token", 18, verified=True)]


__all__ = ["VARIANTS", "airdrop", "crowd_pools", "parse_variants", "share_services", "waves_drain"]
