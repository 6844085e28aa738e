"""Settings: environment (``TRACER_*``, ``ETHERSCAN_API_KEY``, ``TRONGRID_API_KEY``) over an optional ``tracer.toml``.

Secrets (API keys) are read only from the environment -- a key found in ``tracer.toml`` is an error, so
that a config file can be shared or committed without leaking one. ``repr`` never shows a key. Every value is
checked on load (a negative rate would switch rate limiting off, a negative timeout would wait forever), and
each remembers where it came from (default / tracer.toml / environment) for ``tracer config``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tracer.errors import ConfigError

__all__ = ["CONFIG_FILE_NAME", "DEFAULTS", "SECRET_ENV", "Settings", "check_http_url", "mask_url"]

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
    # Threads per API fetching address histories ahead of the expansion loop (tracer.engine.prefetch), each under
    # that API's own rate limit; 0 reads every history in the loop itself. One per API is enough when a request
    # takes less than the rate's interval; more overlap slow answers (Esplora and a node take several at once).
    workers_etherscan: int = 1
    workers_esplora: int = 2
    workers_trongrid: int = 1
    workers_rpc: int = 2
    confirmations: int = 12  # blocks below the tip treated as final (archive, monitor)
    webhook_url: str | None = None
    rpc_urls: Mapping[str, str] = field(default_factory=dict)  # chain -> JSON-RPC URL (TRACER_RPC_URL_<CHAIN>)
    chain_sources: Mapping[str, str] = field(default_factory=dict)  # chain -> "etl:PATH" (TRACER_SOURCE_<CHAIN>)
    etherscan_api_key: str | None = field(default=None, repr=False)
    trongrid_api_key: str | None = field(default=None, repr=False)
    coingecko_api_key: str | None = field(default=None, repr=False)
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    """setting -> "default" | "tracer.toml" | "environment" (what ``tracer config`` shows)."""

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
        """Read ``tracer.toml`` (if present) then the environment, which wins.

        May raise: ConfigError for an unreadable file, an unknown key, a bad number or a secret in the file.
        """
        env = dict(os.environ) if env is None else dict(env)
        values: dict[str, object] = {}
        sources: dict[str, str] = {f.name: "default" for f in fields(cls) if f.name != "sources"}
        path = config_path or Path(env.get("TRACER_CONFIG", CONFIG_FILE_NAME))
        if path.exists():
            values.update(_read_toml(path))
            sources.update(dict.fromkeys(values, CONFIG_FILE_NAME))
        known = {f.name: f for f in fields(cls) if f.name != "sources"}
        for name in known:
            if name in ("rpc_urls", "chain_sources") or name.endswith("_api_key"):
                continue
            raw = env.get(f"TRACER_{name.upper()}")
            if raw is not None and raw != "":
                values[name] = raw
                sources[name] = "environment"
        rpc = dict(values.pop("rpc_urls", {}) or {})  # type: ignore[call-overload]
        for key, value in env.items():
            if key.startswith("TRACER_RPC_URL_") and value:
                rpc[key.removeprefix("TRACER_RPC_URL_").lower()] = value
                sources["rpc_urls"] = "environment"
        values["rpc_urls"] = rpc
        chain_sources = dict(values.pop("chain_sources", {}) or {})  # type: ignore[call-overload]
        for key, value in env.items():
            if key.startswith("TRACER_SOURCE_") and value:
                chain_sources[key.removeprefix("TRACER_SOURCE_").lower()] = value
                sources["chain_sources"] = "environment"
        values["chain_sources"] = chain_sources
        for name, var in (("etherscan_api_key", "ETHERSCAN_API_KEY"), ("trongrid_api_key", "TRONGRID_API_KEY"),
                          ("coingecko_api_key", "TRACER_COINGECKO_API_KEY")):
            values[name] = env.get(var) or None
            if values[name]:
                sources[name] = "environment"
        coerced = _coerce(values, known)
        check_values(coerced)
        return cls(**coerced, sources=sources)  # type: ignore[arg-type]  # values are checked by _coerce


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
    known = {f.name for f in fields(Settings)} - {"sources"}
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
                number = float(value)
            except ValueError as exc:
                raise ConfigError(f"{name} must be a number, got {value!r}") from exc
            if not math.isfinite(number):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
            out[name] = number
        else:
            out[name] = value
    return out


# -- checks -------------------------------------------------------------------------------------------------------

POSITIVE = ("etherscan_rate", "esplora_rate", "trongrid_rate", "midgard_rate", "coingecko_rate", "http_timeout")
MAX_TIMEOUT_SECONDS = 3600.0
MAX_CONFIRMATIONS = 100_000
WORKER_SETTINGS = ("workers_etherscan", "workers_esplora", "workers_trongrid", "workers_rpc")
MAX_WORKERS = 16
HTTP_URLS = ("etherscan_url", "esplora_url", "trongrid_url", "midgard_url", "coingecko_url")


def check_values(values: Mapping[str, object]) -> None:
    """Ranges and URL schemes of coerced settings.

    May raise: ConfigError naming the setting (and its environment variable).
    """
    for name in POSITIVE:
        value = values.get(name)
        if isinstance(value, float) and value <= 0:
            raise ConfigError(f"{name} (TRACER_{name.upper()}) must be greater than 0, got {value:g}")
    for name in WORKER_SETTINGS:
        workers = values.get(name)
        if isinstance(workers, int) and not 0 <= workers <= MAX_WORKERS:
            raise ConfigError(f"{name} (TRACER_{name.upper()}) must be between 0 and {MAX_WORKERS}, got {workers}")
    timeout = values.get("http_timeout")
    if isinstance(timeout, float) and timeout > MAX_TIMEOUT_SECONDS:
        raise ConfigError(f"http_timeout (TRACER_HTTP_TIMEOUT) must be at most {MAX_TIMEOUT_SECONDS:g} s")
    confirmations = values.get("confirmations")
    if isinstance(confirmations, int) and not 0 <= confirmations <= MAX_CONFIRMATIONS:
        raise ConfigError(f"confirmations (TRACER_CONFIRMATIONS) must be between 0 and {MAX_CONFIRMATIONS}, "
                          f"got {confirmations}")
    for name in HTTP_URLS:
        if isinstance(values.get(name), str):
            check_http_url(str(values[name]), f"{name} (TRACER_{name.upper()})")
    webhook = values.get("webhook_url")
    if webhook is not None:
        check_http_url(str(webhook), "webhook_url (TRACER_WEBHOOK_URL)")
    rpc = values.get("rpc_urls")
    if isinstance(rpc, Mapping):
        for chain, url in rpc.items():
            check_http_url(str(url), f"RPC URL of {chain} (TRACER_RPC_URL_{str(chain).upper()})")


def check_http_url(url: str, what: str) -> str:
    """``url`` when it is ``http(s)://host...``; otherwise one clear ConfigError (``notaurl``, ``file://``, ``ftp://``).

    May raise: ConfigError.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise ConfigError(f"{what} is not a valid URL: {mask_url(url)!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be an http:// or https:// URL with a host, got {mask_url(url)!r}")
    return url.strip()


