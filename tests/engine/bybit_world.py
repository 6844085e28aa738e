"""A sandbox :class:`World` holding the real first hop of the Bybit theft (2025-02-21), for replay tests.

Sources (test data only, see /work/shared/data/README.md):

* ``hacks/bybit_2025_phvaz_trace/hop1_native_rows.csv`` -- the 46 native outflows of the direct theft address
  0x47666fab…86e2 (real tx hashes, blocks, timestamps, recipients, amounts in ETH);
* ``hacks/tayvano_lazarus_excerpts/bybit_2025-02-21.md`` -- the theft tx, the cold wallet, the exploiter EOA,
  the 401,346 ETH received by the theft address and the 47 "~10,000 ETH" layering addresses.

What is real and what is made up (so a reader knows what an assertion can mean):

* real: tx hashes, block numbers, senders, recipients, values (the hop-1 amounts are whole ETH, so the wei
  value is exact), the theft tx hash and block;
* made up: gas (all gas fields are 0, so no fee is paid -- fees are not in the source data), nonces
  (sequential per sender in chain order), ``tx_index`` (order of the CSV rows within a block), calldata of the
  zero-value contract calls (``0x``: the source does not carry it);
* approximate: timestamps. A :class:`BlockClock` is a fixed 12 s slot clock, so it cannot represent the slots
  missed on mainnet; anchored at the theft block, the served timestamps are at most a few slots early
  (:func:`timestamp_drift` says by how much for each row).
* the 401,346 ETH is the excerpt's rounded figure; the real internal transfer carries a fractional part that is
  not in the sources. The theft is modelled as the real tx shape: the exploiter EOA calls the cold wallet (whose
  implementation it had swapped), which sends the ETH to the theft address as an internal call.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.shared_data import SHARED_DATA
from tracer.sandbox.world import ETHEREUM, BlockClock, EvmTx, InternalCall, World

DATA = SHARED_DATA / "hacks"
HOP1_CSV = DATA / "bybit_2025_phvaz_trace" / "hop1_native_rows.csv"
EXCERPT = DATA / "tayvano_lazarus_excerpts" / "bybit_2025-02-21.md"

WEI_PER_ETH = 10**18
THEFT_ADDRESS = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
COLD_WALLET = "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
EXPLOITER_EOA = "0x0fa09c3a328792253f8dee7116848723b72a6d2e"
THEFT_TX = "0xb61413c495fdad6114a7aa863a00b2e3c28945979a10885b12b30316ea9f072c"
THEFT_BLOCK = 21_895_238
THEFT_TIME = int(datetime(2025, 2, 21, 14, 13, 35, tzinfo=UTC).timestamp())  # block 21895238 on mainnet
STOLEN_WEI = 401_346 * WEI_PER_ETH  # "Direct Theft (401,346 ETH + 90,375 stETH)": the ETH part only
SLOT_SECONDS = 12
TIP_MARGIN = 100  # blocks after the last hop-1 row: every row is final with any confirmation margin below this

_LAYERING_RE = re.compile(r"^- (0x[0-9a-fA-F]{40}) - Moved (\w+ \d+) \(([\d,]+\.\d+) ETH\)", re.MULTILINE)


@dataclass(frozen=True)
class Hop1Row:
    """One native outflow of the theft address as the CSV gives it, amount converted to wei exactly."""

    tx_hash: str
    timestamp: int  # unix seconds (real block time)
    to: str
    value: int  # wei
    block: int
    is_error: bool


@dataclass(frozen=True)
class LayeringAddress:
    """One "~10,000 ETH layering address" of the tayvano excerpt (amount as listed, in wei)."""

    address: str
    moved: str  # e.g. "Feb 22"
    listed_wei: int


def eth_to_wei(amount: str) -> int:
    """Exact wei of a decimal ETH string; refuses a value that is not a whole number of wei."""
    wei = Decimal(amount).scaleb(18)
    if wei != wei.to_integral_value():
        raise ValueError(f"{amount} ETH is not a whole number of wei")
    return int(wei)


def load_hop1(path: Path = HOP1_CSV) -> list[Hop1Row]:
    """The hop-1 rows in file order (which is chain order)."""
    rows: list[Hop1Row] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["kind"] != "native" or r["chain_id"] != "1":
                raise ValueError(f"unexpected row {r['hash']}: kind={r['kind']} chain_id={r['chain_id']}")
            when = datetime.strptime(r["timestamp_utc"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
            rows.append(Hop1Row(r["hash"].lower(), int(when.timestamp()), r["to"].lower(), eth_to_wei(r["amount"]),
                                int(r["block"]), r["is_error"] != "0"))
    return rows


def load_layering_addresses(path: Path = EXCERPT) -> list[LayeringAddress]:
    """The excerpt's "Moved <date> (<amount> ETH)" addresses, lower-cased, in listed order."""
    text = path.read_text(encoding="utf-8")
    return [LayeringAddress(a.lower(), moved, eth_to_wei(amount.replace(",", "")))
            for a, moved, amount in _LAYERING_RE.findall(text)]


def clock() -> BlockClock:
    """12 s slots anchored at the theft block's real timestamp."""
    return BlockClock(THEFT_BLOCK, THEFT_TIME, SLOT_SECONDS)


def timestamp_drift(row: Hop1Row) -> int:
    """Real minus served timestamp of a row's block (>= 0: missed slots make real time later)."""
    return row.timestamp - clock().time_of(row.block)


def build_world(rows: list[Hop1Row] | None = None) -> World:
    """The theft tx plus every hop-1 row as a top-level native tx with its real hash, block and value."""
    rows = load_hop1() if rows is None else rows
    theft = EvmTx(hash=THEFT_TX, block=THEFT_BLOCK, tx_index=0, from_=EXPLOITER_EOA, to=COLD_WALLET, value=0,
                  nonce=0, gas_limit=0, gas_used=0, gas_price=0,
                  internal=(InternalCall(COLD_WALLET, THEFT_ADDRESS, STOLEN_WEI, "0"),))
    txs = [theft]
    per_block: dict[int, int] = {}
    for nonce, r in enumerate(rows):
        index = per_block.get(r.block, 0)  # several rows share a block: keep CSV order inside it
        per_block[r.block] = index + 1
        txs.append(EvmTx(hash=r.tx_hash, block=r.block, tx_index=index, from_=THEFT_ADDRESS, to=r.to,
                         value=r.value, nonce=nonce, gas_limit=0, gas_used=0, gas_price=0, is_error=r.is_error))
    tip = max(r.block for r in rows) + TIP_MARGIN
    # The cold wallet held far more than was stolen; give it exactly the stolen ETH so balances stay consistent.
    return World(clocks={ETHEREUM: clock()}, tips={ETHEREUM: (tip,)}, evm_txs=tuple(txs),
                 evm_genesis=((COLD_WALLET, STOLEN_WEI),))
