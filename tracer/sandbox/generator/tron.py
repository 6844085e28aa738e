"""eXch-style instant exchange (ETH in, USDT-TRC20 out) and the TRON off-ramp: hops, OTC brokers, a freeze."""

from __future__ import annotations

from dataclasses import dataclass

from tracer.sandbox.generator.context import (
    DAY,
    ETH,
    HOUR,
    USDT_PER_ETH,
    USDT_TRC20,
    USDT_TRON_KEY,
    WEI,
    Ctx,
)
from tracer.sandbox.generator.ethereum import SIMPLE_GAS, spendable
from tracer.sandbox.truth import CrossChainPair, Exit
from tracer.sandbox.world import ETHEREUM, TRON

EXCH_FEE_BPS = 50
OTC = "OTC Broker"


@dataclass(frozen=True)
class InstantOrder:
    """One launderer order at eXch: the ETH deposit and the USDT-TRC20 payout that settled it."""

    ts: int
    deposit_tx: str
    value: int  # wei deposited
    payout_tx: str
    t_pay: int
    dest: str
    usdt: int  # USDT base units paid out


def setup(ctx: Ctx) -> None:
    """Service wallets and their labels."""
    a = ctx.actors
    a["exch_eth"] = ctx.ids.evm()
    a["exch_tron"] = ctx.ids.tron()
    a["otc1"], a["otc2"] = ctx.ids.tron(), ctx.ids.tron()
    a["tether_owner"] = ctx.ids.tron()
    ctx.truth.label(ETHEREUM, a["exch_eth"], "eXch: Deposit Wallet", "instant_exchange", 0.9)
    ctx.truth.label(TRON, a["exch_tron"], "eXch: Hot Wallet", "instant_exchange", 0.9)
    ctx.truth.label(TRON, a["otc1"], "OTC Broker 1 (PRC)", "otc", 0.8)
    ctx.truth.label(TRON, a["otc2"], "OTC Broker 2 (HK)", "otc", 0.8)
    ctx.truth.label(TRON, USDT_TRC20, "Tether: USDT (TRC-20)", "issuer", 1.0)


def instant_exchange(ctx: Ctx, addr: str, ts: int) -> InstantOrder:
    """Send the wallet's ETH to eXch; the service pays USDT on TRON minutes later."""
    price = ctx.gas_price()
    value = spendable(ctx, addr, 1, SIMPLE_GAS, price)
    tx = ctx.eth.tx(ts, addr, ctx.actors["exch_eth"], value, gas_price=price)
    ctx.exit(ETHEREUM, ctx.actors["exch_eth"], "eXch", "instant_exchange", "dark", ETH, value, ts, tx.hash)
    usdt = value * USDT_PER_ETH // WEI * (10_000 - EXCH_FEE_BPS) // 10_000
    dest = ctx.ids.tron()
    ctx.own_tron(dest)
    t_pay = ts + ctx.rng.randint(6, 25) * 60
    pay = ctx.tron.trc20(t_pay, ctx.actors["exch_tron"], USDT_TRC20, ctx.actors["exch_tron"], dest, usdt)
    ctx.truth.inflow(TRON, USDT_TRON_KEY, "instant_exchange_payout", usdt)
    ctx.truth.cross_chain.append(CrossChainPair(ETHEREUM, tx.hash, TRON, pay.txid, "instant_exchange", "eXch"))
    return InstantOrder(ts, tx.hash, value, pay.txid, t_pay, dest, usdt)


def _send(ctx: Ctx, ts: int, src: str, dst: str, value: int) -> str:
    return ctx.tron.trc20(ts, src, USDT_TRC20, src, dst, value).txid


def off_ramp(ctx: Ctx, dest: str, usdt: int, ts: int, variant: int) -> None:
    """variant 0: split, one half via a hop to OTC 1, the other half to an address the issuer freezes.
    variant 1: part straight to OTC 2, the rest parked in a wallet that moves to OTC 1 only in phase 2."""
    a = ctx.actors
    ctx.tron.trx(ts + 60, ctx.ids.tron(), dest, 30_000_000)  # energy/bandwidth money from a rental service
    half = usdt // 2
    if variant == 0:
        hop, frozen = ctx.ids.tron(), ctx.ids.tron()
        ctx.own_tron(hop, frozen)
        _send(ctx, ts + HOUR, dest, hop, half)
        tx = _send(ctx, ts + 2 * HOUR, hop, a["otc1"], half)
        ctx.exit(TRON, a["otc1"], OTC, "otc", "cashed_out", USDT_TRON_KEY, half, ts + 2 * HOUR, tx)
        _send(ctx, ts + 3 * HOUR, dest, frozen, usdt - half)
        freeze = ctx.tron.event(ts + DAY, a["tether_owner"], USDT_TRC20, "AddedBlackList", (("_user", frozen),))
        ctx.exit(TRON, frozen, "Tether", "issuer", "frozen", USDT_TRON_KEY, usdt - half, ts + DAY, freeze.txid)
        ctx.truth.label(TRON, frozen, "Frozen by Tether (AddedBlackList)", "sanctioned", 1.0)
    else:
        part = usdt * 2 // 5
        tx = _send(ctx, ts + HOUR, dest, a["otc2"], part)
        ctx.exit(TRON, a["otc2"], OTC, "otc", "cashed_out", USDT_TRON_KEY, part, ts + HOUR, tx)
        parked = ctx.ids.tron()
        ctx.own_tron(parked)
        ctx.truth.dormant[(TRON, parked)] = None
        _send(ctx, ts + 2 * HOUR, dest, parked, usdt - part)
        t2 = ctx.phase1_end + 3 * DAY
        ctx.truth.phase1_holdings.append(Exit(TRON, parked, None, None, "unspent", USDT_TRON_KEY, usdt - part, 1))
        ctx.tron.trx(t2 - 600, ctx.ids.tron(), parked, 30_000_000)
        tx2 = _send(ctx, t2, parked, a["otc1"], usdt - part)
        ctx.exit(TRON, a["otc1"], OTC, "otc", "cashed_out", USDT_TRON_KEY, usdt - part, t2, tx2)


def noise(ctx: Ctx) -> None:
    """Other customers of eXch and busy OTC brokers (more than one 200-row TronGrid page)."""
    a = ctx.actors
    for _ in range(ctx.scale.service_noise):
        t = ctx.t0 - DAY + ctx.rng.randint(0, 10 * DAY)
        ctx.eth.tx(t, ctx.ids.evm(), a["exch_eth"], ctx.rng.randint(1, 300) * WEI // 10, gas_price=ctx.gas_price())
        _send(ctx, t + 900, a["exch_tron"], ctx.ids.tron(), ctx.rng.randint(100, 500_000) * 10**6)
    for _ in range(ctx.scale.otc_noise):
        t = ctx.t0 - 10 * DAY + ctx.rng.randint(0, 25 * DAY)
        broker = a["otc1"] if ctx.rng.random() < 0.7 else a["otc2"]
        if ctx.rng.random() < 0.5:
            _send(ctx, t, ctx.ids.tron(), broker, ctx.rng.randint(1_000, 900_000) * 10**6)
        else:
            _send(ctx, t, broker, ctx.ids.tron(), ctx.rng.randint(1_000, 900_000) * 10**6)
