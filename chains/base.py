"""The adapter protocol every chain source implements, and the raw-response archive protocol.

Adapters are read-only sources of transfers for one chain. The engine and monitor depend on these
interfaces only; the CLI (composition root) builds concrete adapters.

Contract (enforced by ``tests/chains/contract.py``):

* ``transfers_of`` yields transfers ascending by ``(block_number, tx_hash, kind, index)``, de-duplicated;
  an address with no activity yields nothing (never an error);
* amounts are ``int`` base units, timestamps are UTC-aware, addresses canonical for the chain;
* failures raise the :class:`tracer.errors.ChainError` tree, never bare ``requests`` errors;
* every history-reading method takes a keyword-only ``final_block``: a query entirely at or below it is
  immutable and answered from the archive when present. The engine passes the block pinned when a case started
  (tip minus the confirmation margin) on every call, so a re-run of a finished trace makes no request and
  adapters shared by several runs are never mutated.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from enum import Enum

from tracer.model import ArchivedResponse, Chain, ChainTx, Direction, OutputSpend, ResponseArchive, Transfer

__all__ = [
    "ArchivedResponse",
    "Capability",
    "ChainAdapter",
    "ResponseArchive",
    "UtxoAdapter",
    "transfer_sort_key",
]


class Capability(str, Enum):
    """What an adapter can serve."""

    NATIVE = "native"
    INTERNAL = "internal"
    TOKENS = "tokens"
    UTXO = "utxo"
    BALANCES = "balances"
    LOGS = "logs"


def transfer_sort_key(t: Transfer) -> tuple[int, str, str, int]:
    """The canonical order of transfers within a chain."""
    return (t.block_number, t.tx_hash, t.kind.value, t.index)


class ChainAdapter(ABC):
    """A read-only source of transfers for one chain.

    May raise: ChainUnavailable, RateLimited, QuotaExhausted, BadResponse, ApiRejected, AddressTooLarge.
    """

    chain: Chain
    name: str
    capabilities: frozenset[Capability] = frozenset()

    @abstractmethod
    def transfers_of(
        self,
        address: str,
        *,
        direction: Direction = Direction.BOTH,
        since_block: int | None = None,
        until_block: int | None = None,
        final_block: int | None = None,
    ) -> Iterator[Transfer]:
        """Every transfer touching ``address`` in the block window (inclusive), ascending."""

    @abstractmethod
    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        """The whole transaction, or None if the chain does not know the hash."""

    @abstractmethod
    def latest_block(self) -> int:
        """The chain tip height."""

    def transfers_of_many(
        self,
        addresses: Iterable[str],
        *,
        direction: Direction = Direction.BOTH,
        since_block: int | None = None,
        until_block: int | None = None,
        final_block: int | None = None,
    ) -> Iterator[tuple[str, list[Transfer]]]:
        """Batch variant; default loops over :meth:`transfers_of`."""
        for address in addresses:
            yield address, list(self.transfers_of(address, direction=direction, since_block=since_block,
                                                  until_block=until_block, final_block=final_block))

    def balances(self, addresses: Iterable[str]) -> dict[str, int]:
        """Native balances (base units) of many addresses; batched where the API allows.

        May raise: NotSupported when the adapter has no balance endpoint.
        """
        from tracer.errors import NotSupported

        raise NotSupported(f"{self.name} cannot read balances")


class UtxoAdapter(ChainAdapter):
    """A UTXO chain source: adds following coins forward through spends."""

    @abstractmethod
    def outspends(self, tx_hash: str, *, final_block: int | None = None) -> list[OutputSpend]:
        """For every output of ``tx_hash`` (by index), whether and where it was spent."""

    @abstractmethod
    def transactions_of(
        self, address: str, *, since_block: int | None = None, until_block: int | None = None,
        final_block: int | None = None,
    ) -> Iterator[ChainTx]:
        """Confirmed transactions touching ``address``, ascending by block."""

    def transaction_paying(self, tx_hash: str, address: str, *, final_block: int | None = None) -> ChainTx | None:
        """:meth:`transaction` of a tx known to pay ``address`` (a source may read it from that address's
        history, which the trace reads next anyway)."""
        return self.transaction(tx_hash, final_block=final_block)
