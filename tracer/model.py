"""Domain model of the tracing engine: chains, assets, transfers, labels, evidence, trace edges, cases.

Everything here is a frozen value type with no I/O. Amounts are ``int`` in base units (wei, sat, sun,
token raw units) -- never floats. Timestamps are timezone-aware UTC ``datetime``s. Addresses are stored
in their canonical per-chain form (built by ``chains.addresses.canonical_address``): EVM lower-case
0x-hex, Bitcoin as encoded (bech32 lower-case, base58 case-preserved), TRON base58check ``T…``.

Modules outside ``tracer.model``/``tracer.errors`` depend on this one; it depends on nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum, IntEnum
from types import MappingProxyType
from typing import NewType, Protocol

TxHash = NewType("TxHash", str)
"""Canonical tx hash: lower-case 0x-hex on EVM chains, lower-case hex (no 0x) on Bitcoin and TRON."""


class Chain(str, Enum):
    """Chains the engine knows. Values are the CLI / JSON names."""

    ETHEREUM = "ethereum"
    BSC = "bsc"
    ARBITRUM = "arbitrum"
    BASE = "base"
    POLYGON = "polygon"
    OPTIMISM = "optimism"
    AVALANCHE = "avalanche"
    BITCOIN = "bitcoin"
    TRON = "tron"

    @property
    def is_evm(self) -> bool:
        """True for account-model chains with 0x addresses served by Etherscan-style APIs."""
        return self in EVM_CHAIN_IDS

    @property
    def is_utxo(self) -> bool:
        """True for UTXO chains (Bitcoin)."""
        return self is Chain.BITCOIN

    @property
    def public_history_requests(self) -> int:
        """The fewest calls the chain's public API dialect needs for one address's whole history
        (docs/public-apis.md): Etherscan keeps normal, internal and token transfers behind three actions; TronGrid
        keeps TRX/TRC-10 and TRC-20 behind two routes; Esplora returns a (first) page of whole transactions in one."""
        if self.is_evm:
            return 3
        return 2 if self is Chain.TRON else 1

    @property
    def native(self) -> Asset:
        """The chain's native coin as an :class:`Asset`."""
        symbol, decimals = NATIVE_COINS[self]
        return Asset(chain=self, symbol=symbol, contract=None, decimals=decimals)


EVM_CHAIN_IDS: Mapping[Chain, int] = MappingProxyType(
    {
        Chain.ETHEREUM: 1,
        Chain.BSC: 56,
        Chain.ARBITRUM: 42161,
        Chain.BASE: 8453,
        Chain.POLYGON: 137,
        Chain.OPTIMISM: 10,
        Chain.AVALANCHE: 43114,
    }
)
"""Etherscan V2 ``chainid`` per EVM chain."""

NATIVE_COINS: Mapping[Chain, tuple[str, int]] = MappingProxyType(
    {
        Chain.ETHEREUM: ("ETH", 18),
        Chain.BSC: ("BNB", 18),
        Chain.ARBITRUM: ("ETH", 18),
        Chain.BASE: ("ETH", 18),
        Chain.POLYGON: ("POL", 18),
        Chain.OPTIMISM: ("ETH", 18),
        Chain.AVALANCHE: ("AVAX", 18),
        Chain.BITCOIN: ("BTC", 8),
        Chain.TRON: ("TRX", 6),
    }
)


class TransferKind(str, Enum):
    """How a value movement appears on chain."""

    NATIVE = "native"  # top-level native coin transfer (EVM tx value, TRX TransferContract)
    INTERNAL = "internal"  # native coin moved by a contract call (trace / txlistinternal)
    TOKEN = "token"  # ERC-20 / TRC-20 Transfer event
    UTXO = "utxo"  # a Bitcoin transaction output


class Direction(str, Enum):
    """Which side of a transfer an address is on, for history queries."""

    IN = "in"
    OUT = "out"
    BOTH = "both"


class TransferFlag(str, Enum):
    """Marks set by parsers so the engine never follows noise."""

    ZERO_VALUE = "zero_value"  # amount 0 (address-poisoning "transfers" of 0 tokens)
    FAKE_TOKEN = "fake_token"  # token contract is not the verified contract for its symbol (look-alike)
    FAILED = "failed"  # reverted on chain: moved nothing
    POISONING = "poisoning"  # look-alike counterparty mimicking a real one
    DUST = "dust"  # below the dust threshold


