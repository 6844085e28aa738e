"""TronGrid v1 dialect (``/trongrid``): account txs and TRC-20 transfers with fingerprint paging, wallet calls."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

import base58

from tracer.sandbox.codec import tron_to_hex
from tracer.sandbox.server.common import (
    Request,
    Response,
    View,
    decode_cursor,
    encode_cursor,
    json_response,
)
from tracer.sandbox.world import TRON, TronTx

MAX_LIMIT = 200
TRC20_TRANSFER_SIG = "a9059cbb"


def rate_limited() -> Response:
    """TronGrid's ban answer for keyless clients over the frequency limit."""
    return json_response({"success": False, "error": "The key exceeds the frequency limit(15), and the query server "
                          "is suspended for 30s", "statusCode": 403}, 403, "trongrid:ratelimit")


def _err(msg: str, status: int = 400) -> Response:
    return json_response({"success": False, "error": msg, "statusCode": status}, status)


def to_base58(addr: str) -> str | None:
    """Accept base58 ``T…`` or hex ``41…``; return base58, or None if invalid."""
    try:
        if addr.startswith("T"):
            raw = base58.b58decode_check(addr)
        else:
            raw = bytes.fromhex(addr.removeprefix("0x"))
    except ValueError:
        return None
    if len(raw) != 21 or raw[0] != 0x41:
        return None
    return base58.b58encode_check(raw).decode()


def _ms(view: View, block: int) -> int:
    return view.time_of(TRON, block) * 1000


def tx_json(tx: TronTx, view: View) -> dict[str, Any]:
    """java-tron form of a transaction (hex ``41…`` addresses inside ``raw_data``)."""
    if tx.contract_type == "TransferContract":
        value: dict[str, Any] = {"amount": tx.amount, "owner_address": tron_to_hex(tx.owner),
                                 "to_address": tron_to_hex(tx.to)}
    else:
        data = ""
        if tx.trc20:
            t = tx.trc20[0]
            data = TRC20_TRANSFER_SIG + tron_to_hex(t.to)[2:].rjust(64, "0") + f"{t.value:064x}"
        value = {"data": data, "owner_address": tron_to_hex(tx.owner), "contract_address": tron_to_hex(tx.to)}
    ts = _ms(view, tx.block)
    raw = {
        "contract": [{"parameter": {"value": value, "type_url": f"type.googleapis.com/protocol.{tx.contract_type}"},
                      "type": tx.contract_type}],
        "ref_block_bytes": f"{tx.block & 0xFFFF:04x}", "ref_block_hash": hashlib.sha256(str(tx.block).encode())
        .hexdigest()[:16], "expiration": ts + 60_000, "timestamp": ts - 3_000,
    }
    if tx.contract_type == "TriggerSmartContract":
        raw["fee_limit"] = 100_000_000
    return {
        "ret": [{"contractRet": tx.ret, "fee": tx.fee}], "signature": [hashlib.sha256(tx.txid.encode()).hexdigest() * 2],
        "txID": tx.txid, "net_usage": 0, "raw_data_hex": "0a02" + tx.txid[:60], "net_fee": 345 if tx.fee else 0,
        "energy_usage": 0, "blockNumber": tx.block, "block_timestamp": ts, "energy_fee": tx.fee,
        "energy_usage_total": 64_285 if tx.contract_type == "TriggerSmartContract" else 0, "raw_data": raw,
        "internal_transactions": [],
    }


def _meta(req: Request, view: View, total: int, offset: int, limit: int, salt: str, path: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"at": view.time_of(TRON, view.tip(TRON)) * 1000, "page_size": min(limit, total - offset)}
    if offset + limit < total:
        fp = encode_cursor(offset + limit, salt)
        meta["fingerprint"] = fp
        params = {k: v for k, v in req.query.items() if k != "fingerprint"}
        params["fingerprint"] = fp
        meta["links"] = {"next": f"{req.base_url}{path}?{urlencode(params)}"}
    return meta


