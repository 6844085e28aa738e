"""Requests per API and endpoint kind, and repeats of the same request, as the HTTP funnel made them (issue 16).

:class:`RequestLog` listens to the DEBUG line ``chains.http`` writes before every attempt (``<api> GET <url>
(attempt N)``); nothing in the clients changes. An endpoint kind is the path with its identifiers blanked
(``esplora /tx/:id``, ``esplora /address/:a/txs/chain/:last``) or, for Etherscan, ``module/action``. A *repeat* is a
first attempt at a request key this run already asked (a retry is not a repeat).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

_LINE = re.compile(r"^(?P<api>\S+) GET (?P<url>\S+) \(attempt (?P<attempt>\d+)\)$")
_ID = re.compile(r"^[0-9A-Za-z]{25,}$")


def endpoint_kind(api: str, url: str) -> str:
    """``esplora /address/:id/txs/chain``, ``etherscan account/txlist``, ``trongrid /v1/accounts/:id/transactions``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if api == "etherscan":
        kind = f"{query.get('module', '?')}/{query.get('action', '?')}"
        return f"etherscan {kind}" + (" by txhash" if "txhash" in query and query.get("module") == "account" else "")
    path = parts.path
    for prefix in ("/esplora", "/trongrid", "/midgard"):
        path = path.removeprefix(prefix)
    segments = [":id" if _ID.match(s) else s for s in path.split("/")]
    kind = "/".join(segments)
    if api == "esplora" and kind.endswith("/txs/chain/:id"):
        kind = kind.removesuffix("/:id") + "/:last"  # a follow-on page
    if api == "trongrid" and "fingerprint" in query:
        kind += " (next page)"
    return f"{api} {kind}"


class RequestLog(logging.Handler):
    """Counts every attempt the HTTP funnel logs while installed (``with RequestLog() as log:``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kinds: Counter[str] = Counter()
        self.repeats: Counter[str] = Counter()
        self.keys: Counter[str] = Counter()
        self._logger = logging.getLogger("chains.http")
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        match = _LINE.match(record.getMessage())
        if match is None:
            return
        kind = endpoint_kind(match["api"], match["url"])
        self.kinds[kind] += 1
        if match["attempt"] == "1":
            key = f"{match['api']} {match['url']}"
            if self.keys[key]:
                self.repeats[kind] += 1
            self.keys[key] += 1

    def __enter__(self) -> RequestLog:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


def print_breakdown(kinds: Counter[str], repeats: Counter[str], label: str) -> None:
    """A table of requests and repeats per endpoint kind, grouped by API."""
    print(f"\n{label}: requests per endpoint kind (repeats = the same request asked again)")
    width = max((len(k) for k in kinds), default=10)
    apis: Counter[str] = Counter()
    for kind, n in kinds.items():
        apis[kind.split(" ", 1)[0]] += n
    for api in sorted(apis):
        print(f"  {api}: {apis[api]:,}")
        for kind in sorted(k for k in kinds if k.split(" ", 1)[0] == api):
            print(f"    {kind.ljust(width)}  {kinds[kind]:>7,}  repeats {repeats[kind]:>6,}")
    print(f"  total {sum(kinds.values()):,}, repeats {sum(repeats.values()):,}")
