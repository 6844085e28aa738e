"""``tracer config``: show the resolved configuration (secrets masked) and where each value comes from."""

from __future__ import annotations

import json

import typer

from tracer.cli.app import app
from tracer.cli.common import STATE, print_json, run, stdout
from tracer.config import masked_view


@app.command("config")
def config_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Show the configuration in force and its source (default / tracer.toml / environment).

    API keys are shown only as set / not set; passwords, webhook paths and keys in URLs are masked.
    """

    def body() -> None:
        settings = STATE.get_settings()
        data = masked_view(settings)
        sources = {name: settings.sources.get(name, "default") for name in data}
        if json_out:
            print_json({"settings": data, "sources": sources})
            return
        for key, value in sorted(data.items()):
            shown = json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)
            stdout.print(f"{key:20} {shown}  ({sources[key]})", soft_wrap=True)

    run(body)
