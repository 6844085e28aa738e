"""EVM JSON-RPC client over web3's ``HTTPProvider`` on an injected ``requests.Session``.

The only module of this adapter that touches the network. JSON-RPC reads are POSTs, which urllib3 does
not retry, so transport retries use web3's ``ExceptionRetryConfiguration`` (allow-listed read methods).
Errors are mapped onto the ChainError tree:

* transport failure / HTTP 5xx -> ``ChainUnavailable``; HTTP 429 -> ``RateLimited``;
* a provider's "too many results / block range too large" answer (Infura -32005, Alchemy -32602
  "Log response size exceeded", QuickNode/others "block range ...") -> :class:`RangeTooLarge`, which the
  adapter answers by bisecting the range;
* "method not found" (-32601) for ``trace_*`` / ``debug_*`` -> ``NotSupported("node at … has no trace_filter")``;
* any other JSON-RPC error -> ``ApiRejected``; a malformed answer -> ``BadResponse``.

Archive (same rules as :class:`chains.http.HttpClient`): every answer is stored in the
:class:`~chains.base.ResponseArchive`; a call marked immutable (a closed block range, a block or a mined
transaction at or below the case's final block) is answered from the archive when present, making no request.
The key is ``POST <scheme://host[:port]>?method=…&params=<compact JSON>``: the node URL's path and user-info are
left out because hosted nodes put the API key there (``/v3/<key>``), and the same redacted URL is used in errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from eth_abi import decode as abi_decode
from web3 import HTTPProvider, Web3
from web3.providers.rpc.utils import ExceptionRetryConfiguration
from web3.types import RPCEndpoint

from chains.base import ArchivedResponse, ResponseArchive
from chains.http import RequestStats, request_key
from tracer.errors import ApiRejected, BadResponse, ChainUnavailable, NotSupported, RateLimited

logger = logging.getLogger(__name__)

_RANGE_HINTS = ("query returned more than", "log response size exceeded", "block range", "range too large",
                "too many results", "response size", "exceed maximum", "limit exceeded", "range is too large")
_SYMBOL, _DECIMALS = "0x95d89b41", "0x313ce567"
CALL_TRACER = {"tracer": "callTracer"}

Immutable = bool | Callable[[Any], bool]
"""Whether an answer can never change: a fixed answer, or decided from the result (a tx mined at or below the
final block). Either way a stored immutable answer is used before asking the node."""


def redacted_url(url: str) -> str:
    """``scheme://host[:port]`` of a node URL: hosted nodes carry the API key in the path or user-info."""
    split = urlsplit(url)
    host = split.hostname or ""
    return f"{split.scheme}://{host}" + (f":{split.port}" if split.port else "")


class RangeTooLarge(BadResponse):
    """The node refused a block range as too large (the caller should bisect)."""

    def __init__(self, message: str, suggested: tuple[int, int] | None = None) -> None:
        self.suggested = suggested
        super().__init__(message)


