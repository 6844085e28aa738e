"""Canonical per-chain address forms, validation and encoders.

Public API (stable; other adapters import it)::

    canonical_address(chain: Chain, raw: str) -> str        # raises tracer.errors.InvalidAddress
    is_valid_address(chain: Chain, raw: str) -> bool
    tron_to_evm(t: str) -> str                               # "T..." -> "0x" + 40 lower hex
    evm_to_tron(hex_address: str) -> str                     # "0x..."/"41..." -> "T..."
    evm_from_bytes(hash20: bytes) -> str                     # lower-case 0x-hex
    tron_from_bytes(hash20: bytes) -> str                    # base58check "T..."
    btc_p2pkh(hash20: bytes) -> str                          # "1..."
    btc_p2sh(hash20: bytes) -> str                           # "3..."
    btc_p2wpkh(hash20: bytes) -> str                         # "bc1q..." (bech32, v0)
    btc_p2wsh(hash32: bytes) -> str                          # "bc1q..." (bech32, v0, 32-byte program)
    btc_p2tr(key32: bytes) -> str                            # "bc1p..." (bech32m, v1)

Canonical forms (tracer.model): EVM lower-case ``0x`` + 40 hex (a mixed-case input must pass its EIP-55
checksum); Bitcoin mainnet base58check P2PKH/P2SH case-preserved, segwit lower-case (BIP-173 bech32 for
witness v0, BIP-350 bech32m for v1+); TRON base58check ``T...`` (hex ``41...``/``0x41...`` accepted).
"""

from __future__ import annotations

import re

import base58
import bech32
from eth_utils import is_checksum_address, to_checksum_address

from tracer.errors import InvalidAddress
from tracer.model import Chain

_HEX40 = re.compile(r"^0[xX][0-9a-fA-F]{40}$")
_TRON_HEX = re.compile(r"^(?:0[xX])?41[0-9a-fA-F]{40}$")
_BTC_P2PKH_VERSION = 0x00
_BTC_P2SH_VERSION = 0x05
_TRON_VERSION = 0x41
_BTC_HRP = "bc"
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3


def canonical_address(chain: Chain, raw: str) -> str:
    """The canonical form of ``raw`` on ``chain``.

    May raise: InvalidAddress (names the chain, the address and the reason).
    """
    if not isinstance(raw, str):
        raise InvalidAddress(chain.value, repr(raw), "not a string")
    text = raw.strip()
    if chain.is_evm:
        return _canonical_evm(chain, text)
    if chain is Chain.BITCOIN:
        return _canonical_btc(text)
    if chain is Chain.TRON:
        return _canonical_tron(text)
    raise InvalidAddress(chain.value, raw, "unknown chain")  # pragma: no cover - every Chain is handled


def is_valid_address(chain: Chain, raw: str) -> bool:
    """True when :func:`canonical_address` accepts ``raw``."""
    try:
        canonical_address(chain, raw)
    except InvalidAddress:
        return False
    return True


def _canonical_evm(chain: Chain, text: str) -> str:
    if not _HEX40.match(text):
        raise InvalidAddress(chain.value, text, "expected 0x followed by 40 hex digits")
    body = text[2:]
    # EIP-55: an all-lower or all-upper address carries no checksum; mixed case must match it.
    if body != body.lower() and body != body.upper() and not is_checksum_address("0x" + body):
        raise InvalidAddress(chain.value, text, "EIP-55 checksum mismatch")
    return "0x" + body.lower()


def _canonical_btc(text: str) -> str:
    if text[:3].lower() == _BTC_HRP + "1":
        return _canonical_segwit(text)
    try:
        payload = base58.b58decode_check(text)
    except ValueError as exc:
        raise InvalidAddress(Chain.BITCOIN.value, text, "bad base58check encoding or checksum") from exc
    if len(payload) != 21:
        raise InvalidAddress(Chain.BITCOIN.value, text, f"payload of {len(payload)} bytes, expected 21")
    if payload[0] not in (_BTC_P2PKH_VERSION, _BTC_P2SH_VERSION):
        raise InvalidAddress(Chain.BITCOIN.value, text, f"version byte 0x{payload[0]:02x} is not mainnet P2PKH/P2SH")
    return text


def _canonical_segwit(text: str) -> str:
    decoded = _segwit_decode(text)
    if decoded is None:
        raise InvalidAddress(Chain.BITCOIN.value, text, "bad bech32/bech32m segwit address (checksum, case, "
                                                        "variant or witness program length)")
    return text.lower()


