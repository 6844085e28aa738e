"""``Store.atomic()``: one transaction for many calls, savepoints when nested, all-or-nothing under kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from db.records import Expansion
from db.store import Store
from tests.db.dbdata import addr, contribution, transfer
from tracer.model import Address, CaseParameters, Chain, Endpoint, EndpointStatus, StopReason

ETH = Chain.ETHEREUM.native


def expand(store: Store, case_id: int, n: int) -> None:
    """What the engine commits for one address: the contribution sent on, an endpoint, the receiver pending."""
    node = Address(Chain.ETHEREUM, addr(1000 + n))  # each expansion is another sender's
    t = transfer(n, sender=node.value)
    exp = Expansion(node, [contribution(t)], [Endpoint(Chain.ETHEREUM, node.value, ETH, 1, EndpointStatus.UNSPENT,
                                                       None, StopReason.UNSPENT)])
    store.trace_repository().commit_expansion(case_id, exp, 0, [(Address(Chain.ETHEREUM, addr(n)), 1, 1.0)])


def edges(store: Store, case_id: int) -> list[str | None]:
    """Receivers of the stored contributions, in order."""
    return [c.transfer.to_address for c in store.trace_repository().all_contributions(case_id)]


def test_exception_rolls_back_everything(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    repo = store.trace_repository()
    with pytest.raises(RuntimeError, match="adapter failed"), store.atomic():
        expand(store, case_id, 1)
        assert len(edges(store, case_id)) == 1  # visible inside the block
        raise RuntimeError("adapter failed")
    assert edges(store, case_id) == []
    assert repo.endpoints(case_id) == []
    assert repo.pending_nodes(case_id) == []
    assert repo.node_count(case_id) == 0


def test_block_commits_together_and_is_invisible_to_others_until_then(store: Store, db_url: str) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    other = Store.open(db_url)
    with store.atomic():
        expand(store, case_id, 1)
        assert edges(other, case_id) == []
    assert len(edges(other, case_id)) == 1
    other.close()


def test_nested_block_is_a_savepoint(store: Store) -> None:
    case_id = store.create_case("c", CaseParameters(), [])
    with store.atomic():
        expand(store, case_id, 1)
        with pytest.raises(ValueError), store.atomic():
            expand(store, case_id, 2)
            raise ValueError("inner")
        with store.atomic():
            expand(store, case_id, 3)
    assert edges(store, case_id) == [addr(1), addr(3)]
    assert store.in_atomic is False


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    sys.path[:0] = [{root!r}]
    from tests.db.test_store_atomic import expand
    from db.store import Store
    store = Store.open({url!r})
    case_id = store.get_case("c").id
    expand(store, case_id, 1)          # committed on its own
    with store.atomic():
        expand(store, case_id, 2)
        expand(store, case_id, 3)
        os.kill(os.getpid(), signal.SIGKILL)   # crash in the middle of the block
    """
)


def test_kill_9_inside_a_block_loses_the_whole_block_only(store: Store, db_url: str) -> None:
    store.create_case("c", CaseParameters(), [])
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=root, url=db_url)], cwd=root,
                          env={**os.environ, "PYTHONPATH": root}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    case = store.get_case("c")
    assert case is not None
    fresh = Store.open(db_url)  # a new process would see the same
    assert edges(fresh, case.id) == [addr(1)]
    assert [n.value for n, _hop, _p in fresh.trace_repository().pending_nodes(case.id)] == [addr(1)]
    fresh.close()
