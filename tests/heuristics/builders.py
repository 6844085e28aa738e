"""Transfer builders shared by the heuristics tests (literal, realistic Ethereum/Bitcoin values)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracer.model import Asset, Chain, Transfer, TransferFlag, TransferKind

T0 = datetime(2025, 2, 21, 14, 13, 35, tzinfo=UTC)
ETH = Chain.ETHEREUM.native
BTC = Chain.BITCOIN.native
STETH = Asset(Chain.ETHEREUM, "stETH", "0xae7ab96520de3a18e5e111b5eaab095312d7fe84", 18)
USDT = Asset(Chain.ETHEREUM, "USDT", "0xdac17f958d2ee523a2206206994597c13d831ec7", 6)
WETH = Asset(Chain.ETHEREUM, "WETH", "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18)
FAKE_USDT = Asset(Chain.ETHEREUM, "USDT", "0xdac17f958d2ee523a2206206994597c13d83aaaa", 6)


def transfer(
    tx: str,
    index: int,
    asset: Asset,
    frm: str | None,
    to: str | None,
    amount: int,
    *,
    kind: TransferKind | None = None,
    block: int = 21_895_000,
    at: datetime = T0,
    minutes: float = 0,
    flags: frozenset[TransferFlag] = frozenset(),
) -> Transfer:
    """A transfer with sensible defaults (kind from the asset, Ethereum unless the asset says otherwise)."""
    if kind is None:
        kind = TransferKind.NATIVE if asset.is_native else TransferKind.TOKEN
        if asset.chain.is_utxo:
            kind = TransferKind.UTXO
    return Transfer(
        chain=asset.chain, tx_hash=tx, index=index, kind=kind, asset=asset, from_address=frm,
        to_address=to, amount=amount, block_number=block, timestamp=at + timedelta(minutes=minutes),
        flags=flags,
    )
