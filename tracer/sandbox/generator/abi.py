"""Calldata and event encoders for the contracts the incident touches (real signatures, eth_abi)."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

# Re-exported so story modules need one import for every encoding.
from tracer.sandbox.codec import TRANSFER_TOPIC, ZERO_ADDRESS, selector, topic_address  # noqa: F401

TORNADO_DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(bytes32,uint32,uint256)").hex()
TORNADO_WITHDRAWAL_TOPIC = "0x" + keccak(text="Withdrawal(address,bytes32,address,uint256)").hex()
THOR_DEPOSIT_TOPIC = "0x" + keccak(text="Deposit(address,address,uint256,string)").hex()
THOR_TRANSFER_OUT_TOPIC = "0x" + keccak(text="TransferOut(address,address,address,uint256,string)").hex()


def calldata(signature: str, types: list[str], args: list[object]) -> str:
    """selector || abi-encoded args."""
    return selector(signature) + encode(types, args).hex()


def deposit_with_expiry(vault: str, asset: str, amount: int, memo: str, expiration: int) -> str:
    """THORChain router ``depositWithExpiry(address,address,uint256,string,uint256)`` calldata."""
    sig = "depositWithExpiry(address,address,uint256,string,uint256)"
    return calldata(sig, ["address", "address", "uint256", "string", "uint256"], [vault, asset, amount, memo, expiration])


def transfer_out(to: str, asset: str, amount: int, memo: str) -> str:
    """THORChain router ``transferOut(address,address,uint256,string)`` calldata (vault -> user)."""
    return calldata("transferOut(address,address,uint256,string)", ["address", "address", "uint256", "string"],
                    [to, asset, amount, memo])


def thor_deposit_data(amount: int, memo: str) -> str:
    """Non-indexed data of the router ``Deposit`` event."""
    return "0x" + encode(["uint256", "string"], [amount, memo]).hex()


def tornado_deposit(commitment: bytes) -> str:
    """Tornado instance ``deposit(bytes32)`` calldata."""
    return calldata("deposit(bytes32)", ["bytes32"], [commitment])


def tornado_withdraw(proof: bytes, root: bytes, nullifier: bytes, recipient: str, relayer: str, fee: int) -> str:
    """Tornado instance ``withdraw(bytes,bytes32,bytes32,address,address,uint256,uint256)`` calldata."""
    sig = "withdraw(bytes,bytes32,bytes32,address,address,uint256,uint256)"
    types = ["bytes", "bytes32", "bytes32", "address", "address", "uint256", "uint256"]
    return calldata(sig, types, [proof, root, nullifier, recipient, relayer, fee, 0])


def tornado_deposit_data(leaf_index: int, timestamp: int) -> str:
    """Non-indexed data of ``Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp)``."""
    return "0x" + encode(["uint32", "uint256"], [leaf_index, timestamp]).hex()


def tornado_withdrawal_data(to: str, nullifier: bytes, fee: int) -> str:
    """Non-indexed data of ``Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee)``."""
    return "0x" + encode(["address", "bytes32", "uint256"], [to, nullifier, fee]).hex()


def erc20_transfer(to: str, amount: int) -> str:
    """``transfer(address,uint256)`` calldata."""
    return calldata("transfer(address,uint256)", ["address", "uint256"], [to, amount])


def erc20_transfer_from(src: str, to: str, amount: int) -> str:
    """``transferFrom(address,address,uint256)`` calldata."""
    return calldata("transferFrom(address,address,uint256)", ["address", "address", "uint256"], [src, to, amount])


def curve_exchange(i: int, j: int, dx: int, min_dy: int) -> str:
    """Curve pool ``exchange(int128,int128,uint256,uint256)`` calldata."""
    return calldata("exchange(int128,int128,uint256,uint256)", ["int128", "int128", "uint256", "uint256"],
                    [i, j, dx, min_dy])
