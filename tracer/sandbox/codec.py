"""Chain encodings shared by the generator and the server: scripts, TRON hex, event topics, selectors.

Kept apart from the generator so a world built from real data can be served without it.
"""

from __future__ import annotations

import base58
import bech32
from eth_utils import keccak

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
ZERO_ADDRESS = "0x" + "00" * 20


def selector(signature: str) -> str:
    """4-byte function selector as 0x-hex."""
    return "0x" + keccak(text=signature)[:4].hex()


def topic_address(addr: str) -> str:
    """An address left-padded to a 32-byte topic."""
    return "0x" + "00" * 12 + addr[2:].lower()


def segwit_program(address: str) -> tuple[int, bytes]:
    """(witness version, program) of a bech32/bech32m address (checksum not re-verified here)."""
    low = address.lower()
    data = [bech32.CHARSET.find(c) for c in low[low.rfind("1") + 1:]]
    prog = bech32.convertbits(data[1:-6], 5, 8, False)
    if prog is None or min(data) < 0:
        raise ValueError(f"not a segwit address: {address}")
    return data[0], bytes(prog)


def tron_to_hex(addr: str) -> str:
    """Base58 ``T…`` -> 21-byte hex ``41…`` (the form inside java-tron raw_data)."""
    return bytes(base58.b58decode_check(addr)).hex()


def btc_script(address: str | None, op_return: bytes | None = None) -> tuple[str, str, str]:
    """(scriptpubkey hex, asm, esplora type) for an address or an OP_RETURN payload."""
    if address is None:
        data = op_return or b""
        return "6a" + bytes([len(data)]).hex() + data.hex(), f"OP_RETURN OP_PUSHBYTES_{len(data)} {data.hex()}", "op_return"
    if address.startswith("bc1"):
        ver, prog = segwit_program(address)
        p = prog.hex()
        if ver == 0:
            return "0014" + p, f"OP_0 OP_PUSHBYTES_20 {p}", "v0_p2wpkh"
        return "5120" + p, f"OP_PUSHNUM_1 OP_PUSHBYTES_32 {p}", "v1_p2tr"
    h = bytes(base58.b58decode_check(address))[1:].hex()
    return (
        "76a914" + h + "88ac",
        f"OP_DUP OP_HASH160 OP_PUSHBYTES_20 {h} OP_EQUALVERIFY OP_CHECKSIG",
        "p2pkh",
    )
