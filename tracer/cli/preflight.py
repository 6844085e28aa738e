"""Checks made before the first request: a key the configured API cannot work without is named up front."""

from __future__ import annotations

from collections.abc import Iterable

from tracer.config import DEFAULTS, Settings
from tracer.errors import ConfigError
from tracer.model import Chain


def require_keys(settings: Settings, chains: Iterable[Chain]) -> None:
    """The public Etherscan V2 API refuses every call without a key: say so before any request is made.

    A keyless Etherscan-compatible URL (Blockscout, Routescan, the sandbox) needs none.
    May raise: ConfigError naming the variable to set.
    """
    needs_etherscan = any(c.is_evm and not settings.rpc_urls.get(c.value) for c in chains)  # own node: no key
    if needs_etherscan and not settings.etherscan_api_key and settings.etherscan_url == DEFAULTS["etherscan_url"]:
        raise ConfigError(
            f"ETHERSCAN_API_KEY is not set: the Etherscan V2 API at {settings.etherscan_url} needs a key "
            "(free at https://etherscan.io/myapikey). Set ETHERSCAN_API_KEY, or point TRACER_ETHERSCAN_URL at a "
            "keyless Etherscan-compatible API (Blockscout, Routescan, `tracer sandbox serve`).")
