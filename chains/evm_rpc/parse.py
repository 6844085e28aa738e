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