@dataclass(frozen=True, slots=True)
class Asset:
    """A coin or token on one chain. ``contract`` is None for the native coin."""

    chain: Chain
    symbol: str
    contract: str | None
    decimals: int

    @property
    def key(self) -> str:
        """Stable asset key used in exports: ``ETH`` or ``USDT@0xdac1…``."""
        return self.symbol if self.contract is None else f"{self.symbol}@{self.contract}"

    @property
    def is_native(self) -> bool:
        """True for the chain's own coin."""
        return self.contract is None

    def to_units(self, amount: int) -> Decimal:
        """Base units -> whole units, exactly (Decimal, never float)."""
        return Decimal(amount).scaleb(-self.decimals)

    def from_units(self, amount: Decimal | str | int) -> int:
        """Whole units -> base units; raises ValueError if it does not land on an integer."""
        scaled = Decimal(amount).scaleb(self.decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} {self.symbol} has more than {self.decimals} decimals")
        return int(scaled)


@dataclass(frozen=True, slots=True, order=True)
class Address:
    """An address on one chain, always in canonical form."""

    chain: Chain
    value: str

    def __str__(self) -> str:
        return f"{self.chain.value}:{self.value}"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One value movement: the atom every adapter yields and the engine allocates taint over.

    ``index`` is unique within the transaction: log index for tokens, trace position for internal
    transfers, ``-1`` for the top-level native value, the output index (vout) for UTXO outputs. For UTXO
    outputs ``from_address`` is the address of the transaction's first input (the full input set is on
    :class:`ChainTx`).
    """

    chain: Chain
    tx_hash: str
    index: int
    kind: TransferKind
    asset: Asset
    from_address: str | None
    to_address: str | None
    amount: int
    block_number: int
    timestamp: datetime
    flags: frozenset[TransferFlag] = frozenset()
    fee: int = 0  # native fee paid by from_address for the whole tx; set on one transfer per tx (index -1)
    gas_price: int | None = None  # wei, on the top-level transfer where the API gives it (mixer heuristic H2)

    @property
    def id(self) -> str:
        """``chain:tx_hash:kind:index`` -- the natural key."""
        return f"{self.chain.value}:{self.tx_hash}:{self.kind.value}:{self.index}"

    @property
    def followable(self) -> bool:
        """False for zero-value, failed, fake-token and poisoning transfers."""
        return not self.flags and self.amount > 0


@dataclass(frozen=True, slots=True)
class UtxoInput:
    """A spent output feeding a UTXO transaction."""

    prev_tx_hash: str
    prev_index: int
    address: str | None
    amount: int


@dataclass(frozen=True, slots=True)
class UtxoOutput:
    """An output of a UTXO transaction; ``address`` is None for OP_RETURN and non-standard scripts."""

    index: int
    address: str | None
    amount: int
    script_type: str
    op_return: bytes | None = None


@dataclass(frozen=True, slots=True)
class ChainTx:
    """A whole transaction: its transfers (account chains) or inputs/outputs (UTXO chains).

    ``input_data`` is EVM calldata (0x-hex) -- THORChain router deposits carry their memo there; ``memo``
    is a decoded memo where the chain has one (Bitcoin OP_RETURN text, TRON data field).
    """

    chain: Chain
    tx_hash: str
    block_number: int
    timestamp: datetime
    from_address: str | None
    to_address: str | None
    fee: int
    success: bool = True
    transfers: tuple[Transfer, ...] = ()
    inputs: tuple[UtxoInput, ...] = ()
    outputs: tuple[UtxoOutput, ...] = ()
    input_data: str | None = None
    memo: str | None = None


@dataclass(frozen=True, slots=True)
class OutputSpend:
    """Where a UTXO output went (Esplora ``/tx/:txid/outspends``)."""

    spent: bool
    tx_hash: str | None = None
    input_index: int | None = None
    block_number: int | None = None


class Category(str, Enum):
    """Normalised label categories."""

    EXCHANGE = "exchange"
    DEPOSIT = "deposit"  # an exchange deposit address (found by behaviour or label)
    BRIDGE = "bridge"
    MIXER = "mixer"
    COINJOIN = "coinjoin"
    INSTANT_EXCHANGE = "instant_exchange"
    DEX = "dex"
    OTC = "otc"
    SANCTIONED = "sanctioned"
    HACKER = "hacker"
    VICTIM = "victim"
    SERVICE = "service"
    SCAM = "scam"
    DEFI = "defi"
    ISSUER = "issuer"  # stablecoin issuers (freezes)
    GAMBLING = "gambling"
    MINING = "mining"
    WALLET = "wallet"
    OTHER = "other"


TERMINAL_CATEGORIES: frozenset[Category] = frozenset(
    {Category.EXCHANGE, Category.DEPOSIT, Category.OTC, Category.INSTANT_EXCHANGE, Category.MIXER,
     Category.COINJOIN, Category.BRIDGE, Category.SERVICE, Category.GAMBLING}
)
"""Categories where a trace stops (or hands over to a protocol/mixer resolver)."""


class LabelConfidence(IntEnum):
    """GraphSense TagPack confidence levels (tagpack/db/confidence.csv) as 0..100 scores."""

    OVERRIDE = 100
    OWNERSHIP = 100
    LEDGER_IMMANENT = 100
    MANUAL_TRANSACTION = 90
    SERVICE_API = 70
    FORENSIC_INVESTIGATION = 70
    AUTHORITY_DATA = 60
    TRUSTED_PROVIDER = 50
    SERVICE_DATA = 50
    FORENSIC = 50
    UNTRUSTED_TRANSACTION = 40
    WEB_CRAWL = 20
    HEURISTIC = 10
    UNKNOWN = 5


@dataclass(frozen=True, slots=True)
class Label:
    """What a source says about an address. ``confidence`` is 0..1."""

    chain: Chain
    address: str
    label: str
    category: Category
    source: str
    confidence: float
    entity: str | None = None  # service or actor name ("Binance", "LAZARUS GROUP")
    program: str | None = None  # sanctions program ("DPRK3", "CYBER2")
    valid_from: datetime | None = None  # designation date
    valid_to: datetime | None = None  # delisting date
    source_version: str | None = None


class EvidenceClass(str, Enum):
    """How strongly an edge is proven (docs/methodology.md §1.4)."""

    E1 = "E1"  # on-chain transfer: deterministic
    E2 = "E2"  # protocol-resolved: THORChain memo/Midgard, DEX swap in one tx
    E3 = "E3"  # deterministic heuristic: CIOH outside CoinJoins, deposit-address reuse
    E4 = "E4"  # probabilistic heuristic: amount/time matches, single change signal
    E5 = "E5"  # analyst assertion / speculative demixing


INFERRED_EVIDENCE = frozenset({EvidenceClass.E4, EvidenceClass.E5})
"""Evidence classes whose continuations form the inferred layer (docs/methodology.md §1.4)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why an edge or finding holds: class, rule, confidence 0..1 and the facts behind it."""

    evidence_class: EvidenceClass
    rule: str  # registry name, e.g. "transfer", "bridges.thorchain.midgard", "mixers.tornado.unique_gas_price"
    confidence: float
    facts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} outside 0..1")


class LinkKind(str, Enum):
    """Kinds of service/cross-chain links between two transactions."""

    BRIDGE = "bridge"
    SWAP = "swap"
    MIXER = "mixer"
    INSTANT_EXCHANGE = "instant_exchange"
    DEPOSIT = "deposit"
    CLUSTER = "cluster"


@dataclass(frozen=True, slots=True)
class Link:
    """A hop through a service or protocol: value entered in one tx and left in another."""

    kind: LinkKind
    service: str
    from_chain: Chain
    from_tx: str
    to_chain: Chain
    to_tx: str | None
    to_address: str | None
    evidence: Evidence
    from_asset: str | None = None
    to_asset: str | None = None
    amount_in: int | None = None
    amount_out: int | None = None
    from_address: str | None = None  # who paid in (the launderer's address, or the pool/round for a demix)

    @property
    def inferred(self) -> bool:
        """A continuation the engine infers (E4/E5): its value is the inferred layer, never added to totals."""
        return self.evidence.evidence_class in INFERRED_EVIDENCE


class EndpointStatus(str, Enum):
    """Where traced value came to rest."""

    CASHED_OUT = "cashed_out"
    DARK = "dark"
    FROZEN = "frozen"
    UNSPENT = "unspent"
    MIXED = "mixed"
    BRIDGED = "bridged"
    UNKNOWN = "unknown"


class StopReason(str, Enum):
    """Why the engine stopped expanding an address (recorded on every endpoint)."""

    LABELLED_SERVICE = "labelled_service"
    DEPOSIT_ADDRESS = "deposit_address"
    BUSY_ADDRESS = "busy_address"
    UNSPENT = "unspent"
    BELOW_MIN_VALUE = "below_min_value"
    HOP_LIMIT = "hop_limit"
    ADDRESS_BUDGET = "address_budget"
    KEEPS_RECEIVING = "keeps_receiving"  # re-expanded past its cap (runner._expansion_cap) and taint still arrives
    FROZEN = "frozen"
    UNRESOLVED = "unresolved"
    FEES = "fees"
    COINJOIN = "coinjoin"
    UNREADABLE = "unreadable"  # the API answered garbage twice for this address (issue 15); reason in `service`


class TaintModel(str, Enum):
    """Taint allocation models (docs/methodology.md §1)."""

    HAIRCUT = "haircut"
    FIFO = "fifo"
    POISON = "poison"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a quantity of stolen value stopped, with its category, status and the reason."""

    chain: Chain
    address: str
    asset: Asset
    amount: int
    status: EndpointStatus
    category: Category | None
    reason: StopReason
    service: str | None = None
    hop: int = 0
    confidence: float = 1.0
    origin: str = ""
    origin_amount: int = 0


