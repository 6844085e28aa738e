"""Deterministic, *valid* identifiers for every chain: checksummed addresses and 32-byte hashes."""

from __future__ import annotations

import random

from eth_utils import to_checksum_address

from chains.addresses import btc_p2pkh, btc_p2tr, btc_p2wpkh, tron_from_bytes


class Ids:
    """Draws addresses and hashes from one seeded RNG, never repeating one."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def _bytes(self, n: int) -> bytes:
        return self._rng.getrandbits(8 * n).to_bytes(n, "big")

    def _unique(self, value: str) -> str:
        if value in self._seen:  # astronomically unlikely, but keep ids unique by construction
            raise ValueError(f"duplicate id {value}")
        self._seen.add(value)
        return value

    def hash32(self) -> str:
        """32 random bytes, lower-case hex without 0x (a Bitcoin/TRON txid)."""
        return self._unique(self._bytes(32).hex())

    def evm_hash(self) -> str:
        """0x-prefixed 32-byte hash (an EVM tx hash)."""
        return "0x" + self.hash32()

    def evm(self) -> str:
        """A lower-case EVM address whose EIP-55 checksum form is valid."""
        addr = "0x" + self._bytes(20).hex()
        to_checksum_address(addr)
        return self._unique(addr)

    def lookalike(self, target: str) -> str:
        """An EVM address sharing the first 4 and last 4 hex chars with ``target`` (address poisoning)."""
        body = self._bytes(20).hex()
        return self._unique("0x" + target[2:6] + body[4:36] + target[-4:])

    def p2wpkh(self) -> str:
        """A native-segwit v0 P2WPKH address (bech32, real checksum)."""
        return self._unique(btc_p2wpkh(self._bytes(20)))

    def p2tr(self) -> str:
        """A taproot P2TR address (bech32m, real checksum)."""
        return self._unique(btc_p2tr(self._bytes(32)))

    def p2pkh(self) -> str:
        """A legacy base58check P2PKH address (version byte 0x00)."""
        return self._unique(btc_p2pkh(self._bytes(20)))

    def tron(self) -> str:
        """A TRON base58check address (0x41 prefix, starts with ``T``)."""
        return self._unique(tron_from_bytes(self._bytes(20)))
