"""Settings: environment (``TRACER_*``, ``ETHERSCAN_API_KEY``, ``TRONGRID_API_KEY``) over an optional ``tracer.toml``.

Secrets (API keys) are read only from the environment -- a key found in ``tracer.toml`` is an error, so
that a config file can be shared or committed without leaking one. ``repr`` never shows a key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from tracer.errors import ConfigError

CONFIG_FILE_NAME = "tracer.toml"
SECRET_ENV = ("ETHERSCAN_API_KEY", "TRONGRID_API_KEY", "TRACER_COINGECKO_API_KEY")

DEFAULTS: Mapping[str, str] = {
    "database_url": "sqlite:///tracer.db",
    "etherscan_url": "https://api.etherscan.io/v2/api",
    "esplora_url": "https://blockstream.info/api",
    "trongrid_url": "https://api.trongrid.io",
    "midgard_url": "https://midgard.ninerealms.com",
    "coingecko_url": "https://api.coingecko.com/api/v3",
}


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Build with :meth:`load`."""

    database_url: str = DEFAULTS["database_url"]
    etherscan_url: str = DEFAULTS["etherscan_url"]
    esplora_url: str = DEFAULTS["esplora_url"]
    trongrid_url: str = DEFAULTS["trongrid_url"]
    midgard_url: str = DEFAULTS["midgard_url"]
    coingecko_url: str = DEFAULTS["coingecko_url"]
    etherscan_rate: float = 3.0  # requests per second (Free plan limit)
    esplora_rate: float = 2.0
    trongrid_rate: float = 5.0
    midgard_rate: float = 1.0
    coingecko_rate: float = 0.5
    http_timeout: float = 20.0
    confirmations: int = 12  # blocks below the tip treated as final (archive, monitor)
    webhook_url: str | None = None
    rpc_urls: Mapping[str, str] = field(default_factory=dict)  # chain -> JSON-RPC URL (TRACER_RPC_URL_<CHAIN>)
    sources: Mapping[str, str] = field(default_factory=dict)  # chain -> "etl:PATH" (TRACER_SOURCE_<CHAIN>)
    etherscan_api_key: str | None = field(default=None, repr=False)
    trongrid_api_key: str | None = field(default=None, repr=False)
    coingecko_api_key: str | None = field(default=None, repr=False)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
        """Read ``tracer.toml`` (if present) then the environment, which wins.

        May raise: ConfigError for an unreadable file, an unknown key, a bad number or a secret in the file.
        """
        env = dict(os.environ) if env is None else dict(env)
        values: dict[str, object] = {}
        path = config_path or Path(env.get("TRACER_CONFIG", CONFIG_FILE_NAME))
        if path.exists():
            values.update(_read_toml(path))
        known = {f.name: f for f in fields(cls)}
        for name in known:
            if name in ("rpc_urls", "sources") or name.endswith("_api_key"):
                continue
            raw = env.get(f"TRACER_{name.upper()}")
            if raw is not None and raw != "":
                values[name] = raw
        rpc = dict(values.pop("rpc_urls", {}) or {})  # type: ignore[call-overload]
        for key, value in env.items():
            if key.startswith("TRACER_RPC_URL_") and value:
                rpc[key.removeprefix("TRACER_RPC_URL_").lower()] = value
        values["rpc_urls"] = rpc
        sources = dict(values.pop("sources", {}) or {})  # type: ignore[call-overload]
        sources.update({k.removeprefix("TRACER_SOURCE_").lower(): v for k, v in env.items()
                        if k.startswith("TRACER_SOURCE_") and v})
        values["sources"] = sources
        values["etherscan_api_key"] = env.get("ETHERSCAN_API_KEY") or None
        values["trongrid_api_key"] = env.get("TRONGRID_API_KEY") or None
        values["coingecko_api_key"] = env.get("TRACER_COINGECKO_API_KEY") or None
        return cls(**_coerce(values, known))  # type: ignore[arg-type]  # values are checked by _coerce


def _read_toml(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    section = data.get("tracer", data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tracer] must be a table")
    for key in section:
        if "key" in key.lower() or "secret" in key.lower() or "token" in key.lower():
            raise ConfigError(f"{path}: {key!r} looks like a secret; set it in the environment instead")
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return dict(section)


def _coerce(values: dict[str, object], known: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    defaults = Settings()
    for name, value in values.items():
        default = getattr(defaults, name)
        if isinstance(default, bool) or name in ("webhook_url",) or isinstance(value, dict):
            out[name] = value
        elif isinstance(default, int) and isinstance(value, str | int):
            try:
                out[name] = int(value)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a whole number, got {value!r}") from exc
        elif isinstance(default, float) and isinstance(value, str | int | float):
            try:
                out[name] = float(value)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number, got {value!r}") from exc
        else:
            out[name] = value
    return out
