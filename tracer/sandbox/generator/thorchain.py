"""THORChain: router deposits on Ethereum, BTC payouts from the vault, refunds, streaming swaps, Midgard actions."""

from __future__ import annotations

from dataclasses import dataclass

from tracer.sandbox.generator import abi
from tracer.sandbox.generator.builders import op_return, out
from tracer.sandbox.generator.context import (
    BTC,
    ETH,
    GWEI,
    SAT_PER_ETH,
    THOR_CLOCK,
    THOR_ROUTER,
    WEI,
    Ctx,
)
from tracer.sandbox.truth import CrossChainPair
from tracer.sandbox.world import BITCOIN, ETHEREUM, ThorAction, ThorLeg

DEPOSIT_GAS = 96_000
OUTBOUND_FEE_SAT = 14_000
BTC_TX_FEE = 3_400


@dataclass(frozen=True)
class Payout:
    """A BTC output the launderer received from THORChain."""

    address: str
    outpoints: tuple[tuple[str, int], ...]
    amount: int
    ts: int


def setup(ctx: Ctx) -> None:
    """Create the vaults and label the router/vaults."""
    ctx.actors["thor_vault_eth"] = ctx.ids.evm()
    ctx.actors["thor_vault_btc"] = ctx.ids.p2wpkh()
    ctx.truth.label(ETHEREUM, THOR_ROUTER, "THORChain: Router", "bridge", 1.0)
    ctx.truth.label(ETHEREUM, ctx.actors["thor_vault_eth"], "THORChain: Asgard Vault", "bridge", 0.95)
    ctx.truth.label(BITCOIN, ctx.actors["thor_vault_btc"], "THORChain: Asgard Vault", "bridge", 0.95)


def _deposit(ctx: Ctx, sender: str, ts: int, value: int, memo: str, price: int) -> str:
    vault = ctx.actors["thor_vault_eth"]
    tx = ctx.eth.tx(
        ts, sender, THOR_ROUTER, value, gas_used=DEPOSIT_GAS, gas_price=price,
        input=abi.deposit_with_expiry(vault, abi.ZERO_ADDRESS, value, memo, ts + 900),
        internal=[(THOR_ROUTER, vault, value)],
        logs=[(THOR_ROUTER, (abi.THOR_DEPOSIT_TOPIC, abi.topic_address(vault), abi.topic_address(abi.ZERO_ADDRESS)),
               abi.thor_deposit_data(value, memo))],
    )
    return tx.hash


def _btc_payout(ctx: Ctx, ts: int, dest: str, sat: int, in_hash: str) -> str:
    vault = ctx.actors["thor_vault_btc"]
    change = ctx.rng.randint(50, 400) * 10**8
    src = ctx.btc.external(vault, sat + change + BTC_TX_FEE)
    tx = ctx.btc.tx(ts, [src], [out(dest, sat), out(vault, change), op_return("OUT:" + in_hash.upper()[2:])])
    return tx.txid


def swap(ctx: Ctx, sender: str, ts: int, value: int, *, launderer: bool = True, streams: int = 1,
         price: int = 0) -> list[Payout]:
    """An ETH -> BTC swap: deposit, one payout per stream, a Midgard action and the truth records."""
    dest = ctx.ids.p2tr() if ctx.rng.random() < 0.3 else ctx.ids.p2wpkh()
    limit = f":{ctx.rng.randint(10**6, 10**8)}/1/0" if ctx.rng.random() < 0.5 else ""
    memo = f"=:BTC.BTC:{dest}" + (f":0/3/{streams}" if streams > 1 else limit)
    in_hash = _deposit(ctx, sender, ts, value, memo, price or ctx.gas_price())
    gross = value * SAT_PER_ETH // WEI
    liquidity_fee = gross * 3 // 1_000
    net = gross - liquidity_fee - OUTBOUND_FEE_SAT * streams
    parts = [net // streams] * streams
    parts[-1] += net - sum(parts)
    payouts: list[Payout] = []
    legs: list[ThorLeg] = []
    t_out = ts
    for n, part in enumerate(parts):
        t_out = ts + 900 + n * 1_800 + ctx.rng.randint(0, 600)
        txid = _btc_payout(ctx, t_out, dest, part, in_hash)
        legs.append(ThorLeg(dest, txid, "BTC.BTC", part))
        payouts.append(Payout(dest, ((txid, 0),), part, t_out))
        if launderer:
            ctx.truth.cross_chain.append(CrossChainPair(ETHEREUM, in_hash, BITCOIN, txid, "bridge", "THORChain"))
            ctx.truth.inflow(BITCOIN, BTC, "thorchain_payout", part)
    ctx.thor_actions.append(ThorAction(
        type="swap", status="success", height=THOR_CLOCK.height_at(ts + 60), date=ts + 60,
        in_legs=(ThorLeg(sender, in_hash, "ETH.ETH", value // 10**10),), out_legs=tuple(legs), memo=memo,
        pools=("BTC.BTC",), visible_chain=BITCOIN, visible_block=ctx.btc.clock.height_at(t_out),
        is_streaming=streams > 1, streaming_quantity=streams if streams > 1 else 0, liquidity_fee=liquidity_fee,
        network_fees=(("BTC.BTC", OUTBOUND_FEE_SAT * streams),),
    ))
    if launderer:
        ctx.own_btc(dest)
        ctx.exit(ETHEREUM, THOR_ROUTER, "THORChain", "bridge", "bridged", ETH, value, ts, in_hash)
    return payouts


def refund(ctx: Ctx, sender: str, ts: int, value: int, price: int) -> None:
    """A swap whose price limit cannot be met: THORChain sends the ETH back minus its outbound fee."""
    dest = ctx.ids.p2wpkh()
    memo = f"=:BTC.BTC:{dest}:{value * SAT_PER_ETH // WEI * 2}"  # limit twice the market: must refund
    in_hash = _deposit(ctx, sender, ts, value, memo, price)
    fee = 6 * 10**15
    back = value - fee
    vault = ctx.actors["thor_vault_eth"]
    reply = "REFUND:" + in_hash.upper()[2:]
    t_back = ts + 1_200
    rtx = ctx.eth.tx(
        t_back, vault, THOR_ROUTER, back, gas_used=68_000, gas_price=3 * GWEI,
        input=abi.transfer_out(sender, abi.ZERO_ADDRESS, back, reply), internal=[(THOR_ROUTER, sender, back)],
        logs=[(THOR_ROUTER, (abi.THOR_TRANSFER_OUT_TOPIC, abi.topic_address(vault), abi.topic_address(sender)),
               "0x" + abi.encode(["address", "uint256", "string"], [abi.ZERO_ADDRESS, back, reply]).hex())],
    )
    ctx.truth.outflow(ETHEREUM, ETH, "thorchain_refunded_deposit", value)
    ctx.truth.inflow(ETHEREUM, ETH, "thorchain_refund", back)
    ctx.truth.cross_chain.append(CrossChainPair(ETHEREUM, in_hash, ETHEREUM, rtx.hash, "refund", "THORChain"))
    ctx.thor_actions.append(ThorAction(
        type="refund", status="success", height=THOR_CLOCK.height_at(ts + 60), date=ts + 60,
        in_legs=(ThorLeg(sender, in_hash, "ETH.ETH", value // 10**10),),
        out_legs=(ThorLeg(sender, rtx.hash, "ETH.ETH", back // 10**10),), memo=memo, pools=("BTC.BTC",),
        visible_chain=ETHEREUM, visible_block=rtx.block, network_fees=(("ETH.ETH", fee // 10**10),),
        reason="emit asset 0 less than price limit",
    ))
