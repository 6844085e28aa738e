"""Esplora wire shapes (docs: format_refs/esplora/esplora_API.md "Transaction format"), wire names kept."""

from __future__ import annotations

from typing import TypedDict


class EsploraStatus(TypedDict, total=False):
    """``status`` of a tx: block fields are null/absent while in the mempool."""

    confirmed: bool
    block_height: int | None
    block_hash: str | None
    block_time: int | None


class EsploraVout(TypedDict, total=False):
    """One output; ``scriptpubkey_address`` is absent for OP_RETURN and bare scripts."""

    scriptpubkey: str
    scriptpubkey_asm: str
    scriptpubkey_type: str
    scriptpubkey_address: str
    value: int


class EsploraVin(TypedDict, total=False):
    """One input; ``prevout`` (the spent output) is null for coinbase inputs."""

    txid: str
    vout: int
    is_coinbase: bool
    prevout: EsploraVout | None
    scriptsig: str
    scriptsig_asm: str
    witness: list[str]
    sequence: int


class EsploraTx(TypedDict, total=False):
    """``GET /tx/:txid`` and every element of ``/address/:a/txs/chain``."""

    txid: str
    version: int
    locktime: int
    size: int
    weight: int
    fee: int
    vin: list[EsploraVin]
    vout: list[EsploraVout]
    status: EsploraStatus


class EsploraOutspend(TypedDict, total=False):
    """One element of ``GET /tx/:txid/outspends`` (by output index)."""

    spent: bool
    txid: str
    vin: int
    status: EsploraStatus
