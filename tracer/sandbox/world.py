"""A neutral, deterministic in-memory ledger of several chains, served by the sandbox API server.

The world knows nothing about how it was made: the generator builds one from a seeded incident, but a
world can equally be assembled from real recorded data. Every value is a frozen dataclass; amounts are
int base units (wei, sat, sun, THORChain 1e8). EVM addresses are lower-case 0x-hex (as Etherscan returns
them), Bitcoin addresses are their usual text form, TRON addresses are base58check ``T…``.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

ETHEREUM = "ethereum"
BITCOIN = "bitcoin"
TRON = "tron"


@dataclass(frozen=True)
class BlockClock:
    """Block height <-> timestamp for one chain (fixed block interval from an anchor block)."""

    anchor_height: int
    anchor_time: int  # unix seconds of ``anchor_height``
    block_seconds: int

    def time_of(self, height: int) -> int:
        """Unix timestamp (s) of block ``height``."""
        return self.anchor_time + (height - self.anchor_height) * self.block_seconds

    def height_at(self, ts: int, closest: str = "before") -> int:
        """Block at or before (``closest="before"``) / at or after a unix timestamp."""
        delta = ts - self.anchor_time
        h, rem = divmod(delta, self.block_seconds)
        if closest == "after" and rem:
            h += 1
        return self.anchor_height + h

    def block_hash(self, chain: str, height: int) -> str:
        """A stable 32-byte block hash (hex, no 0x)."""
        return hashlib.sha256(f"{chain}:{height}".encode()).hexdigest()


# ----------------------------------------------------------------------------------------------- EVM
@dataclass(frozen=True)
class InternalCall:
    """Native value moved by a contract call inside a tx (Etherscan ``txlistinternal`` row)."""

    from_: str
    to: str
    value: int
    trace_id: str
    call_type: str = "call"


@dataclass(frozen=True)
class TokenTransfer:
    """An ERC-20 ``Transfer`` event."""

    contract: str
    from_: str
    to: str
    value: int
    log_index: int


@dataclass(frozen=True)
class EvmLog:
    """Any other event log (mixer Deposit/Withdrawal, router Deposit, ...): topics and data as 0x-hex."""

    address: str
    topics: tuple[str, ...]
    data: str
    log_index: int


@dataclass(frozen=True)
class EvmTx:
    """A top-level EVM transaction with its internal calls and logs."""

    hash: str
    block: int
    tx_index: int
    from_: str
    to: str
    value: int
    nonce: int
    gas_limit: int
    gas_used: int
    gas_price: int
    input: str = "0x"
    is_error: bool = False
    internal: tuple[InternalCall, ...] = ()
    token_transfers: tuple[TokenTransfer, ...] = ()
    logs: tuple[EvmLog, ...] = ()

    @property
    def fee(self) -> int:
        """Gas paid by the sender, in wei."""
        return self.gas_used * self.gas_price


@dataclass(frozen=True)
class Token:
    """Token metadata. ``verified`` is False for look-alike fakes."""

    chain: str
    contract: str
    symbol: str
    name: str
    decimals: int
    verified: bool = True


# ----------------------------------------------------------------------------------------------- BTC
@dataclass(frozen=True)
class BtcIn:
    """A spent output feeding a Bitcoin tx (carries the prevout's address and value, like Esplora)."""

    prev_txid: str
    prev_vout: int
    address: str
    value: int


@dataclass(frozen=True)
class BtcOut:
    """A Bitcoin output; ``address`` is None for OP_RETURN (``op_return`` then holds the pushed bytes)."""

    address: str | None
    value: int
    script_type: str  # v0_p2wpkh | v1_p2tr | p2pkh | op_return
    op_return: bytes | None = None


@dataclass(frozen=True)
class BtcTx:
    """A confirmed Bitcoin transaction."""

    txid: str
    block: int
    vin: tuple[BtcIn, ...]
    vout: tuple[BtcOut, ...]

    @property
    def fee(self) -> int:
        """Inputs minus outputs, in sat."""
        return sum(i.value for i in self.vin) - sum(o.value for o in self.vout)


# ---------------------------------------------------------------------------------------------- TRON
@dataclass(frozen=True)
class Trc20Transfer:
    """A TRC-20 ``Transfer`` event (base58 addresses)."""

    contract: str
    from_: str
    to: str
    value: int
    event_index: int


@dataclass(frozen=True)
class TronEvent:
    """Any other contract event (e.g. the issuer's ``AddedBlackList``)."""

    contract: str
    name: str
    params: tuple[tuple[str, str], ...]
    event_index: int


@dataclass(frozen=True)
class TronTx:
    """A TRON transaction: a TRX ``TransferContract`` or a ``TriggerSmartContract`` call."""

    txid: str
    block: int
    owner: str
    contract_type: str  # TransferContract | TriggerSmartContract
    to: str  # TRX recipient, or the called contract
    amount: int = 0  # sun (TRX only)
    fee: int = 0  # sun burned for energy/bandwidth
    trc20: tuple[Trc20Transfer, ...] = ()
    events: tuple[TronEvent, ...] = ()
    ret: str = "SUCCESS"


# ----------------------------------------------------------------------------------------- THORChain
@dataclass(frozen=True)
class ThorLeg:
    """One ``in``/``out`` entry of a Midgard action (amount in THORChain 1e8 units)."""

    address: str
    txid: str  # as the chain spells it (0x-hex for ETH, hex for BTC); Midgard shows it upper-case
    asset: str  # ETH.ETH, BTC.BTC, ...
    amount: int


@dataclass(frozen=True)
class ThorAction:
    """A Midgard v2 action (swap or refund)."""

    type: str
    status: str
    height: int
    date: int  # unix seconds
    in_legs: tuple[ThorLeg, ...]
    out_legs: tuple[ThorLeg, ...]
    memo: str
    pools: tuple[str, ...]
    visible_chain: str  # the action is shown once this chain's tip reaches ``visible_block``
    visible_block: int
    is_streaming: bool = False
    streaming_quantity: int = 0
    liquidity_fee: int = 0
    network_fees: tuple[tuple[str, int], ...] = ()
    reason: str = ""


# --------------------------------------------------------------------------------------------- world
@dataclass(frozen=True)
class World:
    """Everything the sandbox serves. ``tips[chain][phase-1]`` is the visible tip height in each phase."""

    clocks: dict[str, BlockClock]
    tips: dict[str, tuple[int, ...]]
    evm_txs: tuple[EvmTx, ...] = ()
    tokens: tuple[Token, ...] = ()
    btc_txs: tuple[BtcTx, ...] = ()
    tron_txs: tuple[TronTx, ...] = ()
    thor_actions: tuple[ThorAction, ...] = ()
    evm_genesis: tuple[tuple[str, int], ...] = ()  # pre-existing native balances (wei)
    token_genesis: tuple[tuple[str, str, int], ...] = ()  # (contract, holder, amount)
    prices: tuple[tuple[str, int, str], ...] = ()  # (coingecko id, unix s, USD decimal string)

    @property
    def phases(self) -> int:
        """Number of phases (all chains have the same number of tips)."""
        return min(len(t) for t in self.tips.values())

    def tip(self, chain: str, phase: int) -> int:
        """Visible tip of ``chain`` in ``phase`` (1-based, clamped)."""
        tips = self.tips[chain]
        return tips[max(0, min(phase, len(tips)) - 1)]

    def time_of(self, chain: str, height: int) -> int:
        """Unix timestamp of a block."""
        return self.clocks[chain].time_of(height)

    def digest(self) -> str:
        """sha256 of a canonical JSON dump -- equal worlds have equal digests."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=_jsonable).encode()).hexdigest()

    @cached_property
    def index(self) -> WorldIndex:
        """Lookup tables for serving (built once, lazily)."""
        return WorldIndex.build(self)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, bytes):
        return obj.hex()
    raise TypeError(type(obj))


@dataclass
class WorldIndex:
    """Address/hash indexes over a :class:`World`; all lists are in chain order (block, position)."""

    evm_by_hash: dict[str, EvmTx] = field(default_factory=dict)
    evm_by_addr: dict[str, list[EvmTx]] = field(default_factory=lambda: defaultdict(list))
    evm_by_block: dict[int, list[EvmTx]] = field(default_factory=lambda: defaultdict(list))
    internal_by_addr: dict[str, list[tuple[EvmTx, InternalCall]]] = field(default_factory=lambda: defaultdict(list))
    token_by_addr: dict[str, list[tuple[EvmTx, TokenTransfer]]] = field(default_factory=lambda: defaultdict(list))
    tokens: dict[str, Token] = field(default_factory=dict)
    btc_by_txid: dict[str, BtcTx] = field(default_factory=dict)
    btc_by_addr: dict[str, list[BtcTx]] = field(default_factory=lambda: defaultdict(list))
    spends: dict[tuple[str, int], tuple[BtcTx, int]] = field(default_factory=dict)
    tron_by_id: dict[str, TronTx] = field(default_factory=dict)
    tron_by_addr: dict[str, list[TronTx]] = field(default_factory=lambda: defaultdict(list))
    tron_events: dict[tuple[str, str], list[tuple[TronTx, TronEvent]]] = field(
        default_factory=lambda: defaultdict(list))  # (contract, event name) -> events, chain order
    trc20_by_addr: dict[str, list[tuple[TronTx, Trc20Transfer]]] = field(default_factory=lambda: defaultdict(list))
    thor_by_txid: dict[str, list[ThorAction]] = field(default_factory=lambda: defaultdict(list))
    thor_by_addr: dict[str, list[ThorAction]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, world: World) -> WorldIndex:
        """Index every transaction of ``world``."""
        ix = cls()
        ix.tokens = {t.contract: t for t in world.tokens}
        for tx in sorted(world.evm_txs, key=lambda t: (t.block, t.tx_index)):
            ix.evm_by_hash[tx.hash] = tx
            ix.evm_by_block[tx.block].append(tx)
            for a in {tx.from_, tx.to}:
                ix.evm_by_addr[a].append(tx)
            for call in tx.internal:
                for a in {call.from_, call.to}:
                    ix.internal_by_addr[a].append((tx, call))
            for tt in tx.token_transfers:
                for a in {tt.from_, tt.to}:
                    ix.token_by_addr[a].append((tx, tt))
        for btx in sorted(world.btc_txs, key=lambda t: t.block):
            ix.btc_by_txid[btx.txid] = btx
            touched: dict[str, None] = {}
            for n, i in enumerate(btx.vin):
                touched[i.address] = None
                ix.spends[(i.prev_txid, i.prev_vout)] = (btx, n)
            for o in btx.vout:
                if o.address:
                    touched[o.address] = None
            for a in touched:
                ix.btc_by_addr[a].append(btx)
        for ttx in sorted(world.tron_txs, key=lambda t: t.block):
            ix.tron_by_id[ttx.txid] = ttx
            for a in {ttx.owner, ttx.to}:
                ix.tron_by_addr[a].append(ttx)
            for tr in ttx.trc20:
                for a in {tr.from_, tr.to}:
                    ix.trc20_by_addr[a].append((ttx, tr))
            for ev in ttx.events:
                ix.tron_events[(ev.contract, ev.name)].append((ttx, ev))
        for act in sorted(world.thor_actions, key=lambda a: a.date):
            ids = {leg.txid.lower().removeprefix("0x") for leg in act.in_legs + act.out_legs}
            for txid in ids:
                ix.thor_by_txid[txid].append(act)
            for a in {leg.address.lower() for leg in act.in_legs + act.out_legs}:
                ix.thor_by_addr[a].append(act)
        return ix
