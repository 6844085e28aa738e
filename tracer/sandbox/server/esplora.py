"""Blockstream Esplora REST dialect (``/esplora``): addresses, txs, outspends, tip. Amounts in sat."""

from __future__ import annotations

import re
from typing import Any

from chains.addresses import is_valid_address
from tracer.model import Chain
from tracer.sandbox.codec import btc_script
from tracer.sandbox.server.common import Request, Response, View, json_response, text_response
from tracer.sandbox.world import BITCOIN, BtcTx

PAGE = 25  # electrs CHAIN_TXS_PER_PAGE
TXID_RE = re.compile(r"^[0-9a-f]{64}$")
DEFAULT_HISTORY_LIMIT = 500  # like electrs' per-address history cap: bigger addresses get HTTP 400


def rate_limited() -> Response:
    """The Blockstream rate-limit answer (429, no Retry-After)."""
    return json_response("Blockstream Explorer API NOTICE: Your request rate exceeds the current limit", 429,
                         "esplora:ratelimit")


def valid_address(a: str) -> bool:
    """Checksum-valid mainnet address (bech32 v0, bech32m v1+, base58 P2PKH/P2SH)."""
    return is_valid_address(Chain.BITCOIN, a)


def _status(tx: BtcTx, view: View) -> dict[str, Any]:
    clock = view.world.clocks[BITCOIN]
    return {"confirmed": True, "block_height": tx.block, "block_hash": clock.block_hash(BITCOIN, tx.block),
            "block_time": clock.time_of(tx.block)}


def tx_json(tx: BtcTx, view: View) -> dict[str, Any]:
    """Esplora's tx JSON (prevouts inline)."""
    vin = []
    for i in tx.vin:
        spk, asm, kind = btc_script(i.address)
        vin.append({
            "txid": i.prev_txid, "vout": i.prev_vout, "is_coinbase": False, "scriptsig": "", "scriptsig_asm": "",
            "witness": ["30" * 36, "02" + "11" * 32], "sequence": 4294967293,
            "prevout": {"scriptpubkey": spk, "scriptpubkey_asm": asm, "scriptpubkey_type": kind,
                        "scriptpubkey_address": i.address, "value": i.value},
        })
    vout = []
    for o in tx.vout:
        spk, asm, kind = btc_script(o.address, o.op_return)
        row: dict[str, Any] = {"scriptpubkey": spk, "scriptpubkey_asm": asm, "scriptpubkey_type": kind,
                               "value": o.value}
        if o.address is not None:
            row["scriptpubkey_address"] = o.address
        vout.append(row)
    size = 10 + 68 * len(vin) + 34 * len(vout)
    return {"txid": tx.txid, "version": 2, "locktime": 0, "vin": vin, "vout": vout, "size": size,
            "weight": size * 3, "fee": tx.fee, "status": _status(tx, view)}


def _history(view: View, addr: str) -> list[BtcTx]:
    """Visible confirmed txs of ``addr``, newest first."""
    txs = [t for t in view.ix.btc_by_addr.get(addr, []) if view.btc_visible(t.block)]
    return txs[::-1]


def handle(req: Request, view: View, history_limit: int = DEFAULT_HISTORY_LIMIT) -> Response:
    """Dispatch one Esplora call."""
    parts = [p for p in req.path.split("/") if p]
    if parts[:1] == ["api"]:  # mempool.space puts everything under /api
        parts = parts[1:]
    if parts == ["blocks", "tip", "height"]:
        return text_response(str(view.tip(BITCOIN)), endpoint="esplora:/blocks/tip/height")
    if parts == ["blocks", "tip", "hash"]:
        tip = view.tip(BITCOIN)
        return text_response(view.world.clocks[BITCOIN].block_hash(BITCOIN, tip), endpoint="esplora:/blocks/tip/hash")
    if len(parts) == 2 and parts[0] == "block-height" and parts[1].isdigit():
        h = int(parts[1])
        if h > view.tip(BITCOIN):
            return text_response("Block not found", 404, "esplora:/block-height/:h")
        return text_response(view.world.clocks[BITCOIN].block_hash(BITCOIN, h), endpoint="esplora:/block-height/:h")
    if len(parts) >= 2 and parts[0] == "tx":
        return _tx(parts, view)
    if len(parts) >= 2 and parts[0] == "address":
        return _address(parts, view, history_limit)
    return text_response("Not Found", 404, "esplora:404")