# -- masking ------------------------------------------------------------------------------------------------------

SECRET_PARAMS = re.compile(r"(?i)(api[-_]?key|key|token|secret|password|passwd|auth|signature|sig|access[-_]?token)$")
_TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]{20,}$")  # a path segment this long is an API key (/v2/<key>)
MASK = "***"


def mask_url(url: str, *, hide_path: bool = False) -> str:
    """``url`` without secrets: the password of ``user:pass@``, values of key-like query parameters, path segments
    that look like keys (``/v2/<key>`` of RPC providers) -- or the whole path with ``hide_path`` (webhooks, whose
    path *is* the secret)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{MASK}@{host}"
    if hide_path:
        path = "/" + MASK if parts.path not in ("", "/") else parts.path
        query = MASK if parts.query else ""
    else:
        path = "/".join(MASK if _TOKEN_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = urlencode([(k, MASK if SECRET_PARAMS.search(k) else v) for k, v in pairs], safe="*")
    if not parts.scheme:
        return urlunsplit(("", netloc, path, query, ""))
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


_IN_TEXT = (
    (re.compile(r"(?i)\b((?:api[-_]?key|apikey|key|token|secret|password|passwd|access_token|signature)=)[^&\s\"']+"),
     r"\1" + MASK),
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), r"\1" + MASK + "@"),
    (re.compile(r"(?i)\b((?:tron-pro-api-key|x-api-key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"),
     r"\1" + MASK),
)


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text (a log line) with every known secret and every key-looking URL part replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, repl in _IN_TEXT:
        text = pattern.sub(repl, text)
    return text


def secrets_of(settings: Settings) -> list[str]:
    """The strings that must never be printed or logged: keys, the DB password, webhook and RPC URL secrets."""
    out = [s for s in (settings.etherscan_api_key, settings.trongrid_api_key, settings.coingecko_api_key) if s]
    out += url_secrets(settings.database_url)
    if settings.webhook_url:
        out += url_secrets(settings.webhook_url, whole_path=True)
    for url in settings.rpc_urls.values():
        out += url_secrets(url)
    return out


def url_secrets(url: str, *, whole_path: bool = False) -> list[str]:
    """The secret parts of one URL (password, key-like path segments or the whole path, key-like query values)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    if not parts.scheme or not parts.netloc:
        return []  # not a URL at all: nothing in it is a credential
    out = [password] if password else []
    if whole_path and parts.path not in ("", "/"):
        out.append(parts.path)
    out += [seg for seg in parts.path.split("/") if _TOKEN_SEGMENT.match(seg)]
    out += [v for k, v in parse_qsl(parts.query) if SECRET_PARAMS.search(k) and v]
    return out


def masked_view(settings: Settings) -> dict[str, object]:
    """Every setting as it may be shown: keys as set / not set, URLs masked."""
    out: dict[str, object] = {}
    for f in fields(settings):
        if f.name == "sources":
            continue
        value = getattr(settings, f.name)
        if f.name.endswith("_api_key"):
            out[f.name] = "set" if value else "not set"
        elif f.name == "webhook_url":
            out[f.name] = mask_url(value, hide_path=True) if value else None
        elif f.name == "rpc_urls":
            out[f.name] = {chain: mask_url(url) for chain, url in sorted(value.items())}
        elif isinstance(value, str) and "://" in value:
            out[f.name] = mask_url(value)
        else:
            out[f.name] = value
    return out