class EvmRpcClient:
    """Typed JSON-RPC reads (blocks, logs, receipts, Parity-style traces) against one node URL."""

    def __init__(self, session: requests.Session, url: str, *, timeout: float = 20.0, retries: int = 3,
                 archive: ResponseArchive | None = None) -> None:
        # web3 counts ``retries`` as total attempts and returns None when it is 0: pass no config then.
        retry = ExceptionRetryConfiguration(errors=(requests.ConnectionError, requests.Timeout), retries=retries,
                                            backoff_factor=0.25) if retries > 0 else None
        self.url = redacted_url(url)  # the only form that reaches logs, errors and archive keys
        self.archive = archive
        self.stats = RequestStats()
        self.provider = HTTPProvider(url, session=session, request_kwargs={"timeout": timeout},
                                     exception_retry_configuration=retry)
        self.w3 = Web3(self.provider)
        self._timestamps: dict[int, int] = {}

    @property
    def requests(self) -> int:
        """Calls sent to the node (archive hits are not requests)."""
        return self.stats.requests

    def call(self, method: str, params: Sequence[Any], *, immutable: Immutable = False) -> Any:
        """One JSON-RPC call; returns ``result``. May raise the mapped ChainError subclasses."""
        key = request_key("POST", self.url, {"method": method,
                                             "params": json.dumps(list(params), separators=(",", ":"))})
        if immutable is not False and self.archive is not None:
            cached = self.archive.get_immutable(key)
            if cached is not None:
                self.stats.add(archive_hits=1)
                return json.loads(cached.body)["result"]
        result = self._send(method, params)
        final = immutable(result) if callable(immutable) else immutable
        self._archive(key, {"jsonrpc": "2.0", "result": result}, immutable=final)
        return result

    def _archive(self, key: str, answer: dict[str, Any], *, immutable: bool) -> None:
        if self.archive is None:
            return
        body = json.dumps(answer, separators=(",", ":")).encode("utf-8")
        self.archive.put(ArchivedResponse(request_key=key, status=200, body=body,
                                          sha256=hashlib.sha256(body).hexdigest(), fetched_at=time.time()),
                         immutable=immutable)

    def _send(self, method: str, params: Sequence[Any]) -> Any:
        self.stats.add(requests=1)
        try:
            response = self.provider.make_request(RPCEndpoint(method), list(params))
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status == 429:
                raise RateLimited(f"evm_rpc {method}: HTTP 429 from {self.url}") from exc
            raise ChainUnavailable(f"evm_rpc {method}: HTTP {status} from {self.url}") from exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ChainUnavailable(f"evm_rpc {method}: {type(exc).__name__} talking to {self.url}") from exc
        except ValueError as exc:  # body not JSON (HTML error page, truncated answer)
            raise BadResponse(f"evm_rpc {method}: unparseable answer from {self.url}") from exc
        if not isinstance(response, dict):
            raise BadResponse(f"evm_rpc {method}: answer is not a JSON object")
        error: Any = response.get("error")
        if error:
            self._raise(method, dict(error) if isinstance(error, dict) else {"message": str(error)})
        if "result" not in response:
            raise BadResponse(f"evm_rpc {method}: answer has neither result nor error")
        return response["result"]

    def _raise(self, method: str, error: dict[str, Any]) -> None:
        code = error.get("code")
        message = str(error.get("message", ""))
        low = message.lower()
        text = f"evm_rpc {method}: error {code}: {message}"
        if code == -32005 or any(h in low for h in _RANGE_HINTS):
            raise RangeTooLarge(text, _suggested_range(error.get("data")))
        if code == -32601 or "method not found" in low or "not supported" in low or "does not exist" in low:
            raise NotSupported(f"node at {self.url} has no {method} ({message})")
        if code == 429 or "rate limit" in low:
            raise RateLimited(text)
        raise ApiRejected(text)

    def block_number(self) -> int:
        """The chain tip."""
        return int(str(self.call("eth_blockNumber", [])), 16)

    def block_timestamp(self, number: int, *, final_block: int | None = None) -> int:
        """Unix time of a block (cached: blocks below the tip never change it)."""
        if number not in self._timestamps:
            block = self.call("eth_getBlockByNumber", [hex(number), False], immutable=_at_or_below(number, final_block))
            if not isinstance(block, dict):
                raise BadResponse(f"evm_rpc: block {number} not found at {self.url}")
            self._timestamps[number] = int(str(block["timestamp"]), 16)
        return self._timestamps[number]

    def block(self, number: int, *, final_block: int | None = None) -> dict[str, Any]:
        """A block with its full transactions. May raise: BadResponse when the node does not have it."""
        block = self.call("eth_getBlockByNumber", [hex(number), True], immutable=_at_or_below(number, final_block))
        if not isinstance(block, dict):
            raise BadResponse(f"evm_rpc: block {number} not found at {self.url}")
        self._timestamps[number] = int(str(block["timestamp"]), 16)
        return block

    def get_logs(self, from_block: int, to_block: int, *, address: str | None = None,
                 topics: Sequence[str | None] = (), immutable: bool = False) -> list[dict[str, Any]]:
        """``eth_getLogs`` over an inclusive block range (hex block numbers; raw log dicts)."""
        flt: dict[str, Any] = {"fromBlock": hex(from_block), "toBlock": hex(to_block), "topics": list(topics)}
        if address is not None:
            flt["address"] = address
        result = self.call("eth_getLogs", [flt], immutable=immutable)
        if not isinstance(result, list):
            raise BadResponse("evm_rpc eth_getLogs: result is not a list")
        return result

    def trace_filter(self, from_block: int, to_block: int, *, from_addresses: Sequence[str] = (),
                     to_addresses: Sequence[str] = (), immutable: bool = False) -> list[dict[str, Any]]:
        """Parity-style ``trace_filter`` (hex block numbers: anvil rejects "latest").

        May raise: NotSupported when the node lacks it.
        """
        flt: dict[str, Any] = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
        if from_addresses:
            flt["fromAddress"] = list(from_addresses)
        if to_addresses:
            flt["toAddress"] = list(to_addresses)
        result = self.call("trace_filter", [flt], immutable=immutable)
        if not isinstance(result, list):
            raise BadResponse("evm_rpc trace_filter: result is not a list")
        return result

    def trace_transaction(self, tx_hash: str, *, final_block: int | None = None) -> list[dict[str, Any]]:
        """Every trace of one transaction. May raise: NotSupported."""
        result = self.call("trace_transaction", [tx_hash], immutable=_mined_by(final_block))
        return result if isinstance(result, list) else []

    def call_trace(self, tx_hash: str, *, immutable: bool = False) -> dict[str, Any]:
        """``debug_traceTransaction`` with geth's ``callTracer``: the nested call frames. May raise: NotSupported."""
        result = self.call("debug_traceTransaction", [tx_hash, CALL_TRACER], immutable=immutable)
        if not isinstance(result, dict):
            raise BadResponse(f"evm_rpc debug_traceTransaction: no call frame for {tx_hash}")
        return result

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> dict[str, Any] | None:
        """``eth_getTransactionByHash``; None when unknown."""
        result = self.call("eth_getTransactionByHash", [tx_hash], immutable=_mined_by(final_block))
        return result if isinstance(result, dict) else None

    def receipt(self, tx_hash: str, *, final_block: int | None = None) -> dict[str, Any] | None:
        """``eth_getTransactionReceipt``; None when unknown or pending."""
        result = self.call("eth_getTransactionReceipt", [tx_hash], immutable=_mined_by(final_block))
        return result if isinstance(result, dict) else None

    def balance(self, address: str, block: int | None = None) -> int:
        """Native balance (wei)."""
        return int(str(self.call("eth_getBalance", [address, hex(block) if block is not None else "latest"])), 16)

    def token_metadata(self, contract: str, *, final_block: int | None = None) -> tuple[str | None, int | None]:
        """(symbol, decimals) read from the contract, None where it does not answer (non-standard tokens).

        Read at ``final_block`` when given (an immutable answer), else at the tip."""
        symbol: str | None = None
        decimals: int | None = None
        at = hex(final_block) if final_block is not None else "latest"
        fixed = final_block is not None
        try:
            raw = bytes.fromhex(str(self.call("eth_call", [{"to": contract, "data": _SYMBOL}, at],
                                              immutable=fixed))[2:])
            symbol = _decode_symbol(raw)
            raw = bytes.fromhex(str(self.call("eth_call", [{"to": contract, "data": _DECIMALS}, at],
                                              immutable=fixed))[2:])
            decimals = int.from_bytes(raw[:32], "big") if len(raw) >= 32 else None
        except (ApiRejected, BadResponse, ValueError) as exc:
            logger.debug("no ERC-20 metadata for %s: %s", contract, exc)
        return symbol, decimals