def _tx(parts: list[str], view: View) -> Response:
    txid = parts[1].lower()
    route = "esplora:/tx/:txid" + "".join("/" + p if not p.isdigit() else "/:vout" for p in parts[2:])
    if not TXID_RE.match(txid):
        return text_response("Invalid hex string", 400, route)
    tx = view.ix.btc_by_txid.get(txid)
    if tx is None or not view.btc_visible(tx.block):
        return text_response("Transaction not found", 404, route)
    rest = parts[2:]
    if not rest:
        return json_response(tx_json(tx, view), endpoint=route)
    if rest == ["status"]:
        return json_response(_status(tx, view), endpoint=route)
    if rest == ["outspends"]:
        return json_response([_outspend(view, txid, n) for n in range(len(tx.vout))], endpoint=route)
    if len(rest) == 2 and rest[0] == "outspend" and rest[1].isdigit():
        return json_response(_outspend(view, txid, int(rest[1])), endpoint=route)
    if rest == ["hex"]:
        return text_response(tx.txid * 4, endpoint=route)
    return text_response("Not Found", 404, route)


def _outspend(view: View, txid: str, n: int) -> dict[str, Any]:
    hit = view.ix.spends.get((txid, n))
    if hit is None or not view.btc_visible(hit[0].block):
        return {"spent": False}
    spender, vin = hit
    return {"spent": True, "txid": spender.txid, "vin": vin, "status": _status(spender, view)}


def _address(parts: list[str], view: View, history_limit: int) -> Response:
    addr = parts[1]
    rest = parts[2:]
    route = "esplora:/address/:a" + "".join("/" + p for p in rest[:2])
    if len(rest) == 3:
        route += "/:last_seen_txid"
    if not valid_address(addr):
        return text_response("Invalid Bitcoin address", 400, route)
    history = _history(view, addr)
    if not rest:
        return json_response(_stats(view, addr, history), endpoint=route)
    if rest == ["utxo"]:
        return json_response(_utxos(view, addr, history), endpoint=route)
    if rest == ["txs", "mempool"]:
        return json_response([], endpoint=route)
    if rest[0] != "txs" or (len(rest) > 1 and rest[1] != "chain"):
        return text_response("Not Found", 404, route)
    if len(history) > history_limit:
        return text_response("Too many history entries", 400, route)
    start = 0
    if len(rest) == 3:
        ids = [t.txid for t in history]
        if rest[2] not in ids:
            return json_response([], endpoint=route)
        start = ids.index(rest[2]) + 1
    return json_response([tx_json(t, view) for t in history[start:start + PAGE]], endpoint=route)


def _stats(view: View, addr: str, history: list[BtcTx]) -> dict[str, Any]:
    funded = [(t, n, o.value) for t in history for n, o in enumerate(t.vout) if o.address == addr]
    spent = [i.value for t in history for i in t.vin if i.address == addr]
    zero = {"funded_txo_count": 0, "funded_txo_sum": 0, "spent_txo_count": 0, "spent_txo_sum": 0, "tx_count": 0}
    return {
        "address": addr,
        "chain_stats": {"funded_txo_count": len(funded), "funded_txo_sum": sum(v for _, _, v in funded),
                        "spent_txo_count": len(spent), "spent_txo_sum": sum(spent), "tx_count": len(history)},
        "mempool_stats": zero,
    }


def _utxos(view: View, addr: str, history: list[BtcTx]) -> list[dict[str, Any]]:
    rows = []
    for t in history:
        for n, o in enumerate(t.vout):
            if o.address == addr and not _outspend(view, t.txid, n)["spent"]:
                rows.append({"txid": t.txid, "vout": n, "status": _status(t, view), "value": o.value})
    return rows