def _paging(req: Request) -> tuple[int, str, int | None, int | None] | Response:
    limit_s = req.q("limit", default="20")
    if not limit_s.isdigit() or not 0 < int(limit_s) <= MAX_LIMIT:
        return _err(f"limit must be between 1 and {MAX_LIMIT}")
    order = req.q("order_by", "orderBy", default="block_timestamp,desc")
    lo = req.q("min_timestamp", "minTimestamp")
    hi = req.q("max_timestamp", "maxTimestamp")
    return int(limit_s), order, int(lo) if lo.isdigit() else None, int(hi) if hi.isdigit() else None


def _flag(req: Request, *names: str) -> bool:
    return req.q(*names).lower() == "true"


def account_txs(req: Request, view: View, addr: str, path: str) -> Response:
    """``/v1/accounts/{a}/transactions``."""
    p = _paging(req)
    if isinstance(p, Response):
        return p
    limit, order, lo, hi = p
    only_from, only_to = _flag(req, "only_from", "onlyFrom"), _flag(req, "only_to", "onlyTo")
    rows = []
    for tx in view.ix.tron_by_addr.get(addr, []):
        ms = _ms(view, tx.block)
        if not view.tron_visible(tx.block) or (lo is not None and ms < lo) or (hi is not None and ms > hi):
            continue
        if (only_from and tx.owner != addr) or (only_to and tx.to != addr):
            continue
        rows.append(tx)
    return _page(req, view, rows, limit, order, f"tx:{addr}", path, lambda t: tx_json(t, view))


def trc20_txs(req: Request, view: View, addr: str, path: str) -> Response:
    """``/v1/accounts/{a}/transactions/trc20``."""
    p = _paging(req)
    if isinstance(p, Response):
        return p
    limit, order, lo, hi = p
    only_from, only_to = _flag(req, "only_from", "onlyFrom"), _flag(req, "only_to", "onlyTo")
    contract = req.q("contract_address", "contractAddress")
    rows = []
    for tx, tr in view.ix.trc20_by_addr.get(addr, []):
        ms = _ms(view, tx.block)
        if not view.tron_visible(tx.block) or (lo is not None and ms < lo) or (hi is not None and ms > hi):
            continue
        if (only_from and tr.from_ != addr) or (only_to and tr.to != addr) or (contract and tr.contract != contract):
            continue
        rows.append((tx, tr))

    def item(pair: tuple[TronTx, Any]) -> dict[str, Any]:
        tx, tr = pair
        tok = view.ix.tokens.get(tr.contract)
        info = {"symbol": "USDT", "address": tr.contract, "decimals": 6, "name": "Tether USD"} if tok is None else {
            "symbol": tok.symbol, "address": tok.contract, "decimals": tok.decimals, "name": tok.name}
        return {"transaction_id": tx.txid, "token_info": info, "block_timestamp": _ms(view, tx.block),
                "from": tr.from_, "to": tr.to, "type": "Transfer", "value": str(tr.value)}

    return _page(req, view, rows, limit, order, f"trc20:{addr}", path, item)


def _page(req: Request, view: View, rows: list[Any], limit: int, order: str, salt: str, path: str,
          render: Any) -> Response:
    if not order.endswith(",asc"):
        rows = rows[::-1]
    offset = 0
    fp = req.q("fingerprint")
    if fp:
        got = decode_cursor(fp, salt)
        if got is None:
            return _err("Invalid fingerprint")
        offset = got
    chunk = rows[offset:offset + limit]
    return json_response({"data": [render(r) for r in chunk], "success": True,
                          "meta": _meta(req, view, len(rows), offset, limit, salt, path)})


