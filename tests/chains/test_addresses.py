"""chains.addresses: BIP-173/BIP-350, EIP-55 and TRON vectors plus real sanctioned addresses."""

from __future__ import annotations

import json

import pytest

from chains.addresses import (
    btc_p2pkh,
    btc_p2sh,
    btc_p2tr,
    btc_p2wpkh,
    btc_p2wsh,
    canonical_address,
    evm_checksummed,
    evm_from_bytes,
    evm_to_tron,
    is_valid_address,
    tron_from_bytes,
    tron_to_evm,
)
from tests.shared_data import SHARED_DATA
from tracer.errors import InvalidAddress
from tracer.model import Chain

OFAC = SHARED_DATA / "ofac_0xB10C"

# BIP-173 / BIP-350 valid mainnet vectors (lower-cased canonical form on the right).
VALID_SEGWIT = [
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"),
    ("BC1SW50QGDZ25J", "bc1sw50qgdz25j"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"),
]

# BIP-350 invalid vectors (mainnet ones) plus BIP-173 ones that bech32m did not rescue.
INVALID_SEGWIT = [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with bech32 checksum
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # v16 with bech32 checksum
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with bech32m checksum
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # invalid character
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness version 17
    "bc1pw5dgrnzv",  # program of 1 byte
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 program of 16 bytes
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",  # mixed case
    "bc1gmk9yu",  # empty data
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",  # testnet
]


@pytest.mark.parametrize(("raw", "canonical"), VALID_SEGWIT)
def test_valid_segwit_vectors(raw: str, canonical: str) -> None:
    assert canonical_address(Chain.BITCOIN, raw) == canonical


@pytest.mark.parametrize("raw", INVALID_SEGWIT)
def test_invalid_segwit_vectors(raw: str) -> None:
    with pytest.raises(InvalidAddress) as err:
        canonical_address(Chain.BITCOIN, raw)
    assert raw in str(err.value) and "bitcoin" in str(err.value)


def test_base58_bitcoin_case_preserved_and_checked() -> None:
    genesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    assert canonical_address(Chain.BITCOIN, genesis) == genesis
    assert canonical_address(Chain.BITCOIN, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy") == "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
    for bad in ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "1a1zp1ep5qgefi2dmptftl5slmv7divfna",
                "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre", "", "bc1"):
        assert not is_valid_address(Chain.BITCOIN, bad)


def test_evm_eip55() -> None:
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55 vector
    assert canonical_address(Chain.ETHEREUM, checksummed) == checksummed.lower()
    assert canonical_address(Chain.BSC, checksummed.lower()) == checksummed.lower()
    assert canonical_address(Chain.BASE, "0x" + checksummed[2:].upper()) == checksummed.lower()
    with pytest.raises(InvalidAddress, match="EIP-55"):
        canonical_address(Chain.ETHEREUM, "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    for bad in ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                "0xzaaeb6053f3e94c9b9a09f33669435e7ef1beaed"):
        assert not is_valid_address(Chain.ETHEREUM, bad)
    assert evm_checksummed(checksummed.lower()) == checksummed


def test_tron_forms_round_trip() -> None:
    usdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # TRON USDT contract
    hex41 = "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"
    assert canonical_address(Chain.TRON, usdt) == usdt
    assert canonical_address(Chain.TRON, hex41) == usdt
    assert canonical_address(Chain.TRON, "0x" + hex41.upper()) == usdt
    assert tron_to_evm(usdt) == "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c"
    assert evm_to_tron("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c") == usdt
    assert evm_to_tron(hex41) == usdt
    assert not is_valid_address(Chain.TRON, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")  # version 0x00
    assert not is_valid_address(Chain.TRON, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T")  # checksum


def test_encoders_round_trip() -> None:
    h20 = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    assert btc_p2wpkh(h20) == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert btc_p2pkh(h20) == "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH"
    assert canonical_address(Chain.BITCOIN, btc_p2sh(h20)).startswith("3")
    key32 = bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    assert btc_p2tr(key32) == canonical_address(Chain.BITCOIN, btc_p2tr(key32))
    assert btc_p2tr(key32).startswith("bc1p") and btc_p2wsh(key32).startswith("bc1q")
    assert canonical_address(Chain.TRON, tron_from_bytes(h20)) == tron_from_bytes(h20)
    assert evm_from_bytes(h20) == "0x751e76e8199196d454941c45d1b3a323f1433bd6"
    with pytest.raises(ValueError):
        btc_p2wpkh(b"\x00" * 19)


@pytest.mark.skipif(not OFAC.exists(), reason="shared OFAC lists not present")
@pytest.mark.parametrize(("name", "chain"), [("XBT", Chain.BITCOIN), ("TRX", Chain.TRON), ("ETH", Chain.ETHEREUM)])
def test_real_sanctioned_addresses_are_valid(name: str, chain: Chain) -> None:
    addresses = json.loads((OFAC / f"sanctioned_addresses_{name}.json").read_text())
    assert len(addresses) >= 5
    rejected = [raw for raw in addresses if not is_valid_address(chain, raw)]
    # The upstream XBT list carries one TRON address (OFAC listed it under "XBT"); it must be refused.
    assert rejected == (["TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"] if chain is Chain.BITCOIN else [])
    assert is_valid_address(Chain.TRON, "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq")
    for raw in addresses:
        if raw not in rejected:
            canonical = canonical_address(chain, raw)
            assert canonical_address(chain, canonical) == canonical
