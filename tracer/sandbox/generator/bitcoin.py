"""Bitcoin dispersal of the THORChain payouts: peel chains, a CoinJoin round, exchange deposits and sweeps."""

from __future__ import annotations

from dataclasses import replace

from tracer.sandbox.generator.builders import out
from tracer.sandbox.generator.context import BTC, DAY, HOUR, Ctx
from tracer.sandbox.generator.thorchain import Payout
from tracer.sandbox.world import BITCOIN

FEE = 2_200
DENOMS = (200_000_000, 100_000_000, 50_000_000, 20_000_000, 10_000_000, 5_000_000)
EXCHANGE = "Exchange X"


class Btc:
    """Launderer-side Bitcoin moves with fee accounting, plus the exchange's deposit sweeping."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.fees = 0
        self.pending_deposits: list[tuple[str, int]] = []  # (deposit address, time)
        ctx.actors["exchange_btc"] = ctx.ids.p2wpkh()
        ctx.truth.label(BITCOIN, ctx.actors["exchange_btc"], "Exchange X: Hot Wallet", "exchange", 0.95)

    def spend(self, ts: int, inputs: list[tuple[str, int]], outputs: list[tuple[str, int]]) -> str:
        """A launderer tx; the fee is whatever the inputs leave over."""
        tx = self.ctx.btc.tx(ts, inputs, [out(a, v) for a, v in outputs])
        self.fees += tx.fee
        return tx.txid

    def deposit(self, ts: int, inputs: list[tuple[str, int]], amount: int, change_to: str | None) -> str:
        """Pay ``amount`` to a fresh exchange deposit address (the rest, minus fee, to ``change_to``)."""
        ctx = self.ctx
        dep = ctx.ids.p2wpkh()
        ctx.truth.deposit_address(BITCOIN, dep)
        total = sum(ctx.btc.utxos[op][1] for op in inputs)
        outs = [(dep, amount)] + ([(change_to, total - amount - FEE)] if change_to else [])
        if not change_to:
            outs = [(dep, total - FEE)]
            amount = total - FEE
        txid = self.spend(ts, inputs, outs)
        ctx.exit(BITCOIN, dep, EXCHANGE, "exchange", "cashed_out", BTC, amount, ts, txid)
        self.pending_deposits.append((dep, ts))
        return txid

    def peel_chain(self, p: Payout, hops: int) -> None:
        """Each hop peels 6-15 % to an exchange deposit address; the change moves to a fresh address."""
        ctx = self.ctx
        inputs, ts = list(p.outpoints), p.ts + HOUR
        for _ in range(hops):
            total = sum(ctx.btc.utxos[op][1] for op in inputs)
            peel = total * ctx.rng.randint(6, 15) // 100
            nxt = ctx.ids.p2wpkh()
            ctx.own_btc(nxt)
            txid = self.deposit(ts, inputs, peel, nxt)
            inputs, ts = [(txid, 1)], ts + ctx.rng.randint(1, 5) * HOUR

    def coinjoin(self, payouts: list[Payout]) -> None:
        """A Wasabi-2-like round: many owners in, equal denominations out; then a post-mix consolidation."""
        ctx = self.ctx
        ts = max(p.ts for p in payouts) + 2 * HOUR
        mine = [op for p in payouts for op in p.outpoints]
        entries: list[tuple[list[tuple[str, int]], bool]] = [(mine, True)]
        for _ in range(14):
            owner = ctx.ids.p2wpkh()
            ops = [ctx.btc.external(owner, ctx.rng.randint(5, 300) * 10**6) for _ in range(ctx.rng.randint(1, 2))]
            entries.append((ops, False))
        outputs: list[tuple[str, int, bool]] = []
        launderer_in = sum(ctx.btc.utxos[op][1] for op in mine)
        for ops, is_mine in entries:
            left = sum(ctx.btc.utxos[op][1] for op in ops) - 1_500 * len(ops)
            for d in DENOMS:
                while left >= d:
                    outputs.append((ctx.ids.p2tr(), d, is_mine))
                    left -= d
            if left > 20_000:
                outputs.append((ctx.ids.p2tr(), left - 2_000, is_mine))  # change (toxic for the launderer)
        ctx.rng.shuffle(outputs)
        tx = ctx.btc.tx(ts, [op for ops, _ in entries for op in ops], [out(a, v) for a, v, _ in outputs])
        ctx.truth.noise["coinjoin_txs"].append(tx.txid)
        my_outs = [(n, a, v) for n, (a, v, m) in enumerate(outputs) if m]
        ctx.truth.outflow(BITCOIN, BTC, "coinjoin_fee", launderer_in - sum(v for _, _, v in my_outs))
        for _, a, _ in my_outs:
            ctx.own_btc(a)
        denom_outs = [(n, a, v) for n, a, v in my_outs if v in DENOMS]
        rest = [(n, a, v) for n, a, v in my_outs if v not in DENOMS]
        for _, a, _ in denom_outs:
            ctx.rest_status[(BITCOIN, a)] = "mixed"
        for _, a, _ in rest:
            ctx.rest_status[(BITCOIN, a)] = "unspent"
        # Post-mix consolidation: four CoinJoin outputs co-spent by the launderer, then cashed out.
        picked = denom_outs[:4]
        if len(picked) >= 2:
            sink = ctx.ids.p2wpkh()
            ctx.own_btc(sink)
            total = sum(v for _, _, v in picked)
            txid = self.spend(ts + DAY, [(tx.txid, n) for n, _, _ in picked], [(sink, total - FEE)])
            ctx.truth.noise["postmix_consolidation_txs"].append(txid)
            before = len(ctx.truth.exits)
            self.deposit(ts + DAY + 3 * HOUR, [(txid, 0)], 0, None)
            # like Tornado withdrawals: the value crossed a mixer first, so a tracer can only prove "mixed"
            ctx.truth.exits[before:] = [replace(x, via="mixer") for x in ctx.truth.exits[before:]]

    def disperse(self, p: Payout, ways: int) -> None:
        """Mass dispersion into fresh wallets that then sit unspent."""
        ctx = self.ctx
        total = sum(ctx.btc.utxos[op][1] for op in p.outpoints) - FEE
        addrs = [ctx.ids.p2wpkh() for _ in range(ways)]
        ctx.own_btc(*addrs)
        parts = [total // ways] * ways
        parts[-1] += total - sum(parts)
        self.spend(p.ts + 2 * HOUR, list(p.outpoints), list(zip(addrs, parts, strict=True)))

    def sweeps(self) -> None:
        """The exchange sweeps deposit addresses (with other customers' deposits) into its hot wallet."""
        ctx = self.ctx
        for k in range(0, len(self.pending_deposits), 3):
            group = self.pending_deposits[k:k + 3]
            ts = max(t for _, t in group) + 2 * HOUR
            inputs = []
            for dep, t in group:
                ctx.truth.deposit_swept(BITCOIN, dep, ts)
                inputs += ctx.btc.outpoints(dep)
                for _ in range(ctx.rng.randint(1, 2)):  # other customers paying the same deposit address
                    other = ctx.btc.external(ctx.ids.p2pkh(), ctx.rng.randint(1, 90) * 10**6)
                    funding = ctx.btc.tx(t - HOUR, [other], [out(dep, ctx.btc.utxos[other][1] - FEE)])
                    inputs.append((funding.txid, 0))
            total = sum(ctx.btc.utxos[op][1] for op in inputs)
            ctx.btc.tx(ts, inputs, [out(ctx.actors["exchange_btc"], total - 1_500 * len(inputs))])

    def busy_hot_wallet(self) -> None:
        """Thousands of unrelated receipts and payouts: more history than Esplora will list."""
        ctx = self.ctx
        hot = ctx.actors["exchange_btc"]
        ctx.truth.noise["busy_addresses"].append(f"{BITCOIN}:{hot}")
        mine: list[tuple[str, int]] = []  # the hot wallet's own outputs, oldest first
        for n in range(ctx.scale.busy_btc):
            t = ctx.t0 - 5 * DAY + n * (20 * DAY // ctx.scale.busy_btc)
            if n % 3 == 2 and mine:
                op = mine.pop(0)
                v = ctx.btc.utxos[op][1]
                pay = v // 3
                tx = ctx.btc.tx(t, [op], [out(ctx.ids.p2wpkh(), pay), out(hot, v - pay - FEE)])
                mine.append((tx.txid, 1))
            else:
                src = ctx.btc.external(ctx.ids.p2wpkh(), ctx.rng.randint(1, 500) * 10**6)
                v = ctx.btc.utxos[src][1]
                tx = ctx.btc.tx(t, [src], [out(hot, v - FEE)])
                mine.append((tx.txid, 0))

    def finish(self) -> None:
        """Unspent launderer UTXOs become exits; fees go into the conservation record."""
        ctx = self.ctx
        held: dict[str, int] = {}
        for addr, value, _ in ctx.btc.utxos.values():
            if (BITCOIN, addr) in ctx.truth.launderer:
                held[addr] = held.get(addr, 0) + value
        for addr, value in held.items():
            status = ctx.rest_status.get((BITCOIN, addr), "unspent")
            ctx.exit(BITCOIN, addr, None, None, status, BTC, value, ctx.t0)
        ctx.truth.outflow(BITCOIN, BTC, "fees", self.fees)
