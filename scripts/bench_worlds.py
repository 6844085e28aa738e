"""Trace a family of sandbox worlds and print, per metric, the mean and the worst seed (issue 13).

    .venv/bin/python scripts/bench_worlds.py --seeds 50 [--variants all|none|vocab,waves,...] [--scale small]
                                             [--first 0] [--json out.json] [--endpoints]

Each world (seed, variants) is generated, served by the in-process sandbox server on 127.0.0.1, traced from its
exploiter into a fresh SQLite store with the CLI's defaults (bundled labels, instant-exchange matching, demixing)
and scored with :func:`tracer.evaluation.score_world` -- the same code the end-to-end property tests use. The
table shows what the engine gets wrong on worlds it was not built against; it does not change the engine.
``--endpoints`` adds requests per seed against the floor and per API and endpoint kind, with repeated requests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.request_log import RequestLog, print_breakdown  # noqa: E402
from tracer.cli.worlds import trace_served_world  # noqa: E402
from tracer.config import Settings  # noqa: E402
from tracer.evaluation import Ratio, WorldScore  # noqa: E402
from tracer.model import Chain  # noqa: E402
from tracer.sandbox.launch import start_sandbox  # noqa: E402

RATE = "1000"
CHAINS = (Chain.ETHEREUM, Chain.BITCOIN, Chain.TRON)


def trace_world(seed: int, scale: str, variants: str | None, folder: Path) -> tuple[WorldScore, float]:
    """Generate, serve, trace and score one world; returns (score, seconds)."""
    score, _doc, _truth, seconds = trace_world_doc(seed, scale, variants, folder)
    return score, seconds


def trace_world_doc(seed: int, scale: str, variants: str | None, folder: Path
                    ) -> tuple[WorldScore, dict[str, Any], dict[str, Any], float]:
    """:func:`trace_world` that also returns the export and the truth (for diagnosis)."""
    started = time.monotonic()
    sandbox = start_sandbox(seed, scale, out_dir=folder / "sandbox", variant=variants)
    try:
        env = {**sandbox.env(), "TRACER_DATABASE_URL": f"sqlite:///{folder / 'case.db'}",
               "TRACER_ETHERSCAN_RATE": RATE, "TRACER_ESPLORA_RATE": RATE, "TRACER_TRONGRID_RATE": RATE,
               "TRACER_MIDGARD_RATE": RATE}
        run = trace_served_world(sandbox, Settings.load(env, config_path=folder / "no-config.toml"))
        score, doc, truth = run.score, run.doc, run.truth
    finally:
        sandbox.stop()
    return score, doc, truth, time.monotonic() - started


@dataclass(frozen=True)
class Metric:
    """One row of the table: a value per seed, and whether lower is worse."""

    name: str
    values: dict[int, float]
    lower_is_worse: bool
    note: str = ""

    def row(self) -> tuple[str, str, str, str]:
        """(metric, mean, worst value, worst seed)."""
        if not self.values:
            return self.name, "-", "-", "-"
        mean = sum(self.values.values()) / len(self.values)
        worst = (min if self.lower_is_worse else max)(self.values.values())
        seed = min(s for s, v in self.values.items() if v == worst)  # the first seed that shows it
        return self.name, _fmt(mean), _fmt(self.values[seed]) + self.note, str(seed)


def _fmt(x: float) -> str:
    return f"{x:.4f}" if abs(x) < 1_000 and x != int(x) else f"{int(x):,}"


def metrics(scores: dict[int, WorldScore]) -> list[Metric]:
    """Every table row from the per-seed scores."""
    out = [Metric("recall by value", {s: w.recall_by_value for s, w in scores.items()}, True)]
    origins = sorted({o for w in scores.values() for o in w.conservation})
    for origin in origins:
        out.append(Metric(f"conservation error {origin.split('@')[0]} (base units, |err|)",
                          {s: float(abs(w.conservation.get(origin, 0))) for s, w in scores.items()}, False))
    out.append(Metric("phantom stolen origins (base units)",
                      {s: float(sum(w.phantom.values())) for s, w in scores.items()}, False))
    out.append(Metric("crossings linked", {s: w.crossings_linked.value for s, w in scores.items()}, True))
    out.append(Metric("ambiguous crossings (twins, not linkable)",
                      {s: float(w.ambiguous_crossings.total) for s, w in scores.items()}, False))
    out.append(Metric("ambiguous crossings reported unresolved",
                      {s: w.ambiguous_crossings.value for s, w in scores.items()}, True))
    for kind in sorted({k for w in scores.values() for k in w.link_recall}):
        out.append(Metric(f"link recall {kind}", {s: w.link_recall[kind].value for s, w in scores.items()
                                                  if kind in w.link_recall and w.link_recall[kind].total}, True))
    for kind in sorted({k for w in scores.values() for k in w.link_precision}):
        out.append(Metric(f"link precision {kind}", {s: w.link_precision[kind].value for s, w in scores.items()
                                                     if kind in w.link_precision}, True))
    for name in sorted({k for w in scores.values() for k in w.heuristic_precision}):
        pooled = Ratio(sum(w.heuristic_precision[name].hits for w in scores.values() if name in w.heuristic_precision),
                       sum(w.heuristic_precision[name].total for w in scores.values() if name in w.heuristic_precision))
        out.append(Metric(f"E4 precision {name} (pooled {pooled} = {pooled.value:.3f})",
                          {s: w.heuristic_precision[name].value for s, w in scores.items()
                           if name in w.heuristic_precision}, True))
    out.append(Metric("deposit-address precision", {s: w.deposit_precision.value for s, w in scores.items()}, True))
    out.append(Metric("deposit-address recall (reached)", {s: w.deposit_recall.value for s, w in scores.items()}, True))
    out.append(Metric("requests / floor", {s: w.requests / max(1, w.request_floor) for s, w in scores.items()}, False))
    out.append(Metric("noise txs followed", {s: float(len(w.noise_expanded)) for s, w in scores.items()}, False))
    out.append(Metric("busy addresses expanded", {s: float(len(w.busy_expanded)) for s, w in scores.items()}, False))
    return out


def print_table(rows: list[Metric], seconds: dict[int, float], label: str) -> None:
    """A fixed-width table."""
    head = ("metric", "mean", "worst", "seed")
    cells = [head] + [m.row() for m in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    print(f"\n{label}: {len(seconds)} worlds, {sum(seconds.values()):.0f} s total")
    for n, c in enumerate(cells):
        print("  ".join(c[i].ljust(widths[i]) if i == 0 else c[i].rjust(widths[i]) for i in range(4)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--variants", default="all", help="comma list, all, or none")
    parser.add_argument("--scale", default="small")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-seed scores here")
    parser.add_argument("--endpoints", action="store_true", help="requests per API and endpoint kind, repeats")
    args = parser.parse_args()
    variants = None if args.variants == "none" else args.variants
    scores: dict[int, WorldScore] = {}
    seconds: dict[int, float] = {}
    failures: dict[int, str] = {}
    kinds: Counter[str] = Counter()
    repeats: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="bench-worlds-") as tmp:
        for seed in range(args.first, args.first + args.seeds):
            try:
                with RequestLog() as log:
                    scores[seed], seconds[seed] = trace_world(seed, args.scale, variants, Path(tmp) / str(seed))
                kinds.update(log.kinds)
                repeats.update(log.repeats)
                if args.endpoints:
                    print(f"seed {seed}: requests {scores[seed].requests:,} floor {scores[seed].request_floor:,} "
                          f"repeats {sum(log.repeats.values()):,} | "
                          + ", ".join(f"{k} {v}" for k, v in sorted(log.kinds.items())), file=sys.stderr, flush=True)
            except Exception as exc:  # a crash on one world is a finding, not the end of the bench
                failures[seed] = f"{type(exc).__name__}: {exc}"[:300]
            print(f"seed {seed}: " + (failures[seed] if seed in failures else
                  f"recall {scores[seed].recall_by_value:.4f} cons {scores[seed].conservation_error} "
                  f"crossings {scores[seed].crossings_linked} {seconds[seed]:.1f}s"), file=sys.stderr, flush=True)
    print_table(metrics(scores), seconds, f"scale {args.scale}, variants {args.variants}")
    if args.endpoints:
        print_breakdown(kinds, repeats, f"all {len(scores)} worlds")
    for seed, why in failures.items():
        print(f"seed {seed} failed: {why}")
    missing: dict[str, int] = defaultdict(int)
    for w in scores.values():
        for m in w.missing_crossings:
            missing[m.split(":", 1)[0]] += 1
    print("unlinked crossings by kind (all seeds): " + (", ".join(f"{k} {v}" for k, v in sorted(missing.items()))
                                                       or "none"))
    if args.json:
        data: dict[str, Any] = {str(s): {**w.__dict__, "conservation_error": w.conservation_error}
                                for s, w in scores.items()}
        args.json.write_text(json.dumps(data, default=str, indent=1))


if __name__ == "__main__":
    main()
