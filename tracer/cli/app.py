"""The ``tracer`` command: global options, and registration of every verb module."""

from __future__ import annotations

import importlib
import logging
import sys

import typer
from typer._click.exceptions import ClickException

from tracer import __version__
from tracer.cli.common import STATE, console, setup_logging, stdout, styled

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
    "tracer.cli.case",
    "tracer.cli.cases",
    "tracer.cli.alerts",
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
    """Console-script entry point: a usage error is one line (exit 2), like every other error."""
    try:
        code = app(standalone_mode=False)
    except ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            stdout.print(ctx.get_help(), soft_wrap=True)
            sys.exit(exc.exit_code)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        console.print(styled("error:", "bold red", STATE.mask(exc.format_message()) + hint), soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("aborted")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
