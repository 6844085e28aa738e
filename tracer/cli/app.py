"""The ``tracer`` command: global options, and registration of every verb module."""

from __future__ import annotations

import importlib
import logging

import typer

from tracer import __version__
from tracer.cli.common import STATE, setup_logging

app = typer.Typer(
    name="tracer",
    help="Trace stolen crypto across Ethereum, Bitcoin and TRON from public APIs, with evidence for every hop.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on ``app`` (or adds a sub-typer) when imported.
COMMAND_MODULES: tuple[str, ...] = (
    "tracer.cli.figures",
    "tracer.cli.info",
    "tracer.cli.sandbox",
    "tracer.cli.labels",
    "tracer.cli.trace",
    "tracer.cli.demo",
    "tracer.cli.monitor",
    "tracer.cli.prices",
    "tracer.cli.bulk",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logs (never secrets)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Global options."""
    STATE.verbose = verbose
    setup_logging(verbose)
    logging.getLogger(__name__).debug("tracer %s", __version__)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
