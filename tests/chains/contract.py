"""AdapterContract: the shared tests every ChainAdapter must pass (web3 ``module_testing`` style).

Usage (pyproject sets ``pythonpath = ["."]``, so ``tests`` imports as a namespace package)::

    from tests.chains.contract import AdapterContract, ContractCase

    class TestMyAdapter(AdapterContract):
        @pytest.fixture
        def adapter(self, ...) -> ChainAdapter:           # adapter answering from fixtures / a local node
            ...

        @pytest.fixture
        def case(self) -> ContractCase:                   # what that adapter must return
            return ContractCase(address=..., expected_ids=[...], unknown_address=...)

        @pytest.fixture
        def failing_adapter(self, ...) -> ChainAdapter:   # optional: an adapter whose source fails
            ...                                           # (invalid key, HTML page, ...)

``expected_ids`` are ``Transfer.id`` values (``chain:tx_hash:kind:index``) in the expected order; with
``exact=False`` they only need to be present, in that relative order. A subclass that has no failing
scenario does not define ``failing_adapter``; the error-mapping test is then skipped with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from chains.addresses import canonical_address
from chains.base import ChainAdapter, transfer_sort_key
from tracer.errors import ChainError
from tracer.model import Direction, Transfer


@dataclass(frozen=True)
class ContractCase:
    """The known answer an adapter under test must produce."""

    address: str
    expected_ids: Sequence[str]
    unknown_address: str
    exact: bool = True
    window: tuple[int, int] | None = None  # (since_block, until_block) with a known non-empty subset
    tx_hash: str | None = None  # a transaction the adapter must know
    unknown_tx_hash: str | None = None  # a hash it must answer None for
    skip: frozenset[str] = field(default_factory=frozenset)  # names of contract tests not applicable


class AdapterContract:
    """Shared behaviour of every adapter; subclasses supply ``adapter``, ``case`` (and ``failing_adapter``)."""

    @pytest.fixture
    def failing_adapter(self) -> ChainAdapter:
        pytest.skip("this adapter test class supplies no failing scenario")

    @staticmethod
    def _history(adapter: ChainAdapter, case: ContractCase, **kw: object) -> list[Transfer]:
        return list(adapter.transfers_of(case.address, **kw))  # type: ignore[arg-type]

    def test_expected_transfers(self, adapter: ChainAdapter, case: ContractCase) -> None:
        ids = [t.id for t in self._history(adapter, case)]
        if case.exact:
            assert ids == list(case.expected_ids)
        else:
            positions = [ids.index(i) for i in case.expected_ids if i in ids]
            assert len(positions) == len(case.expected_ids), set(case.expected_ids) - set(ids)
            assert positions == sorted(positions)

    def test_sorted_and_unique(self, adapter: ChainAdapter, case: ContractCase) -> None:
        transfers = self._history(adapter, case)
        assert transfers, "the contract case must have a non-empty history"
        assert transfers == sorted(transfers, key=transfer_sort_key)
        ids = [t.id for t in transfers]
        assert len(ids) == len(set(ids))

    def test_values_are_well_formed(self, adapter: ChainAdapter, case: ContractCase) -> None:
        for t in self._history(adapter, case):
            assert t.chain is adapter.chain
            assert type(t.amount) is int and t.amount >= 0
            assert type(t.block_number) is int and t.block_number >= 0
            assert type(t.index) is int
            assert t.timestamp.tzinfo is not None and t.timestamp.utcoffset() == timedelta(0)
            assert t.asset.chain is adapter.chain
            for addr in (t.from_address, t.to_address):
                if addr is not None:
                    assert canonical_address(adapter.chain, addr) == addr
            if t.asset.contract is not None:
                assert canonical_address(adapter.chain, t.asset.contract) == t.asset.contract
            assert case.address in (t.from_address, t.to_address) or t.from_address is None

    def test_direction_filters(self, adapter: ChainAdapter, case: ContractCase) -> None:
        if "direction" in case.skip:
            pytest.skip("direction filtering not applicable")
        both = self._history(adapter, case)
        incoming = self._history(adapter, case, direction=Direction.IN)
        outgoing = self._history(adapter, case, direction=Direction.OUT)
        assert all(t.to_address == case.address for t in incoming)
        assert all(t.from_address == case.address for t in outgoing)
        assert {t.id for t in incoming} | {t.id for t in outgoing} == {t.id for t in both}

    def test_block_window(self, adapter: ChainAdapter, case: ContractCase) -> None:
        if case.window is None:
            pytest.skip("the case gives no block window")
        since, until = case.window
        inside = self._history(adapter, case, since_block=since, until_block=until)
        assert inside
        assert all(since <= t.block_number <= until for t in inside)
        full = [t.id for t in self._history(adapter, case) if since <= t.block_number <= until]
        assert [t.id for t in inside] == full

    def test_unknown_address_yields_nothing(self, adapter: ChainAdapter, case: ContractCase) -> None:
        assert list(adapter.transfers_of(case.unknown_address)) == []

    def test_latest_block(self, adapter: ChainAdapter, case: ContractCase) -> None:
        if "latest_block" in case.skip:
            pytest.skip("latest_block not served by this scenario")
        tip = adapter.latest_block()
        assert type(tip) is int
        assert all(t.block_number <= tip for t in self._history(adapter, case))

    def test_errors_map_to_chain_error_tree(self, failing_adapter: ChainAdapter, case: ContractCase) -> None:
        with pytest.raises(ChainError):
            list(failing_adapter.transfers_of(case.address))


class TransactionContract:
    """Mixed into an :class:`AdapterContract` subclass whose scenario serves a whole transaction (``tx_hash``)."""

    def test_transaction(self, adapter: ChainAdapter, case: ContractCase) -> None:
        assert case.tx_hash is not None, "a TransactionContract case must name a transaction"
        tx = adapter.transaction(case.tx_hash)
        assert tx is not None
        assert tx.tx_hash == case.tx_hash and tx.chain is adapter.chain
        assert type(tx.fee) is int and tx.fee >= 0
        assert tx.timestamp.utcoffset() == timedelta(0)
        assert all(t.tx_hash == case.tx_hash for t in tx.transfers)
        if case.unknown_tx_hash is not None:
            assert adapter.transaction(case.unknown_tx_hash) is None
