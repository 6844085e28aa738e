"""Two writers on one SQLite file (trace and monitor processes) wait for each other instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

from db.store import AddressRole, FrontierItem, Store
from tests.db.dbdata import addr
from tracer.model import CaseParameters, Chain


def test_concurrent_read_then_write_calls_do_not_fail(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    case_id = Store.open(url).create_case("c", CaseParameters(), [])
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        store = Store.open(url)  # its own engine and connections, like another process
        try:
            for n in range(40):
                with store.atomic():
                    store.pending_frontier(case_id)  # read first: the case that needs BEGIN IMMEDIATE
                    store.push_frontier(case_id, [FrontierItem(Chain.ETHEREUM, addr(n % 5), "ETH", 1, 1)])
                    store.upsert_address(case_id, Chain.ETHEREUM, addr(offset + n), AddressRole.INTERMEDIATE, n)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=worker, args=(i * 1000,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store.open(url)
    assert sum(i.tainted_amount for i in store.pending_frontier(case_id)) == 80  # every push counted once
    assert len(store.addresses(case_id)) == 80
