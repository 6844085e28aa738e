"""Shared state of one generation run: RNG, id factory, per-chain builders, truth recorder, constants."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tracer.sandbox.generator.builders import BtcBuilder, EvmBuilder, TronBuilder
from tracer.sandbox.generator.ids import Ids
from tracer.sandbox.truth import Exit, TruthRecorder
from tracer.sandbox.world import BITCOIN, ETHEREUM, TRON, BlockClock, ThorAction

# Real mainnet contracts the story uses (labels are ours, addresses are the public ones).
STETH = "0xae7ab96520de3a18e5e111b5eaab095312d7fe84"
USDT_ERC20 = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CURVE_STETH_POOL = "0xdc24316b9ae028f1497c275eb9192a3ea0f67022"
THOR_ROUTER = "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"
TORNADO_100 = "0xa160cdab225685da1d56aa342ad8841c3b53f291"
TORNADO_10 = "0x910cbd523d972eb0a6f4cae4618ad62622b39dbf"
USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

ETH = "ETH"
BTC = "BTC"
STETH_KEY = f"stETH@{STETH}"
USDT_TRON_KEY = f"USDT@{USDT_TRC20}"
WEI = 10**18
GWEI = 10**9
HOUR = 3600
DAY = 86_400

# Anchors close to the real chains on 21 Feb 2025 (Bybit day).
ETH_CLOCK = BlockClock(21_895_000, 1_740_139_343, 12)
BTC_CLOCK = BlockClock(884_000, 1_740_100_000, 600)
TRON_CLOCK = BlockClock(69_800_000, 1_740_130_000, 3)
THOR_CLOCK = BlockClock(19_900_000, 1_740_130_000, 6)
# Exchange rates used by the swap services (integers: sat per ETH, USDT units per ETH).
SAT_PER_ETH = 2_850_000
USDT_PER_ETH = 2_650_000_000


@dataclass(frozen=True)
class Scale:
    """Size knobs of one generated world."""

    layer1: int
    stolen_eth: int  # whole ETH
    stolen_steth: int
    busy_eth: int
    busy_btc: int
    mixer_users: int
    otc_noise: int
    service_noise: int


SCALES = {
    "demo": Scale(layer1=12, stolen_eth=3_600, stolen_steth=1_200, busy_eth=2_400, busy_btc=1_100,
                  mixer_users=24, otc_noise=500, service_noise=8),
    # Small worlds for property tests over many seeds (same story, fewer bystanders).
    "small": Scale(layer1=12, stolen_eth=1_200, stolen_steth=400, busy_eth=300, busy_btc=150,
                   mixer_users=10, otc_noise=60, service_noise=3),
    "large": Scale(layer1=48, stolen_eth=40_000, stolen_steth=12_000, busy_eth=12_000, busy_btc=4_000,
                   mixer_users=200, otc_noise=2_000, service_noise=60),
}


@dataclass
class Ctx:
    """Everything the story modules share."""

    seed: int
    scale: Scale
    scale_name: str
    rng: random.Random
    ids: Ids
    eth: EvmBuilder
    btc: BtcBuilder
    tron: TronBuilder
    truth: TruthRecorder
    t0: int  # theft time (unix s)
    phase1_end: int
    phase2_end: int
    thor_actions: list[ThorAction] = field(default_factory=list)
    rest_status: dict[tuple[str, str], str] = field(default_factory=dict)  # where leftover value rests
    actors: dict[str, str] = field(default_factory=dict)  # named service/actor addresses
    variants: frozenset[str] = frozenset()  # opt-in twists of the story (tracer.sandbox.generator.variants)

    def has(self, variant: str) -> bool:
        """True when the world was asked for ``variant``."""
        return variant in self.variants

    @classmethod
    def new(cls, seed: int, scale_name: str, variants: frozenset[str] = frozenset()) -> Ctx:
        """A fresh context; the theft happens at a fixed block on Ethereum."""
        rng = random.Random(seed)
        ids = Ids(rng)
        t0 = ETH_CLOCK.time_of(21_895_251)
        return cls(
            seed=seed, scale=SCALES[scale_name], scale_name=scale_name, rng=rng, ids=ids,
            eth=EvmBuilder(ETH_CLOCK, ids), btc=BtcBuilder(BTC_CLOCK, ids), tron=TronBuilder(TRON_CLOCK, ids),
            truth=TruthRecorder(), t0=t0, phase1_end=t0 + 9 * DAY, phase2_end=t0 + 20 * DAY, variants=variants,
        )

    def phase_of(self, ts: int) -> int:
        """1 if ``ts`` is visible in phase 1, else 2."""
        return 1 if ts <= self.phase1_end else 2

    def gas_price(self) -> int:
        """A common whole-gwei gas price (the unique ones used for mixer linking are never whole)."""
        return self.rng.randint(1, 6) * GWEI

    def own_eth(self, *addrs: str) -> None:
        """Launderer-controlled Ethereum addresses (strict balances)."""
        self.truth.own(ETHEREUM, *addrs)
        self.eth.strict.update(addrs)

    def own_btc(self, *addrs: str) -> None:
        """Launderer-controlled Bitcoin addresses."""
        self.truth.own(BITCOIN, *addrs)

    def own_tron(self, *addrs: str) -> None:
        """Launderer-controlled TRON addresses."""
        self.truth.own(TRON, *addrs)
        self.tron.strict.update(addrs)

    def exit(self, chain: str, address: str, service: str | None, category: str | None, status: str,
             asset: str, amount: int, ts: int, tx: str | None = None) -> None:
        """Record where value came to rest."""
        self.truth.exit(Exit(chain, address, service, category, status, asset, amount, self.phase_of(ts), tx))
