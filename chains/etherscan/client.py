"""Etherscan API V2 client: the only module of this adapter that touches the network (via HttpClient).

* one ``chainid`` per client; the API key goes in ``apikey`` and is kept out of archive keys and logs;
* in-band errors are classified by :func:`classify` (docs/public-apis.md §1.1 exact strings):
  rate-limit strings -> :class:`chains.http.Retry` (backoff, then ``RateLimited``), "Max daily" ->
  ``QuotaExhausted``, invalid key / chain / action / address -> ``ApiRejected``, "No transactions found" /
  "No records found" -> empty list;
* lists are paged by block range, never by ``page`` alone (:meth:`EtherscanClient.history`): ``offset`` rows
  per call, sorted ascending; when a call is full, the rows of its last block are held back and the next
  call starts at that block, so a block cut by the page limit is read whole and nothing is duplicated
  (the adapter still de-duplicates by transfer id as a safety net). Only a single block holding at least
  ``offset`` rows falls back to ``page=2, 3, ...`` of the query starting at that block. "Result window is
  too large" can therefore only happen for one block holding more than 10,000 rows of one address; it
  raises ``BadResponse`` naming the request;
* a call whose ``endblock`` is at or below ``final_block`` is ``immutable``: answered from the archive when
  present.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

import requests

from chains import wire
from chains.base import ResponseArchive
from chains.etherscan import parse
from chains.etherscan.types import BalanceItem, InternalItem, LogItem, RpcReceipt, RpcTx, TokentxItem, TxlistItem
from chains.http import HttpAnswer, HttpClient, Retry, RetryPolicy
from tracer.errors import ApiRejected, BadResponse, InvalidAnswer, QuotaExhausted
from tracer.model import Chain

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.etherscan.io/v2/api"
OPEN_END_BLOCK = 9_999_999_999
"""``endblock`` meaning "up to the tip" (numeric: Arbitrum heights exceed the 99,999,999 of V1 examples)."""
BALANCEMULTI_MAX = 20
_EMPTY = ("no transactions found", "no records found", "no data found")
_RATE = ("max rate limit reached", "max calls per sec", "rate limit reached")
_REJECTED = ("invalid api key", "missing or unsupported chainid", "invalid address format",
             "missing or invalid action name", "deprecated v1 endpoint", "too many invalid api key attempts",
             "invalid argument", "error! invalid")


def classify(answer: HttpAnswer, context: str) -> Any:
    """The ``result`` of an Etherscan answer, or the error it means. ``context`` names the request.

    May raise: Retry (rate limit, query timeout), QuotaExhausted, ApiRejected, BadResponse.
    """
    data = answer.data
    if not isinstance(data, dict):
        snippet = answer.text[:80].replace("\n", " ")
        raise BadResponse(f"etherscan {context}: HTTP {answer.status}, not a JSON object: {snippet!r}")
    if "status" not in data:  # proxy module: a JSON-RPC envelope
        if isinstance(data.get("error"), dict):
            err = data["error"]
            raise ApiRejected(f"etherscan {context}: JSON-RPC error {err.get('code')}: {err.get('message')}")
        if "result" not in data:
            raise BadResponse(f"etherscan {context}: answer has neither status nor result")
        return data["result"]
    if str(data.get("status")) == "1":
        return data.get("result")
    message = str(data.get("message") or "")
    result = data.get("result")
    text = f"{message}: {result}" if isinstance(result, str) and result else message
    low = text.lower()
    if any(s in low for s in _EMPTY):
        return []
    if "max daily" in low:
        raise QuotaExhausted(f"etherscan {context}: {text}")
    if any(s in low for s in _RATE):
        raise Retry(text)
    if "query timeout" in low or "timeout occured" in low:
        raise Retry(text, rate_limit=False)
    if "result window is too large" in low:
        raise BadResponse(f"etherscan {context}: {text} (paging by block range should make this impossible)")
    if any(s in low for s in _REJECTED):
        raise ApiRejected(f"etherscan {context}: {text}")
    raise ApiRejected(f"etherscan {context}: unexpected error answer: {text}")


class EtherscanClient:
    """Typed calls to one chain of the Etherscan V2 API."""

    def __init__(self, session: requests.Session, base_url: str = DEFAULT_BASE_URL, api_key: str = "",
                 chain_id: int = 1, *, rate: float = 3.0, archive: ResponseArchive | None = None,
                 timeout: float = 20.0, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = 1000) -> None:
        self.http = HttpClient(session, base_url, rate=rate, timeout=timeout, archive=archive,
                               secret_params=("apikey",), retry=retry, sleep=sleep, name="etherscan")
        self.api_key = api_key
        self.chain_id = chain_id
        self.page_size = page_size

    def query(self, module: str, action: str, params: Mapping[str, Any] | None = None, *,
              immutable: bool = False, validate: Callable[[Any], None] | None = None) -> Any:
        """One call; returns ``result`` (a list for lists, a string for scalars, a dict for proxy objects).

        ``validate`` checks the result inside the HTTP funnel: an InvalidAnswer there is asked once more.
        """
        full: dict[str, Any] = {"chainid": self.chain_id, "module": module, "action": action}
        full.update({k: v for k, v in (params or {}).items() if v is not None})
        if self.api_key:
            full["apikey"] = self.api_key
        target = full.get("address") or full.get("txhash") or full.get("contractaddress") or ""
        context = f"{module}/{action}" + (f" {str(target)[:100]}" if target else "")
        box: list[Any] = []

        def check(answer: HttpAnswer) -> None:
            result = classify(answer, context)
            if validate is not None:
                try:
                    validate(result)
                except InvalidAnswer as exc:
                    raise InvalidAnswer(f"{context}: {exc}") from None
            box.append(result)

        self.http.get("", full, check=check, immutable=immutable)
        return box[-1]

    def history(self, action: str, address: str, start_block: int = 0, end_block: int | None = None, *,
                final_block: int | None = None, extra: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every row of ``txlist`` / ``txlistinternal`` / ``tokentx`` for ``address``, ascending by block."""
        end = OPEN_END_BLOCK if end_block is None else end_block
        immutable = final_block is not None and end <= final_block
        start, page = start_block, 1
        while True:
            params = {"address": address, "startblock": start, "endblock": end, "page": page,
                      "offset": self.page_size, "sort": "asc", **(extra or {})}
            rows = self._rows(self.query("account", action, params, immutable=immutable,
                                         validate=partial(parse.validate_history, action, start_block=start,
                                                          end_block=end)), action)
            if len(rows) < self.page_size:
                yield from rows
                return
            first, last = int(rows[0]["blockNumber"]), int(rows[-1]["blockNumber"])
            if first == last == start:
                # One block fills the whole page: only here do we fall back to page numbers (pages of the
                # same query are disjoint, so nothing repeats).
                yield from rows
                page += 1
                continue
            # Hold back the last block's rows: the next call starts there and reads that block whole.
            yield from (r for r in rows if int(r["blockNumber"]) != last)
            start, page = last, 1

    @staticmethod
    def _rows(result: Any, action: str) -> list[dict[str, Any]]:
        if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
            raise BadResponse(f"etherscan {action}: expected a list of rows, got {type(result).__name__}")
        return result

    def txlist(self, address: str, start_block: int = 0, end_block: int | None = None, *,
               final_block: int | None = None) -> Iterator[TxlistItem]:
        """Normal transactions of ``address``."""
        yield from self.history("txlist", address, start_block, end_block, final_block=final_block)  # type: ignore[misc]

    def txlistinternal(self, address: str, start_block: int = 0, end_block: int | None = None, *,
                       final_block: int | None = None) -> Iterator[InternalItem]:
        """Internal (contract-made) native transfers touching ``address``."""
        yield from self.history("txlistinternal", address, start_block, end_block,  # type: ignore[misc]
                                final_block=final_block)

    def tokentx(self, address: str, start_block: int = 0, end_block: int | None = None, *,
                final_block: int | None = None, contract: str | None = None) -> Iterator[TokentxItem]:
        """ERC-20 transfers touching ``address`` (optionally of one token contract)."""
        extra = {"contractaddress": contract} if contract else None
        yield from self.history("tokentx", address, start_block, end_block,  # type: ignore[misc]
                                final_block=final_block, extra=extra)

    def internal_by_hash(self, tx_hash: str, *, immutable: bool = False) -> list[InternalItem]:
        """Internal transfers of one transaction."""
        def valid(result: Any) -> None:
            for row in wire.rows(result, "etherscan txlistinternal"):
                # by-txhash rows may omit block and time (the adapter fills them from the tx): not required here
                parse.internal_item_to_transfer({"blockNumber": 0, "timeStamp": wire.MIN_UNIX, **row}, Chain.ETHEREUM,
                                                tx_hash)

        return self._rows(self.query("account", "txlistinternal", {"txhash": tx_hash}, immutable=immutable,
                                     validate=valid), "txlistinternal")  # type: ignore[return-value]

    def balance(self, address: str) -> int:
        """Native balance (wei) at the tip."""
        return wire.uint(self.query("account", "balance", {"address": address, "tag": "latest"},
                                    validate=_uint), "balance", "etherscan")

    def balancemulti(self, addresses: Sequence[str]) -> list[BalanceItem]:
        """Native balances of up to 20 addresses in one call."""
        if len(addresses) > BALANCEMULTI_MAX:
            raise ValueError(f"balancemulti takes at most {BALANCEMULTI_MAX} addresses, got {len(addresses)}")
        result = self.query("account", "balancemulti", {"address": ",".join(addresses), "tag": "latest"},
                            validate=lambda r: None if parse.parse_balances(r, Chain.ETHEREUM) else None)
        return self._rows(result, "balancemulti")  # type: ignore[return-value]

    def tokenbalance(self, contract: str, address: str) -> int:
        """Raw token balance of ``address`` at the tip."""
        result = self.query("account", "tokenbalance", {"contractaddress": contract, "address": address,
                                                         "tag": "latest"}, validate=_uint)
        return wire.uint(result, "tokenbalance", "etherscan")

    def get_logs(self, from_block: int, to_block: int, *, address: str | None = None,
                 topics: Mapping[int, str] | None = None, final_block: int | None = None) -> Iterator[LogItem]:
        """Event logs in a block range, paged by block like :meth:`history` (hex fields kept)."""
        start = from_block
        immutable = final_block is not None and to_block <= final_block
        topic_params = {f"topic{i}": t for i, t in (topics or {}).items()}
        if len(topic_params) > 1:
            topic_params.update({f"topic{a}_{b}_opr": "and" for a in range(4) for b in range(a + 1, 4)
                                 if f"topic{a}" in topic_params and f"topic{b}" in topic_params})
        while True:
            params = {"fromBlock": start, "toBlock": to_block, "address": address, "page": 1,
                      "offset": self.page_size, **topic_params}
            rows = self._rows(self.query("logs", "getLogs", params, immutable=immutable,
                                         validate=partial(parse.validate_logs, from_block=start, to_block=to_block)),
                              "getLogs")
            if len(rows) < self.page_size:
                yield from rows  # type: ignore[misc]
                return
            last = int(str(rows[-1]["blockNumber"]), 16)
            if last == start:
                raise BadResponse(f"etherscan getLogs: block {start} alone has more than {self.page_size} logs")
            yield from (r for r in rows if int(str(r["blockNumber"]), 16) != last)  # type: ignore[misc]
            start = last

    def block_by_time(self, unix_seconds: int, closest: str = "before") -> int:
        """The block mined closest ``before``/``after`` a unix time."""
        return wire.block(self.query("block", "getblocknobytime", {"timestamp": unix_seconds, "closest": closest},
                                     immutable=True, validate=_block), "result", "etherscan getblocknobytime")

    def block_number(self) -> int:
        """The chain tip (proxy eth_blockNumber)."""
        return wire.block(self.query("proxy", "eth_blockNumber", validate=_block), "result", "etherscan tip")

    def transaction(self, tx_hash: str) -> RpcTx | None:
        """proxy eth_getTransactionByHash; None when unknown."""
        result = self.query("proxy", "eth_getTransactionByHash", {"txhash": tx_hash}, validate=_rpc_tx)
        return result if isinstance(result, dict) else None  # type: ignore[return-value]

    def receipt(self, tx_hash: str, *, immutable: bool = False) -> RpcReceipt | None:
        """proxy eth_getTransactionReceipt; None when unknown or pending."""
        result = self.query("proxy", "eth_getTransactionReceipt", {"txhash": tx_hash}, immutable=immutable,
                            validate=_receipt)
        return result if isinstance(result, dict) else None  # type: ignore[return-value]

    def block_timestamp(self, block_number: int) -> int:
        """Unix time of a block (proxy eth_getBlockByNumber without transactions)."""
        result = self.query("proxy", "eth_getBlockByNumber", {"tag": hex(block_number), "boolean": "false"},
                            immutable=True, validate=_block_object)
        return wire.unix_seconds(result["timestamp"], "timestamp", "etherscan eth_getBlockByNumber")


