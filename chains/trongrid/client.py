"""TronGrid v1 client: account listings with ``fingerprint`` paging, tx lookups, tip block.

The API key travels only in the ``TRON-PRO-API-KEY`` header (HttpClient never logs nor archives headers).
A 403 "… frequency limit … suspended for 30s" ban becomes a :class:`~chains.http.Retry` with
``retry_after=ban_wait`` (30 s; injectable so tests stay fast). Plain 429s are backed off by HttpClient
itself (Retry-After honoured, else jittered exponential), 5xx likewise.

``latest`` uses ``GET /wallet/getnowblock``: java-tron documents it as POST, but TronGrid also accepts GET
and HttpClient is GET-only. ``/wallet/gettransactionbyid`` and ``/wallet/gettransactioninfobyid`` are
likewise called as GET with ``value=<txid>``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from typing import Any, cast

import requests

from chains import wire
from chains.base import ResponseArchive
from chains.esplora.finality import conditional_get
from chains.http import HttpAnswer, HttpClient, Retry, RetryPolicy
from chains.trongrid import accounts, parse
from chains.trongrid.accounts import AccountState
from chains.trongrid.types import Trc20Item, TronEvent, TronInfo, TronTransaction
from tracer.errors import ApiRejected, BadResponse, InvalidAnswer

KEY_HEADER = "TRON-PRO-API-KEY"
PAGE_LIMIT = 200
BAN_SECONDS = 30.0
MAX_PAGES = 10_000  # a fingerprint chain that never ends is a server bug, not a reason to spin forever


class TronGridClient:
    """Raw TronGrid calls returning wire-shaped items."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        api_key: str | None = None,
        *,
        rate: float = 3.0,
        archive: ResponseArchive | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        ban_wait: float = BAN_SECONDS,
        timeout: float = 20.0,
    ) -> None:
        headers = {KEY_HEADER: api_key} if api_key else {}
        self.http = HttpClient(session, base_url, rate=rate, timeout=timeout, archive=archive, retry=retry,
                               sleep=sleep, headers=headers, name="trongrid")
        self.ban_wait = ban_wait

    # -- account listings ---------------------------------------------------------------------------
    def account_transactions(self, address: str, *, only_from: bool = False, only_to: bool = False,
                             min_timestamp: int | None = None, max_timestamp: int | None = None,
                             immutable: bool = False) -> Iterator[TronTransaction]:
        """Confirmed TRX/contract txs of ``address``, oldest first (``/v1/accounts/{a}/transactions``)."""
        params = _listing_params(only_from, only_to, min_timestamp, max_timestamp)
        items = self._pages(f"/v1/accounts/{address}/transactions", params, immutable,
                            parse.validate_listed_transaction, lambda tx: str(tx.get("txID")).lower())
        for item in items:
            yield cast(TronTransaction, item)

    def trc20_transactions(self, address: str, *, only_from: bool = False, only_to: bool = False,
                           min_timestamp: int | None = None, max_timestamp: int | None = None,
                           contract_address: str | None = None, immutable: bool = False) -> Iterator[Trc20Item]:
        """Confirmed TRC-20 transfers of ``address``, oldest first (``/v1/accounts/{a}/transactions/trc20``)."""
        params = _listing_params(only_from, only_to, min_timestamp, max_timestamp)
        if contract_address:
            params["contract_address"] = contract_address
        items = self._pages(f"/v1/accounts/{address}/transactions/trc20", params, immutable, parse.validate_trc20,
                            parse.trc20_identity)
        for item in items:
            yield cast(Trc20Item, item)

    def contract_events(self, contract: str, event_name: str, *, min_timestamp: int | None = None,
                        max_timestamp: int | None = None) -> Iterator[TronEvent]:
        """Confirmed events of one name emitted by ``contract``, oldest first (``/v1/contracts/{a}/events``)."""
        params: dict[str, Any] = {"event_name": event_name, "limit": PAGE_LIMIT, "only_confirmed": "true",
                                  "order_by": "block_timestamp,asc"}
        if min_timestamp is not None:
            params["min_block_timestamp"] = min_timestamp
        if max_timestamp is not None:
            params["max_block_timestamp"] = max_timestamp
        items = self._pages(f"/v1/contracts/{contract}/events", params, False, parse.validate_event,
                            lambda e: (str(e.get("transaction_id")).lower(), str(e.get("event_index"))))
        for item in items:
            yield cast(TronEvent, item)

    def _pages(self, path: str, params: dict[str, Any], immutable: bool, validate: Callable[[Any], None],
               identity: Callable[[dict[str, Any]], Hashable]) -> Iterator[dict[str, Any]]:
        """Follow ``meta.fingerprint``: resend every filter unchanged plus the cursor; stop when it is absent.

        Every item is validated inside the HTTP funnel; an item repeated (same natural ``identity``) anywhere in
        the listing is yielded once -- a repeated TRC-20 row used to double the amount (issue 15).
        """
        query = dict(params)
        seen: set[Hashable] = set()

        def check(answer: HttpAnswer) -> None:
            self._check(answer)
            data = answer.data.get("data")
            if not isinstance(data, list):
                raise InvalidAnswer(f"trongrid: no 'data' list from {path}")
            for item in data:
                validate(item)
            meta = answer.data.get("meta") or {}
            if not isinstance(meta, dict) or not isinstance(meta.get("fingerprint") or "", str):
                raise InvalidAnswer(f"trongrid: field 'meta.fingerprint' of {path} must be a string")

        for _ in range(MAX_PAGES):
            answer = self.http.get(path, query, check=check, immutable=immutable)
            data = answer.data.get("data")
            for item in data:
                key = identity(item)
                if key not in seen:
                    seen.add(key)
                    yield item
            fingerprint = (answer.data.get("meta") or {}).get("fingerprint")
            if not fingerprint or not data:
                return
            query = {**params, "fingerprint": fingerprint}
        raise BadResponse(f"trongrid: fingerprint chain of {path} did not end")

    def account(self, address: str) -> dict[str, Any] | None:
        """``/v1/accounts/{a}``: the account object (``balance`` in sun), or None for an unactivated address."""
        def check(answer: HttpAnswer) -> None:
            self._check(answer)
            for item in wire.rows(answer.data.get("data"), f"trongrid account {address}"):
                wire.uint(item.get("balance", 0), "balance", "trongrid account", maximum=parse.MAX_SUN, hex_ok=False)

        answer = self.http.get(f"/v1/accounts/{address}", check=check)
        data = answer.data.get("data")
        return cast(dict[str, Any], data[0]) if data else None

    def account_state(self, address: str) -> AccountState:
        """``/v1/accounts/{a}`` as an :class:`AccountState` (TRX, TRC-20 balances, last signed tx time); one request.

        Every account object is validated inside the HTTP funnel, so a malformed answer is asked once more.
        """
        def check(answer: HttpAnswer) -> None:
            self._check(answer)
            for item in wire.rows(answer.data.get("data"), f"trongrid account {address}"):
                accounts.validate_account(item)

        return accounts.state_of(self.http.get(f"/v1/accounts/{address}", check=check).data.get("data"))

    # -- single transactions and the tip ------------------------------------------------------------
    def transaction_events(self, txid: str, *, final_block: int | None = None) -> list[TronEvent]:
        """``/v1/transactions/{id}/events`` (empty for plain TRX transfers and unknown ids).

        Archived as immutable once every event sits strictly below ``final_block``.
        """

        def final(answer: HttpAnswer) -> bool:
            data = answer.data.get("data") if isinstance(answer.data, dict) else None
            return (final_block is not None and isinstance(data, list) and bool(data)
                    and all(_below(e.get("block_number"), final_block) for e in data if isinstance(e, dict)))

        def check(answer: HttpAnswer) -> None:
            self._check(answer)
            events = answer.data.get("data")
            if not isinstance(events, list):
                raise InvalidAnswer(f"trongrid: no 'data' list in events of {txid}")
            for event in events:
                parse.validate_event(event)

        answer = conditional_get(self.http, f"/v1/transactions/{txid}/events", check=check, is_final=final)
        data = answer.data.get("data")
        if not isinstance(data, list):
            raise BadResponse(f"trongrid: no 'data' list in events of {txid}")
        return cast(list[TronEvent], data)

    def transaction_by_id(self, txid: str, *, final_block: int | None = None) -> TronTransaction | None:
        """``/wallet/gettransactionbyid?value=`` (GET); None when java-tron answers ``{}`` (unknown id).

        TronGrid's v1-style answer may carry ``blockNumber``; when it is strictly below ``final_block`` the
        answer is archived as immutable.
        """

        def final(answer: HttpAnswer) -> bool:
            data = answer.data if isinstance(answer.data, dict) else {}
            return final_block is not None and _below(data.get("blockNumber"), final_block)

        answer = conditional_get(self.http, "/wallet/gettransactionbyid", {"value": txid},
                                 check=self._wallet_checker(parse.validate_transaction), is_final=final)
        return cast(TronTransaction, answer.data) if answer.data else None

    def transaction_info(self, txid: str, *, final_block: int | None = None) -> TronInfo | None:
        """``/wallet/gettransactioninfobyid?value=`` (GET): block number/time and fee; None when unknown.

        Archived as immutable once mined strictly below ``final_block``.
        """

        def final(answer: HttpAnswer) -> bool:
            data = answer.data if isinstance(answer.data, dict) else {}
            return final_block is not None and _below(data.get("blockNumber"), final_block)

        answer = conditional_get(self.http, "/wallet/gettransactioninfobyid", {"value": txid},
                                 check=self._wallet_checker(parse.validate_info), is_final=final)
        return cast(TronInfo, answer.data) if answer.data else None

    def now_block(self) -> tuple[int, int]:
        """Tip ``(block number, block timestamp ms)`` from ``GET /wallet/getnowblock``."""
        answer = self.http.get("/wallet/getnowblock", check=self._wallet_checker(_now_block))
        return _now_block(answer.data)

    # -- answer classification ----------------------------------------------------------------------
    def _ban(self, answer: HttpAnswer) -> None:
        text = answer.text.lower()
        if answer.status in (403, 429) and ("frequency limit" in text or "suspended" in text):
            raise Retry(f"HTTP {answer.status} temporary ban: {answer.text.strip()[:100]}",
                        retry_after=self.ban_wait)

    def _check(self, answer: HttpAnswer) -> None:
        self._ban(answer)
        if answer.status >= 300:
            raise ApiRejected(f"trongrid: HTTP {answer.status}: {answer.text.strip()[:100]}")
        if not isinstance(answer.data, dict):
            raise BadResponse("trongrid: answer is not a JSON object")
        if answer.data.get("success") is False:
            raise ApiRejected(f"trongrid: {answer.data.get('error') or 'success=false'}")

    def _wallet_checker(self, validate: Callable[[Any], Any]) -> Callable[[HttpAnswer], None]:
        def check(answer: HttpAnswer) -> None:
            self._check_wallet(answer)
            validate(answer.data)

        return check

    def _check_wallet(self, answer: HttpAnswer) -> None:
        self._ban(answer)
        if answer.status >= 300:
            raise ApiRejected(f"trongrid: HTTP {answer.status}: {answer.text.strip()[:100]}")
        if not isinstance(answer.data, dict):
            raise BadResponse("trongrid: answer is not a JSON object")


def _listing_params(only_from: bool, only_to: bool, min_ts: int | None, max_ts: int | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": PAGE_LIMIT, "only_confirmed": "true", "order_by": "block_timestamp,asc"}
    if only_from:
        params["only_from"] = "true"
    if only_to:
        params["only_to"] = "true"
    if min_ts is not None:
        params["min_timestamp"] = min_ts
    if max_ts is not None:
        params["max_timestamp"] = max_ts
    return params


def _now_block(data: Any) -> tuple[int, int]:
    """``(number, timestamp ms)`` of a getnowblock answer. May raise: InvalidAnswer."""
    header = data.get("block_header") if isinstance(data, dict) else None
    raw = header.get("raw_data") if isinstance(header, dict) else None
    if not isinstance(raw, dict):
        raise InvalidAnswer("trongrid: getnowblock without block_header.raw_data")
    return (wire.block(wire.required(raw, "number", "trongrid getnowblock"), "number", "trongrid getnowblock"),
            wire.unix_millis(wire.required(raw, "timestamp", "trongrid getnowblock"), "timestamp", "trongrid"))


def _below(block: object, final_block: int) -> bool:
    return isinstance(block, int) and block < final_block
