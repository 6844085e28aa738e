"""Recorded exchanges on disk: fixture keys (file names) and envelopes (see chains.testing)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Envelope = dict[str, Any]
SECRET_PARAMS: frozenset[str] = frozenset({"apikey", "api_key", "tron-pro-api-key"})
_SECRET_PREFIXES = ("x_cg_",)
_UNSAFE = re.compile(r"[^A-Za-z0-9._,-]")


def is_secret(name: str) -> bool:
    """True for parameter/header names whose value must never be stored."""
    low = name.lower()
    return low in SECRET_PARAMS or low.startswith(_SECRET_PREFIXES)


def _part(value: str) -> str:
    if len(value) > 64:
        return hashlib.sha1(value.encode("utf-8")).hexdigest()[:12]
    return _UNSAFE.sub("_", value)


def fixture_key(method: str, url: str, params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
                body: Any = None) -> str:
    """The envelope file name of one request (see the module docstring).

    ``url`` may carry a query string; ``params`` are merged with it. ``body`` is the decoded JSON of a
    JSON-RPC POST (a single call).
    """
    if method.upper() == "POST" and isinstance(body, dict) and "method" in body:
        rpc_params = body.get("params") or []
        if all(isinstance(p, str | int | bool) or p is None for p in rpc_params):
            flat = "_".join(json.dumps(p).strip('"') for p in rpc_params)  # ["0x4", false] -> 0x4_false
        else:
            flat = json.dumps(rpc_params, separators=(",", ":"), sort_keys=True)
        return f"rpc.{_part(str(body['method']))}_{_part(flat)}.json"
    split = urlsplit(url)
    pairs = list(parse_qsl(split.query, keep_blank_values=True))
    if params is not None:
        items = params.items() if isinstance(params, Mapping) else params
        pairs.extend((k, str(v)) for k, v in items if v is not None)
    kept = sorted((k, v) for k, v in pairs if not is_secret(k))
    path = split.path.strip("/").replace("/", "_") or "root"
    name = f"{method.upper()}_{_part(path)}"
    for key, value in kept:
        name += f"__{_part(key)}-{_part(value)}"
    return name + ".json"


class FixtureMissing(Exception):  # noqa: N818 - named after what happened, as architecture.md §7 says
    """No envelope file for a request: record it, never fall back to the network."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        super().__init__(f"fixture missing: {self.path} (create it with scripts/record_fixtures.py, or write "
                         f"the envelope by hand)")


def load_envelope(path: Path) -> Envelope:
    """Read one envelope file. May raise: FixtureMissing."""
    try:
        data: Envelope = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FixtureMissing(path) from exc
    return data


def envelope_body(envelope: Envelope) -> tuple[int, dict[str, str], bytes, float]:
    """(status, headers, raw body, delay) of an envelope's response."""
    resp = envelope["response"]
    headers = {str(k): str(v) for k, v in (resp.get("headers") or {}).items()}
    if "body_text" in resp:
        raw = str(resp["body_text"]).encode("utf-8")
        headers.setdefault("content-type", "text/plain")
    else:
        raw = json.dumps(resp.get("body")).encode("utf-8")
        headers.setdefault("content-type", "application/json")
    return int(resp.get("status", 200)), headers, raw, float(resp.get("delay", 0.0))


def with_rpc_id(body: Any, raw: bytes) -> bytes:
    """Replay a JSON-RPC answer with the id of the live request (web3 checks it)."""
    if not isinstance(body, dict) or "id" not in body:
        return raw
    try:
        answer = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(answer, dict):
        answer["id"] = body["id"]
        return json.dumps(answer).encode("utf-8")
    return raw


def make_envelope(method: str, url: str, params: Mapping[str, Any], status: int, headers: Mapping[str, str],
                  raw: bytes, body: Any = None) -> Envelope:
    """An envelope for one exchange, secrets removed from the request (headers are not kept at all)."""
    text = raw.decode("utf-8", errors="replace")
    response: dict[str, Any] = {"status": status,
                                "headers": {"content-type": headers.get("content-type", "application/json")}}
    try:
        response["body"] = json.loads(text)
    except ValueError:
        response["body_text"] = text
    split = urlsplit(url)
    # a loopback server's port changes every run: keep it out of the file so re-recording diffs stay clean
    netloc = split.hostname or "" if split.hostname in ("127.0.0.1", "localhost") else split.netloc
    clean_url = f"{split.scheme}://{netloc}{split.path}"
    kept = {k: v for k, v in params.items() if not is_secret(k)}
    request: dict[str, Any] = {"method": method.upper(), "url": clean_url, "params": kept}
    if body is not None:
        request["params"] = body
    return {"request": request, "response": response}


def write_envelope(root: Path, key: str, envelope: Envelope) -> Path:
    """Write ``envelope`` pretty-printed with sorted keys so diffs review well."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / key
    path.write_text(json.dumps(envelope, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


