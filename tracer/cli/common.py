"""CLI conventions shared by every command: one-line errors, --json output, settings, logging."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from tracer.config import Settings
from tracer.errors import TracerError

console = Console(stderr=True, highlight=False)
stdout = Console(highlight=False)

T = TypeVar("T")


@dataclass
class CliState:
    """Options given before the verb."""

    verbose: bool = False
    settings: Settings | None = None

    def get_settings(self) -> Settings:
        """Settings, loaded once."""
        if self.settings is None:
            self.settings = Settings.load()
        return self.settings


STATE = CliState()


def fatal(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line and exit (1 = failure, 2 = usage)."""
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def errors_as_lines() -> Iterator[None]:
    """Turn TracerError (and a few OS errors) into one line, exit 1; keep tracebacks for --verbose."""
    try:
        yield
    except TracerError as exc:
        if STATE.verbose:
            logging.getLogger("tracer").exception("failed")
        fatal(str(exc))
    except FileNotFoundError as exc:
        fatal(f"file not found: {exc.filename}")
    except PermissionError as exc:
        fatal(f"permission denied: {exc.filename}")


def run(fn: Callable[[], T]) -> T:
    """Run a command body under :func:`errors_as_lines`."""
    with errors_as_lines():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


def print_json(data: Any) -> None:
    """Write data as JSON to stdout (for --json)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def setup_logging(verbose: bool) -> None:
    """Logs to stderr; debug with --verbose, warnings otherwise."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