def _at_or_below(number: int, final_block: int | None) -> bool:
    return final_block is not None and number <= final_block


def _mined_by(final_block: int | None) -> Immutable:
    """A tx/receipt/trace answer is final once its transaction is mined at or below ``final_block``."""
    if final_block is None:
        return False

    def final(result: Any) -> bool:
        rows = result if isinstance(result, list) else [result]
        blocks = [r.get("blockNumber") for r in rows if isinstance(r, dict)]
        return bool(blocks) and all(b is not None and _number(b) <= final_block for b in blocks)
    return final


def _number(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)


def _decode_symbol(raw: bytes) -> str | None:
    if len(raw) == 32:  # bytes32 symbols (MKR and other early tokens)
        return raw.rstrip(b"\x00").decode("utf-8", errors="replace") or None
    if len(raw) >= 64:
        try:
            return str(abi_decode(["string"], raw)[0])
        except Exception:  # noqa: BLE001 - any malformed ABI string just means "no symbol"
            return None
    return None


def _suggested_range(data: Any) -> tuple[int, int] | None:
    """Infura's -32005 carries ``{"from": "0x..", "to": "0x.."}`` in ``error.data``."""
    if isinstance(data, dict) and "from" in data and "to" in data:
        try:
            return int(str(data["from"]), 16), int(str(data["to"]), 16)
        except ValueError:
            return None
    return None