def _event_rows(tx: TronTx, view: View) -> list[dict[str, Any]]:
    """TronGrid event objects of one tx (Transfer events first, then the others), hex 0x addresses in results."""
    base = {"block_number": tx.block, "block_timestamp": _ms(view, tx.block), "caller_contract_address": tx.to,
            "contract_address": tx.to, "transaction_id": tx.txid}
    data: list[dict[str, Any]] = []
    for tr in tx.trc20:
        f, t = "0x" + tron_to_hex(tr.from_)[2:], "0x" + tron_to_hex(tr.to)[2:]
        data.append({**base, "event_index": tr.event_index, "event_name": "Transfer",
                     "event": "Transfer(address indexed from, address indexed to, uint256 value)",
                     "result": {"0": f, "1": t, "2": str(tr.value), "from": f, "to": t, "value": str(tr.value)},
                     "result_type": {"from": "address", "to": "address", "value": "uint256"}})
    for ev in tx.events:
        res = {k: ("0x" + tron_to_hex(v)[2:] if v.startswith("T") else v) for k, v in ev.params}
        data.append({**base, "event_index": ev.event_index, "event_name": ev.name,
                     "event": f"{ev.name}(address _user)", "result": {"0": next(iter(res.values()), ""), **res},
                     "result_type": {k: "address" for k, _ in ev.params}})
    return data


def events(view: View, txid: str) -> Response:
    """``/v1/transactions/{id}/events``."""
    tx = view.ix.tron_by_id.get(txid.lower())
    data = _event_rows(tx, view) if tx is not None and view.tron_visible(tx.block) else []
    return json_response({"data": data, "success": True, "meta": {"at": _ms(view, view.tip(TRON)),
                                                                  "page_size": len(data)}})


def contract_events(req: Request, view: View, contract: str, path: str) -> Response:
    """``/v1/contracts/{a}/events?event_name=`` with block-timestamp bounds and fingerprint paging."""
    limit_s = req.q("limit", default="20")
    if not limit_s.isdigit() or not 0 < int(limit_s) <= MAX_LIMIT:
        return _err(f"limit must be between 1 and {MAX_LIMIT}")
    name = req.q("event_name", "eventName")
    lo, hi = req.q("min_block_timestamp", "minBlockTimestamp"), req.q("max_block_timestamp", "maxBlockTimestamp")
    rows: list[dict[str, Any]] = []
    for tx in view.ix.tron_by_addr.get(contract, []):
        ms = _ms(view, tx.block)
        if not view.tron_visible(tx.block) or (lo.isdigit() and ms < int(lo)) or (hi.isdigit() and ms > int(hi)):
            continue
        rows += [e for e in _event_rows(tx, view) if e["contract_address"] == contract
                 and (not name or e["event_name"] == name)]
    order = req.q("order_by", "orderBy", default="block_timestamp,desc")
    return _page(req, view, rows, int(limit_s), order, f"ev:{contract}:{name}", path, lambda r: r)


def account(view: View, addr: str) -> Response:
    """``/v1/accounts/{a}``: TRX balance (sun) and TRC-20 balances; empty data for an unseen address."""
    txs = [t for t in view.ix.tron_by_addr.get(addr, []) if view.tron_visible(t.block)]
    moves = [(t, tr) for t, tr in view.ix.trc20_by_addr.get(addr, []) if view.tron_visible(t.block)]
    if not txs:  # never received TRX nor sent anything: not activated, TronGrid answers an empty list
        return json_response({"data": [], "success": True, "meta": {"at": _ms(view, view.tip(TRON)), "page_size": 0}})
    trx = sum((t.amount if t.to == addr else 0) - (t.amount + t.fee if t.owner == addr else 0) for t in txs)
    tokens: dict[str, int] = {}
    for _, tr in moves:
        tokens[tr.contract] = tokens.get(tr.contract, 0) + (tr.value if tr.to == addr else 0) - (
            tr.value if tr.from_ == addr else 0)
    first = min([_ms(view, t.block) for t in txs] + [_ms(view, t.block) for t, _ in moves])
    account: dict[str, Any] = {"address": tron_to_hex(addr), "balance": max(0, trx), "create_time": first,
                               "trc20": [{c: str(max(0, v))} for c, v in tokens.items()]}
    signed = [_ms(view, t.block) for t in txs if t.owner == addr]
    if signed:  # java-tron stamps the account whose bandwidth or energy paid for a tx (spelling as served)
        account["latest_opration_time"] = max(signed)
    return json_response({"data": [account], "success": True,
                          "meta": {"at": _ms(view, view.tip(TRON)), "page_size": 1}})


