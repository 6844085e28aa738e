"""Trace family worlds with every API rate-limited and compare against the floors (issue 16).

    .venv/bin/python scripts/bench_trace_floor.py --seeds 5 [--first 0] [--rate 5] [--variants all]
                                                  [--scale small] [--workers N | --sequential]

Each world (seed, variants) is served by the sandbox with every API limited on the server side to ``--rate``
requests per second (per key/client, a one-second sliding window); the tracer's clients are set just under that
rate (``CLIENT_MARGIN``) so they never meet a 429. The world is traced through the CLI recipe
(:func:`tracer.cli.worlds.trace_served_world`) and per world the table shows:

* requests (counted by the server, every dialect) against the request floor of :func:`tracer.evaluation.score_world`;
* the trace's time against the rate-limit floor: the largest ``requests of one API / rate`` -- the time the
  slowest API needs alone, which a trace working the APIs in parallel can approach and a sequential one cannot.
  The trace's time is the span from its first API request to the answer of its last (the server's timeline);
  ``recipe s`` is the whole recipe around it (label and price import, store set-up, export, scoring), shown too.

The sandbox serves from a process of its own (as a remote API would): its handlers do not share the tracer's
interpreter lock, which would slow the expansion loop by however busy the server is (``--in-process`` to compare).

``--sequential`` sets every API to 0 prefetch workers (expansion fetches one history at a time, as before the
prefetcher); ``--workers N`` sets N per API. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracer.cli.worlds import trace_served_world  # noqa: E402
from tracer.config import Settings  # noqa: E402
from tracer.sandbox.generator import generate_world  # noqa: E402
from tracer.sandbox.generator.vocab import label_file_name  # noqa: E402
from tracer.sandbox.launch import RunningSandbox, start_sandbox  # noqa: E402
from tracer.sandbox.server import SandboxServer  # noqa: E402
from tracer.sandbox.world import World  # noqa: E402

CLIENT_MARGIN = 0.97  # the client's own limiter runs 3% under the server's window: loopback jitter never 429s
API_ENV = {"etherscan": "ETHERSCAN", "esplora": "ESPLORA", "trongrid": "TRONGRID", "midgard": "MIDGARD"}


@dataclass(frozen=True)
class FloorRow:
    """One traced world against its floors."""

    seed: int
    requests: int
    request_floor: int
    per_api: dict[str, int]
    seconds: float  # first API request to last answer
    recipe_seconds: float
    rate: float
    rate_limited: int  # 429s the server sent (should be 0)

    @property
    def time_floor(self) -> float:
        """The slowest API's requests divided by the rate."""
        return max(self.per_api.values(), default=0) / self.rate

    @property
    def request_ratio(self) -> float:
        """Requests over the request floor."""
        return self.requests / max(1, self.request_floor)

    @property
    def time_ratio(self) -> float:
        """Wall time over the rate-limit floor."""
        return self.seconds / max(1e-9, self.time_floor)


class RemoteSandbox(SandboxServer):
    """The world served by another process: this side only knows its URL (and the world, for prices)."""

    def __init__(self, world: World, url: str) -> None:
        super().__init__(world)
        self._url = url

    @property
    def base_url(self) -> str:
        """The serving process's URL."""
        return self._url

    def stop(self) -> None:
        """The serving process stops itself."""


def serve(seed: int, scale: str, variants: str | None, limits: dict[str, float], folder: Path,
          conn: Connection) -> None:
    """Child process: serve the world until told to stop, then hand back the counters and the timeline."""
    sandbox = start_sandbox(seed, scale, out_dir=folder / "sandbox", variant=variants, rate_limits=limits)
    conn.send(sandbox.server.base_url)
    conn.recv()
    conn.send((sandbox.server.stats(), sandbox.server.timeline()))
    sandbox.stop()


def trace_one(seed: int, scale: str, variants: str | None, rate: float, workers: int | None, folder: Path,
              in_process: bool) -> FloorRow:
    """Serve, trace (timed) and count one world."""
    limits = dict.fromkeys(API_ENV, rate)
    if in_process:
        sandbox = start_sandbox(seed, scale, out_dir=folder / "sandbox", variant=variants, rate_limits=limits)
        try:
            recipe = _trace(sandbox, folder, rate, workers)
            stats, timeline = sandbox.server.stats(), sandbox.server.timeline()
        finally:
            sandbox.stop()
    else:
        here, there = multiprocessing.Pipe()
        child = multiprocessing.get_context("spawn").Process(target=serve, args=(seed, scale, variants, limits,
                                                                                 folder, there), daemon=True)
        child.start()
        try:
            url = here.recv()
            world, truth, labels = generate_world(seed, scale, variants)
            out = folder / "sandbox"
            remote = RunningSandbox(RemoteSandbox(world, url), world, truth, labels, out / "truth.json",
                                    out / label_file_name(truth.label_format))
            recipe = _trace(remote, folder, rate, workers)
            here.send("stop")
            stats, timeline = here.recv()
        finally:
            child.join(timeout=30)
    return _row(seed, stats, timeline, recipe, rate)


