"""Fixed-denomination Tornado-style pools: launderer notes (some linkable, most not) among other users' notes."""

from __future__ import annotations

from dataclasses import replace

from tracer.sandbox.generator import abi
from tracer.sandbox.generator.context import DAY, ETH, HOUR, TORNADO_10, TORNADO_100, WEI, Ctx
from tracer.sandbox.generator.ethereum import SIMPLE_GAS, to_exchange_deposit
from tracer.sandbox.truth import MixerPair
from tracer.sandbox.world import ETHEREUM

DEPOSIT_GAS = 1_050_000
WITHDRAW_GAS = 360_000
UNIQUE_GAS_PRICE = 7_777_777_777  # never a whole gwei: a Tutela-H2 fingerprint
POOLS = {TORNADO_100: 100 * WEI, TORNADO_10: 10 * WEI}


class Pool:
    """Leaf counters of the two pools and the relayers' addresses."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.leaves = dict.fromkeys(POOLS, 0)
        self.relayers = [ctx.ids.evm() for _ in range(3)]
        for p, d in POOLS.items():
            ctx.truth.label(ETHEREUM, p, f"Tornado.Cash: {d // WEI} ETH", "mixer", 1.0)

    def deposit(self, sender: str, pool: str, ts: int, gas_price: int) -> tuple[str, int]:
        """A deposit of exactly the pool denomination; returns (tx hash, gas price used)."""
        commitment = self.ctx.rng.getrandbits(256).to_bytes(32, "big")
        leaf = self.leaves[pool]
        self.leaves[pool] += 1
        tx = self.ctx.eth.tx(
            ts, sender, pool, POOLS[pool], input=abi.tornado_deposit(commitment), gas_used=DEPOSIT_GAS,
            gas_price=gas_price,
            logs=[(pool, (abi.TORNADO_DEPOSIT_TOPIC, "0x" + commitment.hex()), abi.tornado_deposit_data(leaf, ts))],
        )
        return tx.hash, gas_price

    def withdraw(self, pool: str, ts: int, recipient: str, *, sender: str | None = None,
                 gas_price: int | None = None) -> tuple[str, int]:
        """Withdraw one note to ``recipient``: via a relayer (fee) unless ``sender`` pays gas itself."""
        ctx = self.ctx
        relayer = abi.ZERO_ADDRESS if sender else ctx.rng.choice(self.relayers)
        fee = 0 if sender else POOLS[pool] * ctx.rng.randint(15, 40) // 10_000
        nullifier = ctx.rng.getrandbits(256).to_bytes(32, "big")
        data = abi.tornado_withdraw(b"\x01" * 256, ctx.rng.getrandbits(256).to_bytes(32, "big"), nullifier,
                                    recipient, relayer, fee)
        calls = [(pool, recipient, POOLS[pool] - fee)] + ([(pool, relayer, fee)] if fee else [])
        tx = ctx.eth.tx(
            ts, sender or relayer, pool, 0, input=data, gas_used=WITHDRAW_GAS,
            gas_price=gas_price or (ctx.gas_price() + ctx.rng.randint(1, 999_999)), internal=calls,
            logs=[(pool, (abi.TORNADO_WITHDRAWAL_TOPIC, abi.topic_address(relayer)),
                   abi.tornado_withdrawal_data(recipient, nullifier, fee))],
        )
        return tx.hash, POOLS[pool] - fee


def others(ctx: Ctx, pool: Pool) -> None:
    """Other users' deposits and withdrawals, interleaved with the launderer's over the whole window."""
    for _ in range(ctx.scale.mixer_users):
        p = ctx.rng.choice(list(POOLS))
        t = ctx.t0 - DAY + ctx.rng.randint(0, 12 * DAY)
        pool.deposit(ctx.ids.evm(), p, t, ctx.gas_price())
        pool.withdraw(p, t + ctx.rng.randint(HOUR, 4 * DAY), ctx.ids.evm())


def launder(ctx: Ctx, pool: Pool, addr: str, pool_addr: str, ts: int, variant: int) -> None:
    """Deposit the wallet's balance as notes and take each note out to a fresh address.

    variant 0: the first note is deposited with a unique gas price and withdrawn by the launderer itself with
    that same price (H2). variant 1: the launderer first makes three plain payments to the first recipient (H3).
    Every other note goes through a relayer to a fresh address (unlinkable by construction).
    """
    e = ctx.eth
    denom = POOLS[pool_addr]
    recipients: list[str] = []
    if variant == 1:
        w_star = ctx.ids.evm()
        ctx.own_eth(w_star)
        recipients.append(w_star)
        for k in range(3):
            e.tx(ts - 2 * HOUR + k * 600, addr, w_star, WEI // 100, gas_price=ctx.gas_price())
    reserve = 4 * SIMPLE_GAS * 6 * 10**9 + WITHDRAW_GAS * UNIQUE_GAS_PRICE
    n = max(0, (e.balance[addr] - reserve) // (denom + DEPOSIT_GAS * UNIQUE_GAS_PRICE))
    deposits: list[tuple[str, int]] = []
    for k in range(n):
        price = UNIQUE_GAS_PRICE if (variant == 0 and k == 0) else ctx.gas_price()
        deposits.append(pool.deposit(addr, pool_addr, ts + k * 300, price))
        ctx.truth.outflow(ETHEREUM, ETH, "mixer_deposit", denom)
    for k, (dep_hash, price) in enumerate(deposits):
        t_w = ts + 8 * HOUR + k * ctx.rng.randint(2 * HOUR, 9 * HOUR)
        if k < len(recipients):
            rcpt = recipients[k]
        else:
            rcpt = ctx.ids.evm()
            ctx.own_eth(rcpt)
        if variant == 0 and k == 0:
            wd_hash, got = pool.withdraw(pool_addr, t_w, rcpt, sender=addr, gas_price=price)
            linkable: tuple[str, ...] = ("H2",)
        else:
            wd_hash, got = pool.withdraw(pool_addr, t_w, rcpt)
            linkable = ("H3",) if (variant == 1 and k == 0) else ()
        ctx.truth.inflow(ETHEREUM, ETH, "mixer_withdrawal", got)
        ctx.truth.mixer_pairs.append(MixerPair(pool_addr, dep_hash, wd_hash, rcpt, linkable))
        if k % 2 == 0 and ctx.phase_of(t_w + DAY) == 1:
            before = len(ctx.truth.exits)
            to_exchange_deposit(ctx, rcpt, t_w + DAY, others=1)
            ctx.truth.exits[before:] = [replace(x, via="mixer") for x in ctx.truth.exits[before:]]
        else:
            ctx.rest_status[(ETHEREUM, rcpt)] = "mixed"
