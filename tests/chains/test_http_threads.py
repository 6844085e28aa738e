"""One HttpClient shared by several threads (the prefetch workers of an API and the expansion loop): every request
is counted exactly once, archived exactly once, and the client's rate limit holds across threads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from chains.http import HttpClient, RequestStats
from chains.testing import HttpReply, HttpRequest, LoopbackServer
from db.archive import SqlResponseArchive
from db.store import Store
from tracer.cli.wiring import build_session

THREADS = 6
PER_THREAD = 15
RATE = 60.0  # requests per second: 90 requests take at least 89 intervals, about 1.5 s


def test_several_threads_share_one_client_with_exact_counts_and_the_rate_limit(tmp_path: Path) -> None:
    arrivals: list[tuple[float, str]] = []
    lock = threading.Lock()

    def app(request: HttpRequest) -> HttpReply:
        with lock:
            arrivals.append((time.monotonic(), request.path))
        return HttpReply.json({"path": request.path, "n": int(request.path.rsplit("/", 1)[1])})

    store = Store.open(f"sqlite:///{tmp_path / 'archive.db'}")
    archive = SqlResponseArchive(store.engine)
    try:
        with LoopbackServer(app) as server:
            client = HttpClient(build_session(), server.url, rate=RATE, archive=archive, name="hammer")

            def work(thread: int) -> list[int]:
                return [client.get(f"/item/{thread * PER_THREAD + i}").data["n"] for i in range(PER_THREAD)]

            with ThreadPoolExecutor(THREADS) as pool:
                answers = sorted(n for got in pool.map(work, range(THREADS)) for n in got)
        total = THREADS * PER_THREAD
        assert answers == list(range(total))  # every answer reached the thread that asked for it
        assert (client.stats.requests, client.stats.retries, client.stats.archive_hits) == (total, 0, 0)
        assert sorted(path for _t, path in arrivals) == sorted(f"/item/{n}" for n in range(total))
        assert (archive.count(), archive.stats.puts, archive.stats.stored) == (total, total, total)
        # the limiter hands out one send slot per interval whatever the thread: the server sees them spread out
        times = sorted(t for t, _p in arrivals)
        assert times[-1] - times[0] >= (total - 1) / RATE - 0.05
    finally:
        store.close()


def test_request_stats_add_is_atomic_across_threads() -> None:
    stats = RequestStats()

    def bump() -> None:
        for _ in range(20_000):
            stats.add(requests=1, retries=2)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (stats.requests, stats.retries, stats.archive_hits) == (160_000, 320_000, 0)