# -- validators run inside the HTTP funnel (an InvalidAnswer there is asked once more) -----------------------

def _uint(result: Any) -> None:
    wire.uint(result, "result", "etherscan")


def _block(result: Any) -> None:
    wire.block(result, "result", "etherscan")


def _block_object(result: Any) -> None:
    if not isinstance(result, dict):
        raise InvalidAnswer("etherscan eth_getBlockByNumber: no block in answer")
    wire.unix_seconds(wire.required(result, "timestamp", "etherscan block"), "timestamp", "etherscan block")


def _rpc_tx(result: Any) -> None:
    """A proxy transaction: None (unknown) or an object with a hash, a sender and a uint value."""
    if result is None or isinstance(result, str) and not result:
        return
    if not isinstance(result, dict):
        raise InvalidAnswer(f"etherscan eth_getTransactionByHash: expected an object, got {type(result).__name__}")
    parse.hash_field(result, "hash")
    parse.sender_field(Chain.ETHEREUM, result)
    parse.address_field(Chain.ETHEREUM, result.get("to"), "to")
    wire.uint(wire.required(result, "value", "etherscan tx"), "value", "etherscan tx")
    if result.get("blockNumber") not in (None, ""):
        wire.block(result["blockNumber"], "blockNumber", "etherscan tx")
    for name in ("gasPrice", "gas"):
        if result.get(name) not in (None, ""):
            wire.uint(result[name], name, "etherscan tx")


def _receipt(result: Any) -> None:
    """A proxy receipt: None (pending/unknown) or an object with uint status/gas and valid logs."""
    if result is None or isinstance(result, str) and not result:
        return
    if not isinstance(result, dict):
        raise InvalidAnswer(f"etherscan eth_getTransactionReceipt: expected an object, got {type(result).__name__}")
    for name in ("status", "gasUsed", "effectiveGasPrice"):
        if result.get(name) not in (None, ""):
            wire.uint(result[name], name, "etherscan receipt")
    for log in wire.rows(result.get("logs") or [], "etherscan receipt logs"):
        raw_topics = log.get("topics")
        if not isinstance(raw_topics, list):
            raise InvalidAnswer("etherscan receipt log: field 'topics' must be a list")
        topics = [parse.topic_field(t) for t in raw_topics]
        if len(topics) == 3 and topics[0] == parse.TRANSFER_TOPIC:
            parse.address_field(Chain.ETHEREUM, wire.required(log, "address", "etherscan log"), "address")
            data = wire.text(log.get("data") or "0x", "data")
            wire.uint(data if data.lower() != "0x" else 0, "data", "etherscan log")
