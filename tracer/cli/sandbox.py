"""``tracer sandbox serve``: run the generated laundering world behind loopback copies of the public APIs."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from db.prices import write_price_csv
from tracer.cli.app import app
from tracer.cli.common import fatal, run, stdout
from tracer.cli.world_prices import world_price_points
from tracer.sandbox.faults import FaultPlan
from tracer.sandbox.generator import SCALES, VARIANTS
from tracer.sandbox.generator.variants import parse_variants
from tracer.sandbox.launch import start_sandbox
from tracer.sandbox.server.hostile import HostilePlan

sandbox_app = typer.Typer(help="A deterministic, generated laundering incident served over loopback HTTP.",
                          no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("serve")
def serve(
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0 = any free port)."),
    seed: int = typer.Option(7, "--seed", help="World seed (same seed, same world)."),
    scale: str = typer.Option("demo", "--scale", help="demo, small (property tests) or large (benchmarks)."),
    faults: float = typer.Option(0.0, "--faults", help="Fraction of requests answered with a fault (0..1)."),
    fault_seed: int = typer.Option(0, "--fault-seed", help="Seed of the fault sequence."),
    stall: float = typer.Option(30.0, "--stall", help="Seconds a 'stall' fault holds the answer back."),
    rate: float = typer.Option(0.0, "--rate", help="Requests per second each chain API allows (0: unlimited); more "
                               "are answered the way that API refuses them (429, Etherscan NOTOK)."),
    phase: int = typer.Option(1, "--phase", help="Start in phase 1 or 2 (phase 2 reveals later blocks)."),
    truth: Path | None = typer.Option(None, "--truth", help="Where to write truth.json."),
    labels: Path | None = typer.Option(None, "--labels", help="Where to write the label file."),
    variant: str = typer.Option("", "--variant",
                                help=f"Opt-in twists, comma-separated: {', '.join(VARIANTS)} or all (default: none)."),
    hostile: str = typer.Option("", "--hostile", help="Hostile answers, comma-separated: dup, huge, trickle, "
                                "redirect, range, types (issue 15 probes)."),
) -> None:
    """Serve until Ctrl-C; prints the TRACER_*_URL lines to export."""
    if scale not in SCALES:
        fatal(f"unknown scale {scale!r}; choose one of {', '.join(sorted(SCALES))}", 2)
    if not 0.0 <= faults <= 1.0:
        fatal("--faults must be between 0 and 1", 2)
    if phase not in (1, 2):
        fatal("--phase must be 1 or 2", 2)
    if rate < 0:
        fatal("--rate must be 0 (unlimited) or more", 2)
    try:
        parse_variants(variant)
    except ValueError as exc:
        fatal(str(exc), 2)
    try:
        hostile_plan = HostilePlan.parse(hostile) if hostile else None
    except ValueError as exc:
        fatal(f"--hostile: {exc}", 2)

    def body() -> None:
        sb = start_sandbox(seed, scale, phase=phase, port=port, truth_path=truth, labels_path=labels,
                           faults=FaultPlan(faults, seed=fault_seed, stall_seconds=stall) if faults else None,
                           variant=variant or None, rate_limits=_rate_limits(rate))
        sb.server.hostile = hostile_plan
        for name, url in sb.env().items():
            stdout.print(f"export {name}={url}", soft_wrap=True)
        stdout.print(f"# truth:  {sb.truth_path}", soft_wrap=True)
        stdout.print(f"# labels: {sb.labels_path}", soft_wrap=True)
        prices = sb.labels_path.parent / "prices.csv"
        write_price_csv(prices, world_price_points(sb))  # the same closes the demo stores: one USD truth
        stdout.print(f"# prices: {prices}  (tracer prices import {prices})", soft_wrap=True)
        stdout.print(f"# seed tx: {sb.truth.theft_txs[0]}", soft_wrap=True)
        stdout.print(f"# control: {sb.server.base_url}/__sandbox/phase?n=2 | /__sandbox/stats | /__sandbox/faults",
                     soft_wrap=True)
        stop = threading.Event()
        # Explicit handlers: Ctrl-C works even where SIGINT was inherited as ignored (background jobs).
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        finally:
            sb.stop()
            stdout.print("# sandbox stopped")

    run(body)


def _rate_limits(rate: float) -> dict[str, float] | None:
    """Every chain API limited to ``rate`` requests/s (None: the server's generous default). CoinGecko is not:
    the world's prices are read once, at start."""
    return dict.fromkeys(("etherscan", "esplora", "trongrid", "midgard"), rate) if rate > 0 else None
