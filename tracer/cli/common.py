"""CLI conventions shared by every command: one-line errors, --json output, settings, logging, input checks.

User text (case names, addresses, file names, error messages quoting them) is never read as rich markup: both
consoles have markup off, and the few styled words are built as :class:`rich.text.Text`. Logs and error lines go
through :func:`tracer.config.mask_text`, so no key, password or webhook path is ever printed.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from tracer.config import Settings, mask_text, secrets_of, url_secrets
from tracer.errors import TracerError
from tracer.model import Chain

console = Console(stderr=True, highlight=False, markup=False)
stdout = Console(highlight=False, markup=False)

T = TypeVar("T")

MAX_CASE_NAME = 200


@dataclass
class CliState:
    """Options given before the verb, and every secret known so far (masked in logs and errors)."""

    verbose: bool = False
    settings: Settings | None = None
    secrets: set[str] = field(default_factory=set)

    def get_settings(self) -> Settings:
        """Settings, loaded once."""
        if self.settings is None:
            self.settings = Settings.load()
            self.secrets.update(secrets_of(self.settings))
        return self.settings

    def mask(self, text: str) -> str:
        """``text`` with every known secret masked."""
        return mask_text(text, self.secrets)


STATE = CliState()


def env_secrets(env: dict[str, str]) -> set[str]:
    """Secrets readable from the environment alone (before any setting is parsed)."""
    out = {env[k] for k in ("ETHERSCAN_API_KEY", "TRONGRID_API_KEY", "TRACER_COINGECKO_API_KEY") if env.get(k)}
    for key, value in env.items():
        if key == "TRACER_DATABASE_URL" or key.startswith("TRACER_RPC_URL_"):
            out.update(url_secrets(value))
        elif key == "TRACER_WEBHOOK_URL":
            out.update(url_secrets(value, whole_path=True))
    return out


def styled(label: str, style: str, message: str) -> Text:
    """``label`` in ``style``, then ``message`` verbatim (never parsed as markup)."""
    return Text.assemble((label, style), " ", message)


def fatal(message: str, code: int = 1) -> NoReturn:
    """Print one clear error line and exit (1 = failure, 2 = usage)."""
    console.print(styled("error:", "bold red", STATE.mask(message)), soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """One warning line on stderr."""
    console.print(styled("warning:", "yellow", STATE.mask(message)), soft_wrap=True)


@contextmanager
def errors_as_lines() -> Iterator[None]:
    """Turn TracerError and OS errors into one line, exit 1; keep tracebacks for --verbose."""
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
    except IsADirectoryError as exc:
        fatal(f"{exc.filename} is a directory, not a file")
    except OSError as exc:  # disk full (/dev/full), read-only file system, ...
        where = f" ({exc.filename})" if exc.filename else ""
        fatal(f"{exc.strerror or type(exc).__name__}{where}")


def run(fn: Callable[[], T]) -> T:
    """Run a command body under :func:`errors_as_lines`."""
    with errors_as_lines():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


def print_json(data: Any) -> None:
    """Write data as JSON to stdout (for --json)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


class MaskingFormatter(logging.Formatter):
    """Formats as usual, then masks secrets -- in the message, its arguments and any traceback alike (urllib3's
    debug lines carry full URLs with ``apikey=``)."""

    def format(self, record: logging.LogRecord) -> str:
        return STATE.mask(super().format(record))


_HANDLER_NAME = "tracer-cli"


def setup_logging(verbose: bool) -> None:
    """Logs to stderr, secrets masked; debug with --verbose, warnings otherwise."""
    STATE.secrets.update(env_secrets(dict(os.environ)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


# -- input checks: one clear line, exit 2 -------------------------------------------------------------------------


def check_case_name(name: str) -> str:
    """A case name: not blank, at most 200 characters, no control characters."""
    if not name.strip():
        fatal("--case must not be empty", 2)
    if len(name) > MAX_CASE_NAME:
        fatal(f"case names are at most {MAX_CASE_NAME} characters, got {len(name)}", 2)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        fatal("case names must not contain control characters (newlines, tabs, escapes)", 2)
    return name


def parse_chains(text: str, option: str = "--chains") -> list[Chain]:
    """``ethereum,bitcoin`` -> chains; an unknown name is a usage error naming it and the known ones."""
    known = {c.value: c for c in Chain}
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        fatal(f"{option}: unknown chain(s) {', '.join(map(repr, unknown))} (chains: {', '.join(known)})", 2)
    return [known[n] for n in names]


def parse_amount(text: str, option: str) -> Decimal:
    """A finite, non-negative decimal amount (``NaN``, ``Infinity``, ``-5`` are usage errors)."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        fatal(f"{option} must be a number, got {text!r}", 2)
    if not value.is_finite() or not math.isfinite(float(value)):
        fatal(f"{option} must be a finite number, got {text!r}", 2)
    if value < 0:
        fatal(f"{option} must not be negative, got {text!r}", 2)
    return value


def check_output(path: Path, force: bool, *, folder: bool = False) -> None:
    """Refuse to overwrite what is already there unless ``--force``: an existing file, or (for a folder of tables)
    a folder that is not empty. A directory where a file is expected (or the reverse) is refused even with --force.
    Devices and pipes (``/dev/stdout``, ``/dev/full``) are written as given."""
    if not path.exists():
        return
    if folder:
        if not path.is_dir():
            fatal(f"{path} exists and is not a folder (this format writes a folder of tables)")
        if any(path.iterdir()) and not force:
            fatal(f"folder {path} is not empty; use --force to write into it anyway")
        return
    if path.is_dir():
        fatal(f"{path} is a folder; give a file name")
    if path.is_file() and not force:
        fatal(f"{path} already exists; use --force to overwrite it")
