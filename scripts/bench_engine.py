"""Haircut taint propagation throughput: the engine's ledger replay vs a plain networkx baseline.

    .venv/bin/python scripts/bench_engine.py [--transfers 1000000] [--seed 7] [--dump PATH]

``--dump PATH`` writes the engine's per-transfer taint as canonical text (``index taint origin`` per tainted
transfer, in index order) and prints its sha256: the byte-compare that shows a change of the replay moved no unit.

A layered laundering graph is generated in memory as plain int arrays (sender, receiver, wei amount, in time
order): thefts split over first-layer wallets, which peel to exchange deposit addresses, split again, merge with
clean money, or cash out whole; deposit addresses sweep to a few exchange hot wallets (sinks). Every address
receives everything before it first sends, so the graph is a DAG.

Two propagations of the same stolen value over the same transfers, each in its own forked process (so each
peak RSS is its own: graph arrays shared + its working set):

* engine: :func:`heuristics.taint.propagate` -- every sender's ledger, in first-send order, through the compiled
  kernel that :func:`heuristics.taint.replay` runs for every account node of a trace (Python ints in, Python ints
  out, conversions timed; the JIT is warmed first and its time printed apart);
* networkx: a ``DiGraph`` with per-edge ``amount``/``seq`` attributes, visited in ``topological_sort`` order,
  with an independent haircut written here.

Both must give the same taint on every transfer and conserve exactly (Σ endpoint taint == stolen, in wei).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import random
import resource
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from heuristics.taint import propagate  # noqa: E402
from tracer.model import TaintModel  # noqa: E402

WEI = 10**18
THEFT_WEI = 400_000 * WEI  # each theft: Bybit-sized
DUST_WEI = 10**12  # below this a wallet cashes out whole: keeps amounts positive after many splits
EXCHANGES = 25  # hot wallets: the sinks every deposit address sweeps to
CLEAN_SHARE = 0.1  # probability a wallet also receives clean money before it moves on


# ------------------------------------------------------------------------------------------------ the graph
@dataclass
class Graph:
    """Transfers in time order (index = time) and which of them are thefts (wholly tainted inflows)."""

    src: list[int]
    dst: list[int]
    amount: list[int]
    thefts: list[int]  # transfer indexes
    nodes: int

    @property
    def stolen(self) -> int:
        """Total stolen wei."""
        return sum(self.amount[i] for i in self.thefts)


class _Gen:
    """Writes the laundering story; node ids are allocated on first appearance."""

    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.src: list[int] = []
        self.dst: list[int] = []
        self.amount: list[int] = []
        self.thefts: list[int] = []
        self.next_id = 0
        self.victim = self.new()
        self.hot = [self.new() for _ in range(EXCHANGES)]
        self.live: deque[tuple[int, int]] = deque()  # (wallet, balance) waiting to move on
        self.merging: list[tuple[int, int]] = []

    def new(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def send(self, a: int, b: int, value: int) -> None:
        self.src.append(a)
        self.dst.append(b)
        self.amount.append(value)

    def full(self) -> bool:
        return len(self.src) >= self.n

    def theft(self) -> None:
        """A new theft split over 40 first-layer wallets (the Bybit pattern)."""
        exploiter = self.new()
        self.thefts.append(len(self.src))
        self.send(self.victim, exploiter, THEFT_WEI)
        parts = 40
        for k in range(parts):
            w = self.new()
            value = THEFT_WEI // parts + (THEFT_WEI % parts if k == 0 else 0)
            self.send(exploiter, w, value)
            self.live.append((w, value))

    def cash_out(self, w: int, value: int) -> None:
        """Wallet -> fresh deposit address -> exchange hot wallet (sink)."""
        dep = self.new()
        self.send(w, dep, value)
        self.send(dep, self.rng.choice(self.hot), value)

    def step(self) -> None:
        w, bal = self.live.popleft()
        rng = self.rng
        if rng.random() < CLEAN_SHARE:  # clean money arrives before the wallet's first send: haircut dilutes
            clean = rng.randrange(1, max(2, bal // 4))
            self.send(self.new(), w, clean)  # a funder with no recorded history: clean by definition
            bal += clean
        if bal < DUST_WEI:
            self.cash_out(w, bal)
            return
        r = rng.random()
        if r < 0.50:  # peel: a slice to an exchange, the rest to a fresh wallet
            peel = bal * rng.randrange(1, 6) // 100
            self.cash_out(w, peel)
            nxt = self.new()
            self.send(w, nxt, bal - peel)
            self.live.append((nxt, bal - peel))
        elif r < 0.70:  # split into 2-8 fresh wallets
            k = rng.randrange(2, 9)
            cuts = sorted(rng.randrange(1, bal) for _ in range(k - 1))
            for lo, hi in zip([0, *cuts], [*cuts, bal], strict=True):
                if hi > lo:
                    child = self.new()
                    self.send(w, child, hi - lo)
                    self.live.append((child, hi - lo))
        elif r < 0.85:  # merge: wait for 3-6 wallets, consolidate into one fresh wallet
            self.merging.append((w, bal))
            if len(self.merging) >= rng.randrange(3, 7):
                m = self.new()
                total = 0
                for mw, mb in self.merging:
                    self.send(mw, m, mb)
                    total += mb
                self.merging = []
                self.live.append((m, total))
        else:
            self.cash_out(w, bal)

    def run(self) -> Graph:
        while not self.full():
            if not self.live:
                self.theft()
                continue
            self.step()
        # Truncating to exactly n keeps a valid ledger: any prefix of a time-ordered history is one.
        n = self.n
        return Graph(self.src[:n], self.dst[:n], self.amount[:n], [i for i in self.thefts if i < n],
                     self.next_id)


def generate(n: int, seed: int) -> Graph:
    """The laundering graph of ``n`` transfers."""
    return _Gen(n, seed).run()


# ----------------------------------------------------------------------------------------------- engine
@dataclass(frozen=True)
class Result:
    """Per-transfer taint (digest), endpoint totals and timings of one propagation."""

    digest: str
    tainted_transfers: int
    endpoint_taint: int  # Σ taint left at addresses (unspent wallets and exchange sinks)
    endpoint_origin: int
    build_s: float
    propagate_s: float
    peak_rss_kib: int
    cpu_s: float  # CPU time of build + propagation: on a loaded machine, what the work itself cost
    jit_s: float = 0.0  # compile or cache load before the timed part (engine only)


def _digest(taint: list[int], origin: list[int]) -> str:
    h = hashlib.sha256()
    for i, (t, o) in enumerate(zip(taint, origin, strict=True)):
        if t or o:
            h.update(f"{i}:{t}:{o};".encode())
    return h.hexdigest()


def dump_taint(path: Path, taint: list[int], origin: list[int]) -> str:
    """Write every tainted transfer as ``index taint origin`` lines (index order); return the file's sha256."""
    h = hashlib.sha256()
    with path.open("wb") as fh:
        for start in range(0, len(taint), 65536):  # in chunks: the dump must not be what sets the peak RSS
            chunk = "".join(f"{i} {t} {o}\n" for i, t, o in zip(range(start, start + 65536), taint[start:start + 65536],
                                                                origin[start:start + 65536], strict=False) if t or o)
            data = chunk.encode()
            fh.write(data)
            h.update(data)
    return h.hexdigest()


