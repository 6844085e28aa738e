"""Command-line interface (the composition root). ``typer`` and ``rich`` are imported only here."""

from tracer.cli import help_format  # noqa: F401  (help-screen fixes, before any command is built)
from tracer.cli.app import app, main

__all__ = ["app", "main"]
