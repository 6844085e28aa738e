"""TronGrid ``GET /v1/accounts/{a}``: one request gives an account's TRX and TRC-20 balances.

The monitor's cheap pre-check on TRON: a TRC-20 transfer paid with staked energy and free bandwidth leaves the TRX
balance unchanged, so the TRX balance alone cannot tell that a wallet moved; the TRC-20 balances can, and
``latest_opration_time`` (java-tron's spelling) moves whenever the account's bandwidth or energy pays for a
transaction (java-tron's Bandwidth/EnergyProcessor), even one whose amounts happen to cancel out. Envelope (docs/public-apis.md §1.3): ``{"data": [{...}], "success": true,
"meta": {...}}``; an account never activated answers ``data: []``. In the account object ``balance`` is in sun
(absent when zero, as java-tron omits zero fields) and ``trc20`` is a list of ``{contract: amount-string}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from chains import wire
from chains.trongrid import parse
from tracer.errors import InvalidAnswer

CONTEXT = "trongrid account"
MAX_TOKEN_UNITS = 2**256 - 1  # a TRC-20 balance is a uint256


@dataclass(frozen=True)
class AccountState:
    """What the pre-check compares between cycles: TRX (sun), TRC-20 balances (raw units), last signed tx time."""

    trx: int
    tokens: tuple[tuple[str, int], ...]  # (contract base58, raw amount), sorted by contract
    last_operation_ms: int | None

    def fingerprint(self) -> int:
        """A 248-bit digest of the whole state, stored as the cursor's ``last_balance``.

        One column holds one number; TRON's state is several, and the monitor only asks "did anything change". A
        sha256 prefix makes an unnoticed change a 2^-248 event, and fits the uint256 column type.
        """
        canon = json.dumps([self.trx, [list(t) for t in self.tokens], self.last_operation_ms],
                           separators=(",", ":"))
        return int.from_bytes(hashlib.sha256(canon.encode()).digest()[:31], "big")


NOT_ACTIVATED = AccountState(trx=0, tokens=(), last_operation_ms=None)


def validate_account(item: Any) -> None:
    """Check one account object of ``/v1/accounts/{a}``. May raise: InvalidAnswer."""
    account_state(item)


def account_state(item: Any) -> AccountState:
    """The :class:`AccountState` of one account object. May raise: InvalidAnswer."""
    if not isinstance(item, dict):
        raise InvalidAnswer(f"{CONTEXT}: an account must be an object, got {type(item).__name__}")
    trx = wire.uint(item.get("balance", 0), "balance", CONTEXT, maximum=parse.MAX_SUN, hex_ok=False)
    raw_tokens = item.get("trc20") or []
    if not isinstance(raw_tokens, list):
        raise InvalidAnswer(f"{CONTEXT}: field 'trc20' must be a list")
    tokens: dict[str, int] = {}
    for entry in raw_tokens:
        if not isinstance(entry, dict):
            raise InvalidAnswer(f"{CONTEXT}: a 'trc20' entry must be an object {{contract: amount}}")
        for contract, amount in entry.items():
            if not isinstance(contract, str) or not contract:
                raise InvalidAnswer(f"{CONTEXT}: a 'trc20' contract must be a non-empty string")
            value = wire.uint(amount, "trc20", CONTEXT, maximum=MAX_TOKEN_UNITS, hex_ok=False)
            tokens[contract] = tokens.get(contract, 0) + value
    last_op = item.get("latest_opration_time")
    last_ms = None if last_op is None else wire.uint(last_op, "latest_opration_time", CONTEXT, hex_ok=False)
    return AccountState(trx=trx, tokens=tuple(sorted((c, v) for c, v in tokens.items() if v)),
                        last_operation_ms=last_ms)


def state_of(data: Any) -> AccountState:
    """The state in a validated ``data`` list: the first account, or :data:`NOT_ACTIVATED` for ``[]``."""
    return account_state(data[0]) if isinstance(data, list) and data else NOT_ACTIVATED