def engine_propagate(g: Graph, dump: Path | None = None) -> Result:
    """Every sender's ledger through the engine's compiled replay (haircut), in first-send order, in one call."""
    warm_up()
    c0, t0 = time.process_time(), time.perf_counter()
    src = np.fromiter(g.src, np.int64, len(g.src))
    dst = np.fromiter(g.dst, np.int64, len(g.dst))
    t1 = time.perf_counter()
    result = propagate(src, dst, g.amount, {i: (g.amount[i], g.amount[i]) for i in g.thefts}, TaintModel.HAIRCUT)
    taint, origin = result.taint, result.origin
    t2, cpu = time.perf_counter(), time.process_time() - c0
    if dump is not None:
        print(f"engine per-transfer taint written to {dump}: sha256 {dump_taint(dump, taint, origin)}")
    # Conservation (not timed): what reached addresses that never send stays there (sinks, unspent wallets), plus
    # what senders still hold after their last send (floor rounding never strands taint: the drain takes the
    # rest; counted anyway so a bug would show as a conservation error, not vanish).
    sent = set(g.src)
    thefts = set(g.thefts)
    end_t = end_o = 0
    for i, (a, b) in enumerate(zip(g.src, g.dst, strict=True)):
        if b not in sent:
            end_t += taint[i]
            end_o += origin[i]
        # The sender's ledger lists i as an outflow (the victim never held the theft: it is born with it); the
        # receiver's, if it sends too, as an inflow -- or as a second outflow when it is the sender itself.
        if i not in thefts:
            end_t -= taint[i]
            end_o -= origin[i]
        if b in sent and not (b == a and i in thefts):
            sign = -1 if b == a else 1
            end_t += sign * taint[i]
            end_o += sign * origin[i]
    return Result(_digest(taint, origin), sum(1 for t in taint if t), end_t, end_o,
                  t1 - t0, t2 - t1, _peak_kib(), cpu, warm_up())


