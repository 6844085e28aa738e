"""Two writers on one SQLite file (trace and monitor processes) wait for each other instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from db.store import Store
from tests.db.dbdata import addr
from tracer.model import Address, CaseParameters, Chain


def test_concurrent_read_then_write_calls_do_not_fail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    case_id = Store.open(url).create_case("c", CaseParameters(), [])
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        store = Store.open(url)  # its own engine and connections, like another process
        repo = store.trace_repository()
        try:
            for n in range(40):
                with store.atomic():
                    repo.pending_nodes(case_id)  # read first: the case that needs BEGIN IMMEDIATE
                    repo.add_seed_node(case_id, Address(Chain.ETHEREUM, addr(n % 5)), [])
                    repo.reopen(case_id, Address(Chain.ETHEREUM, addr(offset + n)))
                    repo.add_seed_node(case_id, Address(Chain.ETHEREUM, addr(offset + n)), [])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=worker, args=(i * 1000 + 100,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    repo = Store.open(url).trace_repository()
    assert repo.node_count(case_id) == 85  # each node once: 5 shared + 2 x 40 own
    assert len(repo.addresses(case_id)) == 85