def transaction_info(view: View, txid: str) -> Response:
    """``/wallet/gettransactioninfobyid``: block, time, fee, logs; ``{}`` when unknown."""
    tx = view.ix.tron_by_id.get(txid.lower())
    if tx is None or not view.tron_visible(tx.block):
        return json_response({})
    info: dict[str, Any] = {"id": tx.txid, "fee": tx.fee, "blockNumber": tx.block,
                            "blockTimeStamp": _ms(view, tx.block), "contractResult": [""],
                            "receipt": {"net_usage": 345} if not tx.fee else {
                                "energy_fee": tx.fee, "energy_usage_total": 64_285, "net_usage": 345,
                                "result": "SUCCESS"}}
    if tx.contract_type == "TriggerSmartContract":
        info["contract_address"] = tron_to_hex(tx.to)
    return json_response(info)


def now_block(view: View) -> Response:
    """``/wallet/getnowblock``."""
    tip = view.tip(TRON)
    block_id = f"{tip:016x}" + hashlib.sha256(f"tron:{tip}".encode()).hexdigest()[16:]
    return json_response({"blockID": block_id, "block_header": {"raw_data": {
        "number": tip, "txTrieRoot": "0" * 64, "witness_address": "41" + "00" * 20,
        "parentHash": f"{tip - 1:016x}" + "0" * 48, "version": 31, "timestamp": _ms(view, tip)}}})


def handle(req: Request, view: View) -> Response:
    """Dispatch one TronGrid call."""
    parts = [p for p in req.path.split("/") if p]
    if parts[:2] == ["v1", "accounts"] and len(parts) >= 4 and parts[3] == "transactions":
        addr = to_base58(parts[2])
        route = "trongrid:/v1/accounts/:a/transactions" + ("/trc20" if parts[4:] == ["trc20"] else "")
        if addr is None:
            return _named(_err("Invalid address"), route)
        path = "/" + "/".join(parts)
        if parts[4:] == ["trc20"]:
            return _named(trc20_txs(req, view, addr, path), route)
        if not parts[4:]:
            return _named(account_txs(req, view, addr, path), route)
    if parts[:2] == ["v1", "accounts"] and len(parts) == 3:
        addr = to_base58(parts[2])
        return _named(_err("Invalid address") if addr is None else account(view, addr), "trongrid:/v1/accounts/:a")
    if parts[:2] == ["v1", "contracts"] and len(parts) == 4 and parts[3] == "events":
        contract = to_base58(parts[2])
        route = "trongrid:/v1/contracts/:a/events"
        if contract is None:
            return _named(_err("Invalid address"), route)
        return _named(contract_events(req, view, contract, "/" + "/".join(parts)), route)
    if parts == ["wallet", "gettransactioninfobyid"]:
        return _named(transaction_info(view, _value(req)), "trongrid:/wallet/gettransactioninfobyid")
    if parts[:2] == ["v1", "transactions"] and len(parts) == 4 and parts[3] == "events":
        return _named(events(view, parts[2]), "trongrid:/v1/transactions/:id/events")
    if parts == ["wallet", "getnowblock"]:
        return _named(now_block(view), "trongrid:/wallet/getnowblock")
    if parts == ["wallet", "gettransactionbyid"]:
        tx = view.ix.tron_by_id.get(_value(req).lower())
        body = tx_json(tx, view) if tx and view.tron_visible(tx.block) else {}
        return _named(json_response(body), "trongrid:/wallet/gettransactionbyid")
    return _named(_err("Not Found", 404), "trongrid:404")


def _value(req: Request) -> str:
    """The ``value`` parameter of a wallet call: JSON body (POST) or query string (GET)."""
    if req.body:
        try:
            return str(json.loads(req.body).get("value", ""))
        except (ValueError, AttributeError):
            return ""
    return req.q("value")


def _named(resp: Response, endpoint: str) -> Response:
    resp.endpoint = endpoint
    return resp
