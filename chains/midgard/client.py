"""Midgard v2 client: ``/v2/actions`` by txid or address, ``nextPageToken`` paging."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import requests

from chains.base import ResponseArchive
from chains.esplora.finality import conditional_get
from chains.http import HttpAnswer, HttpClient, RetryPolicy
from chains.midgard import parse
from chains.midgard.types import MidgardAction, MidgardActionsResponse
from tracer.errors import ApiRejected, BadResponse, InvalidAnswer

FINAL_STATUSES = frozenset({"success", "refund"})
"""Action statuses that can no longer change (``pending`` can)."""

MAX_PAGES = 1000  # a runaway cursor must not loop forever


def thornode_txid(tx_hash: str) -> str:
    """The id as THORNode/Midgard store it: no ``0x``, upper-case hex (thornode#1301)."""
    h = tx_hash.strip()
    if h[:2].lower() == "0x":
        h = h[2:]
    return h.upper()


class MidgardClient:
    """Raw Midgard calls returning wire-shaped actions."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        rate: float = 1.0,
        archive: ResponseArchive | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 20.0,
    ) -> None:
        self.http = HttpClient(session, base_url, rate=rate, timeout=timeout, archive=archive, retry=retry,
                               sleep=sleep, name="midgard")

    def actions(self, *, txid: str | None = None, address: str | None = None, action_type: str | None = None,
                limit: int | None = None) -> Iterator[MidgardAction]:
        """Every action matching the filters, following ``meta.nextPageToken`` until it is absent.

        A page answered by txid whose actions are all finished (success/refund) is archived as immutable;
        address listings grow over time and never are.

        May raise: ApiRejected (4xx), BadResponse, ChainUnavailable, RateLimited.
        """
        params: dict[str, Any] = {}
        if txid is not None:
            params["txid"] = thornode_txid(txid)
        if address is not None:
            params["address"] = address
        if action_type is not None:
            params["type"] = action_type
        if limit is not None:
            params["limit"] = limit
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            is_final = _all_final if txid is not None else _never
            answer = conditional_get(self.http, "/v2/actions", params, is_final=is_final, check=_check)
            page = cast(MidgardActionsResponse, answer.data)
            for action in page.get("actions", []):
                key = json.dumps(action, sort_keys=True)  # an action has no id: a repeated one is the same
                if key not in seen:
                    seen.add(key)
                    yield action
            token = (page.get("meta") or {}).get("nextPageToken")
            if not token or not page.get("actions"):
                return
            params = {**params, "nextPageToken": token}
        raise BadResponse("midgard: nextPageToken chain did not end")


def _check(answer: HttpAnswer) -> None:
    if answer.status >= 300:
        raise ApiRejected(f"midgard: HTTP {answer.status}: {answer.text.strip()[:80]}")
    if not isinstance(answer.data, dict) or not isinstance(answer.data.get("actions"), list):
        raise InvalidAnswer("midgard: response has no 'actions' list")
    parse.validate_actions(answer.data)


def _all_final(answer: HttpAnswer) -> bool:
    actions = answer.data.get("actions") if isinstance(answer.data, dict) else None
    if not isinstance(actions, list) or not actions:
        return False
    return all(isinstance(a, dict) and a.get("status") in FINAL_STATUSES for a in actions)


def _never(answer: HttpAnswer) -> bool:
    return False
