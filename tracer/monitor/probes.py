"""What the monitor's cheap pre-check may ask an adapter beyond :class:`chains.base.ChainAdapter`.

Both are optional: an adapter that has neither gets a history read per wallet (or the native-balance pre-check of
``ChainAdapter.balances`` on chains where every outgoing movement changes the native balance). Checked with
``isinstance`` so the monitor never names a concrete adapter.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class BalanceStates(Protocol):
    """A per-wallet fingerprint of everything an outgoing movement changes (TRON: TRX + TRC-20 balances + last
    signed tx time, from one ``/v1/accounts/{a}``). Equal fingerprints on two reads mean nothing was sent."""

    def balance_states(self, addresses: Iterable[str]) -> dict[str, int]:
        """Address -> fingerprint, one entry per address asked."""
        ...


@runtime_checkable
class TokenSenders(Protocol):
    """Which wallets sent a token in a block window (EVM: a ``transferFrom`` pull costs the owner no gas, so the
    native-balance pre-check misses it)."""

    def token_senders(self, addresses: Collection[str], since_block: int, until_block: int) -> dict[str, int]:
        """Address -> last block in ``since_block..until_block`` where it was a token ``from``; others absent."""
        ...