def _segwit_decode(text: str) -> tuple[int, bytes] | None:
    """BIP-173/BIP-350 decoding of a mainnet segwit address: (witness version, program) or None.

    The ``bech32`` package (1.2) only knows the BIP-173 constant, so the variant check is done here
    with its polymod: witness v0 must use bech32 (const 1), v1+ bech32m (const 0x2bc830a3).
    """
    if len(text) > 90 or text.lower() != text and text.upper() != text:
        return None
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        return None
    lowered = text.lower()
    pos = lowered.rfind("1")
    if pos < 1 or pos + 7 > len(lowered) or lowered[:pos] != _BTC_HRP:
        return None
    if any(c not in bech32.CHARSET for c in lowered[pos + 1:]):
        return None
    data = [bech32.CHARSET.find(c) for c in lowered[pos + 1:]]
    const = bech32.bech32_polymod(bech32.bech32_hrp_expand(_BTC_HRP) + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST):
        return None
    payload = data[:-6]
    if not payload or payload[0] > 16:
        return None
    version = payload[0]
    program = bech32.convertbits(payload[1:], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    if (version == 0) != (const == _BECH32_CONST):
        return None
    return version, bytes(program)


def _canonical_tron(text: str) -> str:
    if _TRON_HEX.match(text):
        body = text[2:] if text[:2].lower() == "0x" else text
        return base58.b58encode_check(bytes.fromhex(body)).decode("ascii")
    try:
        payload = base58.b58decode_check(text)
    except ValueError as exc:
        raise InvalidAddress(Chain.TRON.value, text, "bad base58check encoding or checksum") from exc
    if len(payload) != 21 or payload[0] != _TRON_VERSION:
        raise InvalidAddress(Chain.TRON.value, text, "expected 21 bytes starting with 0x41")
    return text


def tron_to_evm(t: str) -> str:
    """The 20-byte account of a TRON address as lower-case EVM hex (``0x...``).

    May raise: InvalidAddress.
    """
    canonical = _canonical_tron(t.strip())
    return "0x" + base58.b58decode_check(canonical)[1:].hex()


def evm_to_tron(hex_address: str) -> str:
    """A 20-byte account (``0x`` + 40 hex, or TRON hex ``41...``) as a TRON base58check address.

    May raise: InvalidAddress.
    """
    text = hex_address.strip()
    if _TRON_HEX.match(text):
        return _canonical_tron(text)
    if not _HEX40.match(text):
        raise InvalidAddress(Chain.TRON.value, text, "expected 0x followed by 40 hex digits")
    return tron_from_bytes(bytes.fromhex(text[2:]))


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) != size:
        raise ValueError(f"{what} needs {size} bytes, got {len(data)}")


def evm_from_bytes(hash20: bytes) -> str:
    """A 20-byte account as a canonical (lower-case) EVM address."""
    _need(hash20, 20, "EVM address")
    return "0x" + hash20.hex()


def evm_checksummed(address: str) -> str:
    """The EIP-55 mixed-case form of an EVM address (for display only; storage is lower-case)."""
    return str(to_checksum_address(address))


def tron_from_bytes(hash20: bytes) -> str:
    """A 20-byte account as a TRON base58check address ``T...``."""
    _need(hash20, 20, "TRON address")
    return base58.b58encode_check(bytes([_TRON_VERSION]) + hash20).decode("ascii")


def btc_p2pkh(hash20: bytes) -> str:
    """A mainnet pay-to-pubkey-hash address ``1...`` for a HASH160."""
    _need(hash20, 20, "P2PKH")
    return base58.b58encode_check(bytes([_BTC_P2PKH_VERSION]) + hash20).decode("ascii")


def btc_p2sh(hash20: bytes) -> str:
    """A mainnet pay-to-script-hash address ``3...`` for a script HASH160."""
    _need(hash20, 20, "P2SH")
    return base58.b58encode_check(bytes([_BTC_P2SH_VERSION]) + hash20).decode("ascii")


def _segwit(version: int, program: bytes) -> str:
    data = [version] + (bech32.convertbits(program, 8, 5) or [])
    const = _BECH32_CONST if version == 0 else _BECH32M_CONST
    values = bech32.bech32_hrp_expand(_BTC_HRP) + data
    polymod = bech32.bech32_polymod(values + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return _BTC_HRP + "1" + "".join(bech32.CHARSET[d] for d in data + checksum)


def btc_p2wpkh(hash20: bytes) -> str:
    """A mainnet native segwit v0 key-hash address ``bc1q...`` (bech32)."""
    _need(hash20, 20, "P2WPKH")
    return _segwit(0, hash20)


def btc_p2wsh(hash32: bytes) -> str:
    """A mainnet native segwit v0 script-hash address ``bc1q...`` (bech32, 32-byte program)."""
    _need(hash32, 32, "P2WSH")
    return _segwit(0, hash32)


def btc_p2tr(key32: bytes) -> str:
    """A mainnet taproot address ``bc1p...`` (bech32m, witness v1) for an x-only output key."""
    _need(key32, 32, "P2TR")
    return _segwit(1, key32)