@dataclass(frozen=True, slots=True)
class CaseParameters:
    """The parameters a case was traced with (stored and exported with it)."""

    model: TaintModel = TaintModel.HAIRCUT
    max_hops: int = 60
    min_value: Decimal = Decimal("0")
    since: str | None = None
    address_budget: int = 5000
    busy_threshold: int = 1000
    match_instant: bool = True  # propose instant-exchange payouts (inferred E4 layer), like demixing: on by default
    demix: bool = True  # follow mixer withdrawals linked by heuristics, as a separate inferred layer
    assets: tuple[str, ...] = ()  # analyst-named stolen assets (symbol/contract/key); () = priced loot (seeding)


@dataclass(frozen=True, slots=True)
class Seed:
    """A starting point of a trace."""

    address: Address
    tx_hash: str | None = None
    since: str | None = None


class Severity(str, Enum):
    """Alert severity."""

    INFO = "info"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Alert:
    """A movement of watched funds."""

    chain: Chain
    address: str
    tx_hash: str
    timestamp: datetime
    kind: str
    amount: int
    asset: Asset
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True)
class ActionLeg:
    """One side of a cross-chain protocol action (THORChain/Midgard ``in`` or ``out`` entry).

    ``amount_e8`` keeps THORChain's 1e8 fixed-point for every asset (ETH included); ``chain`` is None when the
    leg is on a chain we do not model (e.g. THOR.RUNE).
    """

    chain: Chain | None
    tx_hash: str | None  # canonical for its chain (0x-lower for EVM, lower hex for BTC); None when pending
    address: str | None
    asset: str  # THORChain asset notation, e.g. "ETH.ETH", "BTC.BTC", "ETH.USDT-0XDAC17F…"
    amount_e8: int


