"""``python -m tracer`` runs the CLI."""

from tracer.cli import main

main()
