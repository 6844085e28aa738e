"""THORChain Midgard v2 dialect (``/midgard``): ``/v2/actions`` by txid or address, token paging, 1e8 amounts."""

from __future__ import annotations

from typing import Any

from tracer.sandbox.server.common import Request, Response, View, decode_cursor, encode_cursor, json_response
from tracer.sandbox.world import ThorAction, ThorLeg

MAX_LIMIT = 50


def rate_limited() -> Response:
    """Midgard has no documented limit; a proxy in front answers 429."""
    return json_response({"error": "too many requests"}, 429, "midgard:ratelimit")


def _leg(leg: ThorLeg) -> dict[str, Any]:
    return {"address": leg.address, "coins": [{"amount": str(leg.amount), "asset": leg.asset}],
            "txID": leg.txid.removeprefix("0x").upper()}


def _visible(view: View, act: ThorAction) -> tuple[bool, bool]:
    """(shown at all, completed): shown once the inbound is visible; complete once the outbound is."""
    inbound = act.in_legs[0].txid
    tx = view.ix.evm_by_hash.get(inbound.lower())
    shown = tx is None or view.eth_visible(tx.block)
    done = act.visible_block <= view.tip(act.visible_chain)
    return shown, done


def action_json(act: ThorAction, done: bool) -> dict[str, Any]:
    """One action in Midgard's shape (outs only once the outbound exists)."""
    fees = [{"asset": a, "amount": str(v)} for a, v in act.network_fees]
    if act.type == "refund":
        meta: dict[str, Any] = {"refund": {"affiliateAddress": "", "affiliateFee": "0", "memo": act.memo,
                                           "networkFees": fees, "reason": act.reason, "txType": "refund"}}
    else:
        meta = {"swap": {
            "affiliateAddress": "", "affiliateFee": "0", "isStreamingSwap": act.is_streaming,
            "liquidityFee": str(act.liquidity_fee), "memo": act.memo, "networkFees": fees if done else [],
            "swapSlip": "3", "swapTarget": "0", "txType": "swap", "inPriceUSD": "2650.00", "outPriceUSD": "95500.00",
            **({"streamingSwapMeta": {"count": str(act.streaming_quantity if done else 1),
                                      "quantity": str(act.streaming_quantity), "interval": "3"}}
               if act.is_streaming else {}),
        }}
    return {
        "date": str(act.date * 1_000_000_000), "height": str(act.height), "in": [_leg(x) for x in act.in_legs],
        "metadata": meta, "out": [_leg(x) for x in act.out_legs] if done else [], "pools": list(act.pools),
        "status": "success" if done else "pending", "type": act.type,
    }


def handle(req: Request, view: View) -> Response:
    """``/v2/actions`` (other Midgard routes answer 404)."""
    if req.path.rstrip("/") != "/v2/actions":
        return Response(404, b"404 page not found", "text/plain", "midgard:404")
    endpoint = "midgard:/v2/actions"
    limit_s = req.q("limit", default="50")
    if not limit_s.isdigit() or not 0 < int(limit_s) <= MAX_LIMIT:
        return Response(400, f"limit must be between 1 and {MAX_LIMIT}".encode(), "text/plain", endpoint)
    limit = int(limit_s)
    if req.q("txid"):
        key = req.q("txid").lower().removeprefix("0x")
        acts = list(view.ix.thor_by_txid.get(key, []))
    elif req.q("address"):
        acts = []
        for a in req.q("address").split(","):
            acts += view.ix.thor_by_addr.get(a.strip().lower(), [])
    else:
        acts = list(view.world.thor_actions)
    types = {t for t in req.q("type").split(",") if t}
    uniq: dict[int, ThorAction] = {id(a): a for a in acts if not types or a.type in types}
    rows = [(a, done) for a in uniq.values() for shown, done in [_visible(view, a)] if shown]
    rows.sort(key=lambda r: -r[0].date)  # newest first
    salt = "midgard:" + ",".join(sorted(f"{k}={v}" for k, v in req.query.items()
                                        if k not in ("nextPageToken", "prevPageToken", "offset")))
    offset = int(req.q("offset", default="0")) if req.q("offset").isdigit() else 0
    if req.q("nextPageToken"):
        got = decode_cursor(req.q("nextPageToken"), salt)
        if got is None:
            return Response(400, b"invalid nextPageToken", "text/plain", endpoint)
        offset = got
    chunk = rows[offset:offset + limit]
    meta: dict[str, str] = {}
    if offset + limit < len(rows):
        meta["nextPageToken"] = encode_cursor(offset + limit, salt)
    if offset > 0:
        meta["prevPageToken"] = encode_cursor(max(0, offset - limit), salt)
    return json_response({"actions": [action_json(a, d) for a, d in chunk], "count": str(len(rows)), "meta": meta},
                         endpoint=endpoint)
