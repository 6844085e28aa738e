"""Archive a response as immutable only once its content proves it final.

:meth:`chains.http.HttpClient.get` decides immutability before the request. Some answers can only be
judged afterwards: a transaction is final once confirmed below ``final_block``, a THORChain action once
its status is ``success``/``refund``. :func:`conditional_get` serves such keys from the archive when an
immutable copy exists, otherwise fetches through the client, which archives the answer once -- immutable
when ``is_final`` says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from chains.http import Check, HttpAnswer, HttpClient, request_key


def conditional_get(
    http: HttpClient,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    is_final: Callable[[HttpAnswer], bool],
    check: Check | None = None,
    expect_json: bool = True,
) -> HttpAnswer:
    """GET ``path``; answer from the immutable archive when present, else fetch and archive if final.

    May raise: whatever :meth:`HttpClient.get` or ``check`` raises.
    """
    params = dict(params or {})
    archive = http.archive
    key = request_key("GET", http.base_url + path, params, http.secret_params)
    if archive is not None:
        cached = archive.get_immutable(key)
        if cached is not None:
            text = cached.body.decode("utf-8", errors="replace")
            try:
                data: Any = json.loads(text)
            except ValueError:
                data = None
            if data is not None or not expect_json:
                answer = HttpAnswer(status=cached.status, text=text, data=data, from_archive=True)
                http.stats.add(archive_hits=1)
                if check is not None:
                    check(answer)
                return answer
    # the client archives the answer once, immutable when is_final says so (not a second copy here)
    return http.get(path, params, check=check, expect_json=expect_json, is_final=is_final)
