"""``tracer config``: show the resolved configuration (secrets masked)."""

from __future__ import annotations

from dataclasses import asdict

import typer

from tracer.cli.app import app
from tracer.cli.common import STATE, print_json, run, stdout


@app.command("config")
def config_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Show the configuration in force (API keys are shown only as set / not set)."""

    def body() -> None:
        settings = STATE.get_settings()
        data = asdict(settings)
        for key in ("etherscan_api_key", "trongrid_api_key", "coingecko_api_key"):
            data[key] = "set" if data[key] else "not set"
        if json_out:
            print_json(data)
            return
        for key, value in sorted(data.items()):
            stdout.print(f"{key:20} {value}")

    run(body)
