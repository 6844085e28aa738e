"""Esplora REST client: the only Bitcoin module that touches the network (through HttpClient).

Endpoints (docs/public-apis.md §1.2): ``/address/:a/txs/chain[/:last_seen_txid]`` (25 confirmed txs per
page, newest first), ``/tx/:txid``, ``/tx/:txid/outspends``, ``/blocks/tip/height`` (plain text).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import requests

from chains import wire
from chains.base import ResponseArchive
from chains.esplora import parse
from chains.esplora.finality import conditional_get
from chains.esplora.types import EsploraOutspend, EsploraTx
from chains.http import HttpAnswer, HttpClient, RetryPolicy
from tracer.errors import AddressTooLarge, ApiRejected, BadResponse, InvalidAnswer

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
"""electrs ``CHAIN_TXS_PER_PAGE``: a shorter page is the last one."""

TOO_MANY = "too many history entries"


class EsploraClient:
    """Raw Esplora calls returning wire-shaped dicts; paging and error classification live here."""

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
                               sleep=sleep, name="esplora")

    def address_txs_page(self, address: str, last_seen_txid: str | None = None, *,
                         immutable: bool = False) -> list[EsploraTx]:
        """One page of confirmed txs of ``address`` (newest first), after ``last_seen_txid`` when given.

        May raise: AddressTooLarge (HTTP 400 "Too many history entries"), ApiRejected (other 4xx).
        """
        path = f"/address/{address}/txs/chain" + (f"/{last_seen_txid}" if last_seen_txid else "")
        answer = self.http.get(path, check=_address_check(address, parse.validate_txs), immutable=immutable)
        if not isinstance(answer.data, list):
            raise BadResponse(f"esplora: expected a list of txs from {path}")
        return cast(list[EsploraTx], answer.data)

    def iter_address_txs(self, address: str, *, stop_below: int | None = None, final_block: int | None = None,
                         first_page: list[EsploraTx] | None = None) -> Iterator[EsploraTx]:
        """Confirmed txs of ``address`` newest first, following the ``last_seen_txid`` chain.

        Stops after the first tx whose block is below ``stop_below``. A page requested after a tx
        confirmed strictly below ``final_block`` holds only older, buried txs: it is fetched as immutable.
        ``first_page``, when given, is the newest page already read (the chain continues after its last tx).
        """
        last_seen: EsploraTx | None = None
        while True:
            immutable = (last_seen is not None and final_block is not None
                         and _height(last_seen) is not None and cast(int, _height(last_seen)) < final_block)
            if last_seen is None and first_page is not None:
                page = first_page
            else:
                page = self.address_txs_page(address, last_seen["txid"] if last_seen else None, immutable=immutable)
            for tx in page:
                height = _height(tx)
                if height is None:  # mempool entries never belong to the confirmed history
                    continue
                yield tx
                if stop_below is not None and height < stop_below:
                    return
            if len(page) < PAGE_SIZE:
                return
            last_seen = page[-1]

    def address_stats(self, address: str) -> dict[str, Any]:
        """``GET /address/:a``: ``chain_stats``/``mempool_stats`` (funded/spent txo counts and sums, in sat)."""
        answer = self.http.get(f"/address/{address}", check=_address_check(address))
        if not isinstance(answer.data, dict):
            raise BadResponse(f"esplora: expected an address object for {address}")
        return answer.data

    def tx(self, txid: str, *, final_block: int | None = None) -> EsploraTx | None:
        """``GET /tx/:txid``; None on 404. Archived as immutable once confirmed below ``final_block``."""
        answer = conditional_get(self.http, f"/tx/{txid}", check=_tx_checker(parse.validate_tx),
                                 is_final=lambda a: _confirmed_below(a.data, final_block))
        if answer.status == 404:
            return None
        if not isinstance(answer.data, dict):
            raise BadResponse(f"esplora: expected a tx object for {txid}")
        return cast(EsploraTx, answer.data)

    def outspends(self, txid: str, *, final_block: int | None = None) -> list[EsploraOutspend] | None:
        """``GET /tx/:txid/outspends``; None on 404. Immutable once every output is spent below ``final_block``."""

        def final(answer: HttpAnswer) -> bool:
            data = answer.data
            return isinstance(data, list) and all(
                isinstance(o, dict) and o.get("spent") and _confirmed_below(o, final_block) for o in data)

        answer = conditional_get(self.http, f"/tx/{txid}/outspends", check=_tx_checker(parse.validate_outspends),
                                 is_final=final)
        if answer.status == 404:
            return None
        if not isinstance(answer.data, list):
            raise BadResponse(f"esplora: expected a list of outspends for {txid}")
        return cast(list[EsploraOutspend], answer.data)

    def tip_height(self) -> int:
        """``GET /blocks/tip/height`` (a plain-text integer)."""
        answer = self.http.get("/blocks/tip/height", check=_tip_check, expect_json=False)
        return _tip_height(answer)


def _height(tx: EsploraTx) -> int | None:
    status = tx.get("status") or {}
    return status.get("block_height") if status.get("confirmed") else None


def _confirmed_below(obj: object, final_block: int | None) -> bool:
    if final_block is None or not isinstance(obj, dict):
        return False
    status = obj.get("status") or {}
    height = status.get("block_height")
    return bool(status.get("confirmed")) and isinstance(height, int) and height < final_block


def _address_check(address: str, validate: Callable[[Any], None] | None = None) -> Callable[[HttpAnswer], None]:
    def check(answer: HttpAnswer) -> None:
        if answer.status == 400 and TOO_MANY in answer.text.lower():
            raise AddressTooLarge(address, f"esplora: {answer.text.strip()[:80]} for {address}")
        if answer.status >= 300:
            raise ApiRejected(f"esplora: HTTP {answer.status} for address {address}: {answer.text.strip()[:80]}")
        if validate is not None:
            validate(answer.data)

    return check


def _tx_checker(validate: Callable[[Any], None]) -> Callable[[HttpAnswer], None]:
    """:func:`_tx_check`, then the answer's schema when it is a 2xx (inside the funnel: asked once more)."""
    def check(answer: HttpAnswer) -> None:
        _tx_check(answer)
        if answer.status < 300:
            validate(answer.data)

    return check


def _tip_height(answer: HttpAnswer) -> int:
    text = answer.text.strip()
    if answer.status != 200 or not text.isdigit():
        raise InvalidAnswer(f"esplora: tip height is not an integer: {text[:60]!r}")
    return wire.block(text, "tip height", "esplora")


def _tip_check(answer: HttpAnswer) -> None:
    _tx_check(answer)
    _tip_height(answer)


def _tx_check(answer: HttpAnswer) -> None:
    if answer.status == 404 or answer.status < 300:
        return
    raise ApiRejected(f"esplora: HTTP {answer.status}: {answer.text.strip()[:80]}")
