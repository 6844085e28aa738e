"""Pure JSON-RPC -> domain conversions: Parity-style traces and ERC-20 Transfer logs.

Indexes follow chains.etherscan.parse so both adapters give one transfer the same id: ``-1`` for the
top-level call of a tx, :func:`~chains.etherscan.parse.internal_index` of the ``traceAddress`` joined by
``_`` for nested calls, :func:`~chains.etherscan.parse.token_index` for token transfers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chains.addresses import canonical_address
from chains.etherscan.parse import NATIVE_INDEX, internal_index, to_int
from tracer.model import Chain, Transfer, TransferFlag, TransferKind

_VALUE_CALLS = {"call", None}  # delegatecall/staticcall/callcode never move the caller's value


def trace_to_transfer(trace: Mapping[str, Any], chain: Chain, when: datetime, occurrence: int = 0) -> Transfer | None:
    """A ``trace_filter`` / ``trace_transaction`` entry -> native (top-level) or internal transfer.

    None for traces that move no value (nested zero-value calls, delegate/static calls, rewards).
    A top-level call is always returned (zero value flagged) so a history lists every transaction.
    """
    action = trace.get("action") or {}
    kind = trace.get("type")
    path = [int(p) for p in trace.get("traceAddress") or []]
    top = not path
    if kind == "call":
        if action.get("callType") not in _VALUE_CALLS and not top:
            return None
        src, dst = action.get("from"), action.get("to")
    elif kind == "create":
        src, dst = action.get("from"), (trace.get("result") or {}).get("address")
    elif kind in ("suicide", "selfdestruct"):
        src, dst = action.get("address"), action.get("refundAddress")
        action = {"value": action.get("balance", "0x0")}
    else:
        return None
    amount = to_int(action.get("value") or "0x0")
    if amount == 0 and not top:
        return None
    flags: set[TransferFlag] = set()
    if amount == 0:
        flags.add(TransferFlag.ZERO_VALUE)
    if trace.get("error"):
        flags.add(TransferFlag.FAILED)
    return Transfer(chain=chain, tx_hash=str(trace["transactionHash"]).lower(),
                    index=NATIVE_INDEX if top else internal_index(
                        canonical_address(chain, src) if src else None, canonical_address(chain, dst) if dst else None,
                        amount, occurrence),
                    kind=TransferKind.NATIVE if top else TransferKind.INTERNAL, asset=chain.native,
                    from_address=canonical_address(chain, src) if src else None,
                    to_address=canonical_address(chain, dst) if dst else None, amount=amount,
                    block_number=to_int(trace["blockNumber"]), timestamp=when, flags=frozenset(flags))


def call_frames_to_transfers(frame: Mapping[str, Any], chain: Chain, tx_hash: str, block: int,
                             when: datetime) -> list[Transfer]:
    """Internal transfers in a geth ``callTracer`` frame tree (``debug_traceTransaction``), depth first.

    The top frame is the transaction itself (its native transfer comes from the block); nested CALL/CREATE/
    SELFDESTRUCT frames with value become internal transfers, numbered like :func:`trace_to_transfer` so both
    trace sources give one transfer the same id. A reverted frame (``error``) moved nothing: skipped.
    """
    out: list[Transfer] = []
    seen: dict[tuple[str | None, str | None, int], int] = {}

    def walk(node: Mapping[str, Any], depth: int, reverted: bool) -> None:
        reverted = reverted or bool(node.get("error"))
        kind = str(node.get("type", "")).upper()
        amount = to_int(node.get("value") or "0x0")
        if depth and not reverted and amount and kind in _VALUE_FRAMES:
            src = canonical_address(chain, str(node["from"])) if node.get("from") else None
            dst = canonical_address(chain, str(node["to"])) if node.get("to") else None
            key = (src, dst, amount)
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            out.append(Transfer(chain=chain, tx_hash=tx_hash, index=internal_index(src, dst, amount, occurrence),
                                kind=TransferKind.INTERNAL, asset=chain.native, from_address=src, to_address=dst,
                                amount=amount, block_number=block, timestamp=when, flags=frozenset()))
        for child in node.get("calls") or []:
            walk(child, depth + 1, reverted)

    walk(frame, 0, False)
    return out


_VALUE_FRAMES = {"CALL", "CREATE", "CREATE2", "SELFDESTRUCT"}


def block_tx_to_transfer(tx: Mapping[str, Any], receipt: Mapping[str, Any] | None, chain: Chain,
                         when: datetime) -> Transfer:
    """A transaction of a full block (``eth_getBlockByNumber(n, true)``) -> its top-level native transfer.

    The receipt gives success and the fee (gasUsed x effectiveGasPrice); a contract creation pays the new contract.
    """
    value = to_int(tx.get("value"))
    success = receipt is None or to_int(receipt.get("status"), 1) == 1
    flags = ({TransferFlag.ZERO_VALUE} if value == 0 else set()) | (set() if success else {TransferFlag.FAILED})
    dst = tx.get("to") or (receipt or {}).get("contractAddress")
    fee = (to_int(receipt.get("gasUsed")) * to_int(receipt.get("effectiveGasPrice") or tx.get("gasPrice"))
           if receipt is not None else 0)
    return Transfer(chain=chain, tx_hash=str(tx["hash"]).lower(), index=NATIVE_INDEX, kind=TransferKind.NATIVE,
                    asset=chain.native, from_address=canonical_address(chain, str(tx["from"])),
                    to_address=canonical_address(chain, str(dst)) if dst else None, amount=value,
                    block_number=to_int(tx["blockNumber"]), timestamp=when, flags=frozenset(flags), fee=fee)
