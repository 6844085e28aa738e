"""An Etherscan V2 look-alike over raw wire rows, for adapter tests, fixture building and benchmarks.

Part of the fake-API toolkit: ``EtherscanSimulator`` is a :data:`chains.testing.Responder`, so it is served over
real loopback HTTP by :class:`chains.testing.FixtureServer` (the sandbox's Etherscan dialect serves a generated
world instead; this one serves whatever rows a test hands it). Point an ``EtherscanClient`` at
``server.url + "/v2/api"``. It
answers ``txlist`` / ``txlistinternal`` / ``tokentx`` (address, block range, page/offset, asc), the
``txlistinternal`` by-hash form, ``balancemulti``, and the proxy calls used by the adapter, with the
documented envelopes: ``No transactions found`` for empty lists and ``Result window is too large`` when
``page * offset > max_window``. It counts the calls it served in ``calls``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chains.testing.envelopes import Envelope


def _ok(result: Any) -> Envelope:
    return {"request": {}, "response": {"status": 200, "body": {"status": "1", "message": "OK", "result": result}}}


def _notok(message: str, result: Any) -> Envelope:
    return {"request": {}, "response": {"status": 200, "body": {"status": "0", "message": message, "result": result}}}


def _rpc(result: Any) -> Envelope:
    return {"request": {}, "response": {"status": 200, "body": {"jsonrpc": "2.0", "id": 1, "result": result}}}


@dataclass
class EtherscanSimulator:
    """Serves address histories (wire-format rows) the way Etherscan V2 does.

    ``histories[action][address]`` are rows (dicts of strings) of that action touching ``address``;
    ``transactions[hash]`` = ``{"tx": ..., "receipt": ..., "internal": [...]}``; ``blocks[n]`` = unix time.
    """

    histories: Mapping[str, Mapping[str, Sequence[Mapping[str, Any]]]] = field(default_factory=dict)
    transactions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    blocks: Mapping[int, int] = field(default_factory=dict)
    balances: Mapping[str, int] = field(default_factory=dict)
    tip: int = 0
    max_window: int = 10_000
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, method: str, path: str, params: Mapping[str, str], body: Any) -> Envelope | None:
        """Answer one request (the FixtureServer responder signature)."""
        with self._lock:
            self.calls += 1
        module, action = params.get("module", ""), params.get("action", "")
        if module == "account" and action in ("txlist", "txlistinternal", "tokentx"):
            if action == "txlistinternal" and "txhash" in params:
                rows = self.transactions.get(params["txhash"].lower(), {}).get("internal", [])
                return _ok(list(rows)) if rows else _notok("No transactions found", [])
            return self._history(action, params)
        if module == "account" and action == "balancemulti":
            accounts = params.get("address", "").split(",")
            return _ok([{"account": a, "balance": str(self.balances.get(a.lower(), 0))} for a in accounts])
        if module == "proxy":
            return self._proxy(action, params)
        return _notok("NOTOK", "Error! Missing Or invalid Action name")

    def _history(self, action: str, params: Mapping[str, str]) -> Envelope:
        address = params.get("address", "").lower()
        start = int(params.get("startblock", "0"))
        end = int(params.get("endblock", "9999999999"))
        page, offset = int(params.get("page", "1")), int(params.get("offset", "10000"))
        if page * offset > self.max_window:
            return _notok("Result window is too large, PageNo x Offset size must be less than or equal to "
                          f"{self.max_window}", None)
        contract = params.get("contractaddress", "").lower()
        rows = [r for r in self.histories.get(action, {}).get(address, [])
                if start <= int(r["blockNumber"]) <= end
                and (not contract or str(r.get("contractAddress", "")).lower() == contract)]
        rows.sort(key=lambda r: int(r["blockNumber"]))  # stable: keeps the order within a block
        chunk = rows[(page - 1) * offset: page * offset]
        return _ok([dict(r) for r in chunk]) if chunk else _notok("No transactions found", [])

    def _proxy(self, action: str, params: Mapping[str, str]) -> Envelope:
        if action == "eth_blockNumber":
            return _rpc(hex(self.tip))
        if action == "eth_getBlockByNumber":
            number = int(params.get("tag", "0x0"), 16)
            when = self.blocks.get(number)
            return _rpc(None if when is None else {"number": hex(number), "timestamp": hex(when)})
        entry = self.transactions.get(params.get("txhash", "").lower())
        if action == "eth_getTransactionByHash":
            return _rpc(None if entry is None else entry["tx"])
        if action == "eth_getTransactionReceipt":
            return _rpc(None if entry is None else entry["receipt"])
        return _notok("NOTOK", "Error! Missing Or invalid Action name")
