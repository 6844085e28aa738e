"""The Ethereum side of the incident: theft, token->ETH swap, fan-out, and the per-wallet drain roles."""

from __future__ import annotations

from tracer.sandbox.generator import abi
from tracer.sandbox.generator.context import (
    CURVE_STETH_POOL,
    DAY,
    ETH,
    GWEI,
    HOUR,
    STETH,
    STETH_KEY,
    WEI,
    Ctx,
)
from tracer.sandbox.truth import CrossChainPair, Exit
from tracer.sandbox.world import ETHEREUM

ROLES = ("thor", "thor", "thor", "thor", "thor_special", "exch", "exch", "tornado100", "tornado10",
         "exchange", "dormant_move", "dormant")
SIMPLE_GAS = 21_000


def theft(ctx: Ctx) -> tuple[str, list[str]]:
    """Steal ETH + stETH into the exploiter, swap the stETH to ETH, fan out; returns (theft tx, layer-1)."""
    e, t = ctx.eth, ctx.t0
    victim, exploiter, deployer = ctx.ids.evm(), ctx.ids.evm(), ctx.ids.evm()
    ctx.actors.update(victim=victim, exploiter=exploiter)
    stolen_eth = ctx.scale.stolen_eth * WEI
    stolen_steth = ctx.scale.stolen_steth * WEI
    e.balance[victim] += stolen_eth + 1_000 * WEI
    e.genesis[victim] += stolen_eth + 1_000 * WEI
    e.tokens[(STETH, victim)] += stolen_steth + 5 * WEI
    e.token_genesis[(STETH, victim)] += stolen_steth + 5 * WEI
    ctx.own_eth(exploiter)
    # One malicious Safe call (sent by a throwaway deployer) sweeps both assets to the exploiter.
    tx = e.tx(t, deployer, victim, 0, input=abi.calldata(
        "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
        ["address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address", "bytes"],
        [exploiter, 0, b"", 1, 0, 0, 0, abi.ZERO_ADDRESS, abi.ZERO_ADDRESS, b"\x00" * 65]),
        gas_used=187_000, gas_price=3 * GWEI,
        internal=[(victim, exploiter, stolen_eth)], tokens=[(STETH, victim, exploiter, stolen_steth)],
        logs=[])
    ctx.truth.inflow(ETHEREUM, ETH, "stolen", stolen_eth)
    ctx.truth.inflow(ETHEREUM, STETH_KEY, "stolen", stolen_steth)
    ctx.truth.label(ETHEREUM, victim, "Victim: Exchange Cold Wallet", "victim", 1.0)
    ctx.truth.label(ETHEREUM, exploiter, "Exploiter 1", "hacker", 0.95)
    # Token -> native first (avoids issuer freezes): stETH into the Curve pool, ETH back in the same tx.
    dy = stolen_steth * 9_985 // 10_000
    e.balance[CURVE_STETH_POOL] += dy
    e.genesis[CURVE_STETH_POOL] += dy
    # The "steth" variant swaps in three chunks minutes apart (same total in and out).
    chunks = [stolen_steth // 3, stolen_steth // 3, stolen_steth - 2 * (stolen_steth // 3)] \
        if ctx.has("steth") else [stolen_steth]
    paid = 0
    for k, chunk in enumerate(chunks):
        out = dy - paid if k == len(chunks) - 1 else chunk * 9_985 // 10_000
        paid += out
        swap = e.tx(t + 300 + 60 * k, exploiter, CURVE_STETH_POOL, 0,
                    input=abi.curve_exchange(1, 0, chunk, out * 99 // 100), gas_used=142_000, gas_price=4 * GWEI,
                    tokens=[(STETH, exploiter, CURVE_STETH_POOL, chunk)], internal=[(CURVE_STETH_POOL, exploiter, out)])
        ctx.truth.cross_chain.append(CrossChainPair(ETHEREUM, swap.hash, ETHEREUM, swap.hash, "swap", "Curve"))
    ctx.truth.outflow(ETHEREUM, STETH_KEY, "swapped_to_ETH", stolen_steth)
    ctx.truth.inflow(ETHEREUM, ETH, "swap_proceeds", dy)
    ctx.truth.label(ETHEREUM, CURVE_STETH_POOL, "Curve.fi: stETH/ETH Pool", "dex", 0.95)
    layer1 = [ctx.ids.evm() for _ in range(ctx.scale.layer1)]
    ctx.own_eth(*layer1)
    price = 3 * GWEI
    budget = e.balance[exploiter] - len(layer1) * SIMPLE_GAS * price
    share = budget // len(layer1)
    for n, addr in enumerate(layer1):
        amount = share - ctx.rng.randint(0, share // 200)  # near-equal fan-out (CV well under 5 %)
        e.tx(t + 600 + 45 * n, exploiter, addr, amount, gas_price=price)
    return tx.hash, layer1


def drain_time(ctx: Ctx, n: int) -> int:
    """Staggered draining: wallet ``n`` starts on a different day of phase 1."""
    return ctx.t0 + 3 * HOUR + (n % 8) * 20 * HOUR + ctx.rng.randint(0, 3 * HOUR)


def spendable(ctx: Ctx, addr: str, n_txs: int, gas_used: int, gas_price: int) -> int:
    """Balance left after paying for ``n_txs`` txs of ``gas_used`` at ``gas_price``."""
    return ctx.eth.balance[addr] - n_txs * gas_used * gas_price


def to_exchange_deposit(ctx: Ctx, src: str, ts: int, others: int = 1) -> str:
    """Send the whole balance of ``src`` to a fresh (unlabelled) exchange deposit address, which later sweeps
    it, with other customers' deposits, to the labelled hot wallet."""
    e = ctx.eth
    dep = ctx.ids.evm()
    ctx.truth.deposit_address(ETHEREUM, dep)
    behaviour = ctx.rng.randrange(4) if ctx.has("deposits") else 0
    pay_into_deposit(ctx, src, dep, ts)
    if behaviour == 1:  # a popular deposit address: many customers, swept days later
        others += 8
    for k in range(others):  # other customers' deposits to the same address
        e.tx(ts - 2 * DAY + k * HOUR, ctx.ids.evm(), dep, ctx.rng.randint(1, 40) * WEI // 10, gas_price=ctx.gas_price())
    price = ctx.gas_price()
    sweep_at = ts + (3 * DAY if behaviour == 1 else 40 * 60)
    ctx.truth.deposit_swept(ETHEREUM, dep, sweep_at)
    hot = ctx.actors["exchange_eth"]
    if behaviour == 2:  # swept in two parts
        half = e.balance[dep] // 2
        e.tx(sweep_at, dep, hot, half, gas_price=price)
        sweep_at += 6 * HOUR
    if behaviour == 3:  # swept through the exchange's (unlabelled) consolidation address, which pays the hot wallet
        hot = ctx.actors.get("exchange_consolidation") or ctx.ids.evm()
        if "exchange_consolidation" not in ctx.actors:
            ctx.actors["exchange_consolidation"] = hot
            ctx.truth.noise["exchange_internal"].append(f"{ETHEREUM}:{hot}")
            other_customers_sweep_into(ctx, hot, ts)
    e.tx(sweep_at, dep, hot, e.balance[dep] - SIMPLE_GAS * price, gas_price=price)
    if behaviour == 3:
        e.tx(sweep_at + HOUR, hot, ctx.actors["exchange_eth"], e.balance[hot] - SIMPLE_GAS * price, gas_price=price)
    return dep


def other_customers_sweep_into(ctx: Ctx, consolidation: str, before: int) -> None:
    """An exchange's consolidation address collects the sweeps of many customers' deposit addresses (hundreds on
    mainnet; 24-40 here, over the four days before ``before``): each deposit address gets one customer payment
    and is swept whole into the consolidation address."""
    e = ctx.eth
    for _ in range(ctx.rng.randint(24, 40)):
        t = before - ctx.rng.randint(2 * HOUR, 4 * DAY)
        dep, price = ctx.ids.evm(), ctx.gas_price()
        e.tx(t, ctx.ids.evm(), dep, ctx.rng.randint(1, 40) * WEI // 10, gas_price=ctx.gas_price())
        e.tx(t + 40 * 60, dep, consolidation, e.balance[dep] - SIMPLE_GAS * price, gas_price=price)


def pay_into_deposit(ctx: Ctx, src: str, dep: str, ts: int) -> None:
    """The launderer pays its whole balance into an exchange deposit address (an exit, cashed out)."""
    price = ctx.gas_price()
    amount = spendable(ctx, src, 1, SIMPLE_GAS, price)
    tx = ctx.eth.tx(ts, src, dep, amount, gas_price=price)
    ctx.exit(ETHEREUM, dep, "Exchange X", "exchange", "cashed_out", ETH, amount, ts, tx.hash)


def drain_simple(ctx: Ctx, addr: str, role: str, n: int) -> None:
    """The exchange / dormant roles."""
    if role == "dormant":
        ctx.truth.dormant[(ETHEREUM, addr)] = None
        return
    if role == "dormant_move":
        ctx.truth.dormant[(ETHEREUM, addr)] = None
        ts = ctx.phase1_end + 2 * DAY + n * HOUR
        ctx.truth.phase1_holdings.append(Exit(ETHEREUM, addr, None, None, "unspent", ETH, ctx.eth.balance[addr], 1))
    else:
        ts = drain_time(ctx, n)
    to_exchange_deposit(ctx, addr, ts, others=2)


def finish_unspent(ctx: Ctx) -> None:
    """Whatever the launderer still holds on Ethereum is an 'unspent' (or 'mixed') exit."""
    for chain, addr in list(ctx.truth.launderer):
        if chain != ETHEREUM:
            continue
        bal = ctx.eth.balance[addr]
        if bal > 0:
            status = ctx.rest_status.get((chain, addr), "unspent")
            ctx.exit(ETHEREUM, addr, None, None, status, ETH, bal, ctx.t0)
    fees = sum(tx.fee for tx in ctx.eth.txs if (ETHEREUM, tx.from_) in ctx.truth.launderer)
    ctx.truth.outflow(ETHEREUM, ETH, "gas", fees)
