"""Realistic builders for store tests: the Bybit exploiter's first hops (amounts and hashes shaped like mainnet)."""

from __future__ import annotations

from datetime import UTC, datetime

from db.records import Contribution
from tracer.model import (
    Asset,
    Chain,
    Evidence,
    EvidenceClass,
    Transfer,
    TransferFlag,
    TransferKind,
)

ETH = Chain.ETHEREUM.native
USDT = Asset(chain=Chain.ETHEREUM, symbol="USDT", contract="0xdac17f958d2ee523a2206206994597c13d831ec7", decimals=6)
STETH = Asset(chain=Chain.ETHEREUM, symbol="stETH", contract="0xae7ab96520de3a18e5e111b5eaab095312d7fe84", decimals=18)
EXPLOITER = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
HACK_TX = "0x46deef0f52e3a983b67abf4714448a41dd7ffd6d32d32da69d62081c68ad7882"
HACK_BLOCK = 21895238
HACK_TIME = datetime(2025, 2, 21, 14, 13, 35, tzinfo=UTC)
UINT256_MAX = 2**256 - 1


def addr(n: int) -> str:
    """A deterministic EVM address (lower-case hex)."""
    return "0x" + f"{n:040x}"


def txh(n: int) -> str:
    """A deterministic EVM tx hash."""
    return "0x" + f"{n:064x}"


def transfer(n: int, amount: int = 10 * 10**18, *, asset: Asset = ETH, sender: str = EXPLOITER,
             kind: TransferKind = TransferKind.NATIVE, index: int = -1, block: int | None = None,
             flags: frozenset[TransferFlag] = frozenset(), fee: int = 0) -> Transfer:
    """The n-th laundering transfer out of ``sender``."""
    return Transfer(chain=Chain.ETHEREUM, tx_hash=txh(n), index=index, kind=kind, asset=asset, from_address=sender,
                    to_address=addr(n), amount=amount, block_number=block or HACK_BLOCK + n,
                    timestamp=datetime.fromtimestamp(HACK_TIME.timestamp() + 12 * n, UTC), flags=flags, fee=fee)


def contribution(t: Transfer, tainted: int | None = None, hop: int = 1, *, origin: str = "ETH",
                 parent: str | None = None, origin_amount: int | None = None) -> Contribution:
    """A deterministic E1 contribution carrying ``tainted`` of ``t`` (default: the whole transfer)."""
    amount = t.amount if tainted is None else tainted
    return Contribution(t, origin, amount, amount if origin_amount is None else origin_amount,
                        parent if parent is not None else f"ethereum:{t.from_address}", hop,
                        Evidence(EvidenceClass.E1, "transfer", 1.0, {"block": str(t.block_number)}))