@dataclass(frozen=True, slots=True)
class BridgeAction:
    """A resolved protocol action (THORChain swap or refund) from the protocol's indexer."""

    protocol: str  # "thorchain"
    action_type: str  # "swap" | "refund" | ...
    status: str  # "success" | "pending" | ...
    height: int
    timestamp: datetime
    inputs: tuple[ActionLeg, ...]
    outputs: tuple[ActionLeg, ...]
    memo: str | None = None


@dataclass(frozen=True, slots=True)
class PricePoint:
    """Daily USD close of an asset symbol; ``usd`` is exact decimal."""

    symbol: str
    day: str  # YYYY-MM-DD (UTC)
    usd: Decimal
    source: str


class LabelLookup(Protocol):
    """What the engine asks of the label store (implemented in db/, cluster-aware)."""

    def labels_of(self, chain: Chain, address: str) -> list[Label]:
        """Every label that applies to the address (its own and its cluster's), best first."""
        ...


@dataclass(frozen=True, slots=True)
class ArchivedResponse:
    """One archived HTTP exchange. ``request_key`` never contains secrets."""

    request_key: str
    status: int
    body: bytes
    sha256: str
    fetched_at: float
    content_type: str = "application/json"


class ResponseArchive(Protocol):
    """Where every raw API response is kept (db.archive implements it; chains.http writes to it)."""

    def put(self, response: ArchivedResponse, *, immutable: bool) -> None:
        """Store one exchange. ``immutable`` marks data that can never change (closed block ranges)."""

    def get_immutable(self, request_key: str) -> ArchivedResponse | None:
        """A previously stored immutable response for this key, or None."""
