"""Etherscan API V2 dialect (``/etherscan/v2/api``): account, logs, block and proxy modules for chainid 1."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from tracer.sandbox.server.common import Request, Response, View, json_response
from tracer.sandbox.server.etherscan_rows import (
    all_logs,
    internal_row,
    log_row,
    rpc_tx,
    token_row,
    tx_row,
)
from tracer.sandbox.world import ETHEREUM, EvmTx

BAD_CHAIN = ("Missing or unsupported chainid parameter (required for v2 api), please see chainlist for the list "
             "of supported chainids")
BAD_ACTION = "Error! Missing Or invalid Action name"
BAD_MODULE = "Error! Missing Or invalid Module name"
BAD_ADDRESS = "Error! Invalid address format"
RATE_LIMIT = "Max rate limit reached, please use API Key for higher rate limit"
MAX_RECORDS = 1000
WINDOW_TOO_LARGE = ("Result window is too large, PageNo x Offset size must be less than or equal to "
                    f"{MAX_RECORDS}")
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
def _env(status: str, message: str, result: Any) -> Response:
    return json_response({"status": status, "message": message, "result": result})


def error(text: str) -> Response:
    """The NOTOK envelope with an error string."""
    return _env("0", "NOTOK", text)


def rate_limited() -> Response:
    """Etherscan answers a rate-limit breach with HTTP 200 and NOTOK."""
    return error(RATE_LIMIT)


def handle(req: Request, view: View) -> Response:
    """Dispatch one Etherscan V2 call."""
    if req.path.strip("/") not in ("v2/api", ""):
        return Response(404, b"<html><body>404 Not Found</body></html>", "text/html", "etherscan:404")
    if req.q("chainid") != "1":
        return _named(error(BAD_CHAIN), "etherscan:badchain")
    module, action = req.q("module"), req.q("action")
    handler = ROUTES.get((module, action))
    if handler is None:
        known = any(m == module for m, _ in ROUTES)
        return _named(error(BAD_ACTION if known else BAD_MODULE), f"etherscan:{module}/{action}")
    return _named(handler(req, view), f"etherscan:{module}/{action}")


def _named(resp: Response, endpoint: str) -> Response:
    resp.endpoint = endpoint
    return resp


def _blocks(req: Request, view: View, start: str = "startblock", end: str = "endblock") -> tuple[int, int]:
    tip = view.tip(ETHEREUM)
    lo, hi = req.q(start, default="0"), req.q(end, default="latest")
    lo_n = int(lo) if lo.isdigit() else 0
    hi_n = tip if hi in ("latest", "") or not hi.isdigit() else min(int(hi), tip)
    return lo_n, hi_n


def _page(req: Request, rows: list[Any], empty: str) -> Response:
    try:
        page = int(req.q("page", default="1"))
        offset = int(req.q("offset", default=str(MAX_RECORDS)))
    except ValueError:
        return error("Error! Invalid page or offset")
    if page * offset > MAX_RECORDS:
        return json_response({"status": "0", "message": WINDOW_TOO_LARGE, "result": None})
    if req.q("sort", default="asc") == "desc":
        rows = rows[::-1]
    chunk = rows[(page - 1) * offset: page * offset] if offset > 0 else rows[:MAX_RECORDS]
    if not chunk:
        return _env("0", empty, [])
    return _env("1", "OK", chunk)


def _address(req: Request, name: str = "address") -> str | None:
    a = req.q(name)
    return a.lower() if ADDRESS_RE.match(a) else None


def _in_range(items: Iterable[tuple[EvmTx, Any]], lo: int, hi: int) -> list[tuple[EvmTx, Any]]:
    return [(tx, x) for tx, x in items if lo <= tx.block <= hi]


def txlist(req: Request, view: View) -> Response:
    """``account/txlist``: top-level txs from or to the address."""
    addr = _address(req)
    if addr is None:
        return error(BAD_ADDRESS)
    lo, hi = _blocks(req, view)
    rows = [tx_row(tx, view) for tx in view.ix.evm_by_addr.get(addr, []) if lo <= tx.block <= hi]
    return _page(req, rows, "No transactions found")


def txlistinternal(req: Request, view: View) -> Response:
    """``account/txlistinternal`` by ``txhash`` or by ``address``."""
    if req.q("txhash"):
        h = req.q("txhash").lower()
        tx = view.ix.evm_by_hash.get(h)
        if not HASH_RE.match(h):
            return error("Error! Invalid transaction hash")
        rows = [internal_row(tx, c, view, with_hash=False) for c in tx.internal] if tx and view.eth_visible(
            tx.block) else []
        return _page(req, rows, "No transactions found")
    addr = _address(req)
    if addr is None:
        return error(BAD_ADDRESS)
    lo, hi = _blocks(req, view)
    items = _in_range(view.ix.internal_by_addr.get(addr, []), lo, hi)
    return _page(req, [internal_row(tx, c, view) for tx, c in items], "No transactions found")


def tokentx(req: Request, view: View) -> Response:
    """``account/tokentx`` by address and/or ``contractaddress``."""
    addr = _address(req) if req.q("address") else None
    contract = _address(req, "contractaddress") if req.q("contractaddress") else None
    if (req.q("address") and addr is None) or (req.q("contractaddress") and contract is None) or not (
            addr or contract):
        return error(BAD_ADDRESS)
    lo, hi = _blocks(req, view)
    if addr:
        items = view.ix.token_by_addr.get(addr, [])
    else:
        items = [(tx, tt) for tx in view.world.evm_txs for tt in tx.token_transfers]
        items.sort(key=lambda p: (p[0].block, p[0].tx_index))
    rows = [token_row(tx, tt, view) for tx, tt in _in_range(items, lo, hi)
            if contract is None or tt.contract == contract]
    return _page(req, rows, "No transactions found")


def native_balance(view: View, addr: str) -> int:
    """Wei held by ``addr`` at the visible tip (genesis + every visible movement)."""
    bal = dict(view.world.evm_genesis).get(addr, 0)
    for tx in view.ix.evm_by_addr.get(addr, []):
        if not view.eth_visible(tx.block):
            continue
        if tx.from_ == addr:
            bal -= tx.fee + (0 if tx.is_error else tx.value)
        if tx.to == addr and not tx.is_error:
            bal += tx.value
    for tx, call in view.ix.internal_by_addr.get(addr, []):
        if view.eth_visible(tx.block):
            bal += (call.value if call.to == addr else 0) - (call.value if call.from_ == addr else 0)
    return bal


def balance(req: Request, view: View) -> Response:
    """``account/balance``."""
    addr = _address(req)
    return error(BAD_ADDRESS) if addr is None else _env("1", "OK", str(native_balance(view, addr)))


def balancemulti(req: Request, view: View) -> Response:
    """``account/balancemulti`` (up to 20 comma-separated addresses)."""
    addrs = [a.strip() for a in req.q("address").split(",") if a.strip()]
    if not addrs or len(addrs) > 20 or not all(ADDRESS_RE.match(a) for a in addrs):
        return error(BAD_ADDRESS)
    return _env("1", "OK", [{"account": a, "balance": str(native_balance(view, a.lower()))} for a in addrs])


def tokenbalance(req: Request, view: View) -> Response:
    """``account/tokenbalance``."""
    addr, contract = _address(req), _address(req, "contractaddress")
    if addr is None or contract is None:
        return error(BAD_ADDRESS)
    bal = sum(v for c, h, v in view.world.token_genesis if c == contract and h == addr)
    for tx, tt in view.ix.token_by_addr.get(addr, []):
        if tt.contract == contract and view.eth_visible(tx.block):
            bal += (tt.value if tt.to == addr else 0) - (tt.value if tt.from_ == addr else 0)
    return _env("1", "OK", str(bal))


def get_logs(req: Request, view: View) -> Response:
    """``logs/getLogs`` filtered by address and topics (and/or per ``topicX_Y_opr``)."""
    address = req.q("address").lower()
    topics = {i: req.q(f"topic{i}").lower() for i in range(4) if req.q(f"topic{i}")}
    if not address and not topics:
        return error("Error! Missing address or topic parameter")
    if address and not ADDRESS_RE.match(address):
        return error(BAD_ADDRESS)
    lo, hi = _blocks(req, view, "fromBlock", "toBlock")
    rows: list[dict[str, str]] = []
    txs = view.ix.evm_by_addr.get(address, []) if address else sorted(
        view.world.evm_txs, key=lambda t: (t.block, t.tx_index))
    seen: set[str] = set()
    for tx in txs:
        if not lo <= tx.block <= hi or tx.hash in seen:
            continue
        seen.add(tx.hash)
        for lg in all_logs(tx):
            if address and lg.address != address:
                continue
            if not _topics_match(req, topics, lg.topics):
                continue
            rows.append(log_row(tx, lg, view))
    if address:  # logs emitted by a contract are not only in txs sent *to* it: scan the rest too
        for tx in view.world.evm_txs:
            if tx.hash in seen or not lo <= tx.block <= hi:
                continue
            rows.extend(log_row(tx, lg, view) for lg in all_logs(tx)
                        if lg.address == address and _topics_match(req, topics, lg.topics))
        rows.sort(key=lambda r: (int(r["blockNumber"], 16), int(r["transactionIndex"], 16), int(r["logIndex"], 16)))
    return _page(req, rows, "No records found")


def _topics_match(req: Request, want: dict[int, str], have: tuple[str, ...]) -> bool:
    results: list[tuple[int, bool]] = []
    for i, t in sorted(want.items()):
        results.append((i, i < len(have) and have[i].lower() == t))
    if not results:
        return True
    ok = results[0][1]
    for (i_prev, _), (i, r) in zip(results, results[1:], strict=False):
        op = req.q(f"topic{i_prev}_{i}_opr", default="and")
        ok = (ok or r) if op == "or" else (ok and r)
    return ok


def getblocknobytime(req: Request, view: View) -> Response:
    """``block/getblocknobytime``."""
    ts = req.q("timestamp")
    if not ts.isdigit():
        return error("Error! Invalid timestamp")
    closest = req.q("closest", default="before")
    h = view.world.clocks[ETHEREUM].height_at(int(ts), "after" if closest == "after" else "before")
    if h > view.tip(ETHEREUM):
        return error("Error! No closest block found")
    return _env("1", "OK", str(h))


def _rpc(result: Any) -> Response:
    return json_response({"jsonrpc": "2.0", "id": 1, "result": result})


def eth_block_number(req: Request, view: View) -> Response:
    """``proxy/eth_blockNumber``."""
    return _rpc(hex(view.tip(ETHEREUM)))


def _visible_tx(req: Request, view: View) -> EvmTx | None:
    tx = view.ix.evm_by_hash.get(req.q("txhash").lower())
    return tx if tx and view.eth_visible(tx.block) else None


def eth_get_transaction(req: Request, view: View) -> Response:
    """``proxy/eth_getTransactionByHash`` (JSON-RPC shape, hex quantities)."""
    tx = _visible_tx(req, view)
    return _rpc(None if tx is None else rpc_tx(tx, view))


def eth_get_block(req: Request, view: View) -> Response:
    """``proxy/eth_getBlockByNumber`` (``tag`` hex or ``latest``; ``boolean=true`` for full txs)."""
    tag = req.q("tag", default="latest")
    try:
        height = view.tip(ETHEREUM) if tag == "latest" else int(tag, 16)
    except ValueError:
        return json_response({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "invalid argument 0: "
                              "hex string without 0x prefix"}})
    if height > view.tip(ETHEREUM):
        return _rpc(None)
    clock = view.world.clocks[ETHEREUM]
    txs = view.ix.evm_by_block.get(height, [])
    full = req.q("boolean").lower() == "true"
    return _rpc({
        "number": hex(height), "hash": "0x" + clock.block_hash(ETHEREUM, height),
        "parentHash": "0x" + clock.block_hash(ETHEREUM, height - 1), "timestamp": hex(clock.time_of(height)),
        "gasLimit": hex(30_000_000), "gasUsed": hex(sum(t.gas_used for t in txs)), "baseFeePerGas": hex(10**9),
        "miner": "0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5",
        "transactions": [rpc_tx(t, view) for t in txs] if full else [t.hash for t in txs],
    })


def eth_get_receipt(req: Request, view: View) -> Response:
    """``proxy/eth_getTransactionReceipt`` with every log (token Transfers included)."""
    tx = _visible_tx(req, view)
    if tx is None:
        return _rpc(None)
    bh = "0x" + view.world.clocks[ETHEREUM].block_hash(ETHEREUM, tx.block)
    logs = [{"address": lg.address, "topics": list(lg.topics), "data": lg.data, "blockNumber": hex(tx.block),
             "blockHash": bh, "transactionHash": tx.hash, "transactionIndex": hex(tx.tx_index),
             "logIndex": hex(lg.log_index), "removed": False} for lg in all_logs(tx)]
    return _rpc({
        "blockHash": bh, "blockNumber": hex(tx.block), "contractAddress": None, "from": tx.from_, "to": tx.to,
        "cumulativeGasUsed": hex(tx.gas_used * (tx.tx_index + 1)), "effectiveGasPrice": hex(tx.gas_price),
        "gasUsed": hex(tx.gas_used), "logs": logs, "status": "0x0" if tx.is_error else "0x1",
        "transactionHash": tx.hash, "transactionIndex": hex(tx.tx_index), "type": "0x0",
    })


ROUTES: dict[tuple[str, str], Callable[[Request, View], Response]] = {
    ("account", "txlist"): txlist,
    ("account", "txlistinternal"): txlistinternal,
    ("account", "tokentx"): tokentx,
    ("account", "balance"): balance,
    ("account", "balancemulti"): balancemulti,
    ("account", "tokenbalance"): tokenbalance,
    ("logs", "getLogs"): get_logs,
    ("block", "getblocknobytime"): getblocknobytime,
    ("proxy", "eth_blockNumber"): eth_block_number,
    ("proxy", "eth_getTransactionByHash"): eth_get_transaction,
    ("proxy", "eth_getTransactionReceipt"): eth_get_receipt,
    ("proxy", "eth_getBlockByNumber"): eth_get_block,
}