_WARM: list[float] = []  # seconds the JIT took (compile, or load from its on-disk cache) in this process


def warm_up() -> float:
    """Compile (or load from cache) the kernel on a tiny graph so the timing below is the replay alone."""
    if not _WARM:
        t0 = time.perf_counter()
        propagate(np.array([0, 1], np.int64), np.array([1, 2], np.int64), [5, 3], {0: (5, 5)}, TaintModel.HAIRCUT)
        _WARM.append(time.perf_counter() - t0)
    return _WARM[0]


# --------------------------------------------------------------------------------------------- networkx
def networkx_propagate(g: Graph) -> Result:
    """The same haircut over a networkx DiGraph in topological order (independent arithmetic)."""
    import networkx as nx

    c0, t0 = time.process_time(), time.perf_counter()
    n = len(g.src)
    graph = nx.DiGraph()
    graph.add_edges_from((g.src[i], g.dst[i], {"amount": g.amount[i], "seq": i}) for i in range(n))
    if graph.number_of_edges() != n:
        raise AssertionError("the generator produced a repeated (sender, receiver) pair")
    theft = set(g.thefts)
    t1 = time.perf_counter()
    for v in nx.topological_sort(graph):
        ins = [(d["seq"], d, True) for _, _, d in graph.in_edges(v, data=True)]
        outs = [(d["seq"], d, False) for _, _, d in graph.out_edges(v, data=True)]
        balance = held = orig = 0
        pool = paid_pool = paid = 0  # held × 1e18 and what left of it: the carried sub-unit remainder (§1.3)
        for seq, d, inflow in sorted(ins + outs, key=lambda e: e[0]):
            a = d["amount"]
            if inflow:
                if seq in theft:
                    d["taint"] = d["origin"] = a
                balance += a
                held += d.get("taint", 0)
                pool += d.get("taint", 0) * 10**18
                orig += d.get("origin", 0)
                continue
            balance = max(balance, a)  # history we do not have is clean money that was there
            share = pool if a >= balance else a * pool // balance
            pool -= share
            paid_pool += share
            tau = paid_pool // 10**18 - paid
            paid += tau
            o_out = (orig if tau >= held else orig * tau // held) if tau > 0 else 0
            d["taint"], d["origin"] = tau, o_out
            held -= tau
            orig -= o_out
            balance -= a
        graph.nodes[v]["held"] = (held, orig)
    t2, cpu = time.perf_counter(), time.process_time() - c0
    taint = [0] * n
    origin = [0] * n
    for _, _, d in graph.edges(data=True):
        taint[d["seq"]] = d.get("taint", 0)
        origin[d["seq"]] = d.get("origin", 0)
    end_t = sum(h[0] for _, h in graph.nodes(data="held"))
    end_o = sum(h[1] for _, h in graph.nodes(data="held"))
    return Result(_digest(taint, origin), sum(1 for t in taint if t), end_t, end_o, t1 - t0, t2 - t1, _peak_kib(),
                  cpu)


# ------------------------------------------------------------------------------------------------- runner
def _peak_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _current_kib() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return _peak_kib()


def in_child(fn: Callable[[Graph], Result], g: Graph) -> Result:
    """Run ``fn(g)`` in a forked process so its peak RSS is measured alone; in-process where fork is missing."""
    if not hasattr(os, "fork"):
        return fn(g)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: compute, send the pickled result, leave without running the parent's cleanup
        os.close(r)
        try:
            data = pickle.dumps(fn(g))
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if not data or status != 0:
        raise RuntimeError(f"{fn.__name__} failed in the child process (status {status})")
    result: Result = pickle.loads(data)
    return result


def main(argv: list[str] | None = None) -> int:
    """Generate, propagate twice, compare, print the table."""
    parser = argparse.ArgumentParser(description="taint propagation throughput: engine replay vs networkx")
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump", type=Path, default=None, help="write the engine's per-transfer taint here")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    g = generate(args.transfers, args.seed)
    gen_s = time.perf_counter() - t0
    base = _current_kib()
    stolen = g.stolen
    print(f"graph: {len(g.src):,} transfers, {g.nodes:,} addresses, {len(g.thefts)} thefts, "
          f"stolen {stolen // WEI:,} ETH; generated in {gen_s:.1f} s; RSS after generation {base / 1024:,.0f} MiB")

    def engine(graph: Graph) -> Result:
        return engine_propagate(graph, args.dump)

    results = {"engine replay": in_child(engine, g), "networkx": in_child(networkx_propagate, g)}
    n = len(g.src)
    print(f"{'propagation':<14} {'JIT s':>6} {'build s':>8} {'taint s':>8} {'total s':>8} {'transfers/s':>12} "
          f"{'taint-only/s':>13} {'CPU s':>6} {'per CPU s':>10} {'peak RSS MiB':>13} {'+ over graph':>13}")
    for name, res in results.items():
        total = res.build_s + res.propagate_s
        print(f"{name:<14} {res.jit_s:>6.2f} {res.build_s:>8.2f} {res.propagate_s:>8.2f} {total:>8.2f} "
              f"{n / total:>12,.0f} {n / res.propagate_s:>13,.0f} {res.cpu_s:>6.2f} {n / res.cpu_s:>10,.0f} "
              f"{res.peak_rss_kib / 1024:>13,.0f} {(res.peak_rss_kib - base) / 1024:>13,.0f}")
    print("transfers/s = transfers / total s, wall clock (JIT excluded: compiled, or loaded from numba's on-disk "
          "cache, before the clock starts); per CPU s = transfers / CPU time of the same part; peak RSS = ru_maxrss "
          f"of the forked child, graph included; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    eng, nxr = results["engine replay"], results["networkx"]
    same = eng.digest == nxr.digest
    conserved = all(r.endpoint_taint == stolen and r.endpoint_origin == stolen for r in results.values())
    print(f"tainted transfers: engine {eng.tainted_transfers:,}, networkx {nxr.tainted_transfers:,}; "
          f"per-transfer taint identical: {'yes' if same else 'NO'}")
    print(f"conservation: stolen {stolen} wei; endpoints engine {eng.endpoint_taint} / networkx {nxr.endpoint_taint} "
          f"wei: {'exact' if conserved else 'BROKEN'}")
    return 0 if same and conserved else 1


if __name__ == "__main__":
    sys.exit(main())
