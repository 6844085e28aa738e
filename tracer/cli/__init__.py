"""Command-line interface (the composition root). ``typer`` and ``rich`` are imported only here."""

from tracer.cli.app import app, main

__all__ = ["app", "main"]