def _trace(sandbox: RunningSandbox, folder: Path, rate: float, workers: int | None) -> tuple[float, int]:
    """(recipe seconds, request floor) of tracing the served world through the CLI recipe."""
    client_rate = str(rate * CLIENT_MARGIN)
    env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{folder / 'case.db'}",
           **{f"TRACER_{name}_RATE": client_rate for name in API_ENV.values()}}
    if workers is not None:
        env.update({f"TRACER_WORKERS_{name}": str(workers) for name in ("ETHERSCAN", "ESPLORA", "TRONGRID")})
    settings = Settings.load(env, config_path=folder / "no-config.toml")
    started = time.monotonic()
    run = trace_served_world(sandbox, settings)
    return time.monotonic() - started, run.score.request_floor


def _row(seed: int, stats: dict[str, Any], timeline: list[tuple[str, float, float]], recipe: tuple[float, int],
         rate: float) -> FloorRow:
    per_api = {k: int(v) for k, v in stats["dialects"].items() if k in API_ENV}
    limited = sum(int(v) for k, v in stats["endpoints"].items() if k.startswith("ratelimited:"))
    spans = [(start, end) for dialect, start, end in timeline if dialect in API_ENV]
    span = max(end for _s, end in spans) - min(start for start, _e in spans) if spans else 0.0
    return FloorRow(seed, sum(per_api.values()), recipe[1], per_api, span, recipe[0], rate, limited)


def print_rows(rows: list[FloorRow], label: str) -> None:
    """Per world, then mean and worst of both ratios."""
    print(f"\n{label}")
    head = (f"{'seed':>4} {'requests':>8} {'floor':>6} {'ratio':>6}   {'trace s':>7} {'floor s':>7} {'ratio':>6}  "
            f"{'recipe s':>8}  {'429s':>4}  per API")
    print(head)
    print("-" * len(head))
    for r in rows:
        apis = " ".join(f"{k}={v}" for k, v in sorted(r.per_api.items()))
        print(f"{r.seed:>4} {r.requests:>8} {r.request_floor:>6} {r.request_ratio:>6.2f}   {r.seconds:>7.1f} "
              f"{r.time_floor:>7.1f} {r.time_ratio:>6.2f}  {r.recipe_seconds:>8.1f}  {r.rate_limited:>4}  {apis}")
    if rows:
        print(f"mean {'':>24}{sum(r.request_ratio for r in rows) / len(rows):>6.2f}   {'':>15} "
              f"{sum(r.time_ratio for r in rows) / len(rows):>6.2f}")
        print(f"worst{'':>23}{max(r.request_ratio for r in rows):>6.2f}   {'':>15} "
              f"{max(r.time_ratio for r in rows):>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--variants", default="all", help="comma list, all, or none")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--rate", type=float, default=5.0, help="requests per second each API allows")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--workers", type=int, default=None, help="prefetch workers per API (default: settings)")
    mode.add_argument("--sequential", action="store_true", help="no prefetch: one history at a time")
    parser.add_argument("--in-process", action="store_true", help="serve the sandbox from the tracer's process")
    args = parser.parse_args()
    variants = None if args.variants == "none" else args.variants
    workers = 0 if args.sequential else args.workers
    rows: list[FloorRow] = []
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        for seed in range(args.first, args.first + args.seeds):
            folder = Path(tmp) / str(seed)
            try:
                rows.append(trace_one(seed, args.scale, variants, args.rate, workers, folder, args.in_process))
            except Exception as exc:  # one failed world is a finding, not the end of the bench
                print(f"seed {seed} failed: {type(exc).__name__}: {exc}"[:300], file=sys.stderr, flush=True)
                continue
            print(f"seed {seed}: {rows[-1].requests} requests in {rows[-1].seconds:.1f} s", file=sys.stderr,
                  flush=True)
    mode_name = "sequential" if args.sequential else f"workers {args.workers or 'from settings'}"
    where = "in-process server" if args.in_process else "server in its own process"
    print_rows(rows, f"scale {args.scale}, variants {args.variants}, {args.rate:g} req/s per API, {mode_name}, "
                     f"{where}")


if __name__ == "__main__":
    main()
