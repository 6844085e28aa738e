"""CoinGecko v3 dialect (``/coingecko/api/v3``): ``/ping`` and ``/coins/{id}/market_chart/range`` from the world's prices."""

from __future__ import annotations

from decimal import Decimal

from tracer.sandbox.server.common import Request, Response, View, json_response


def rate_limited() -> Response:
    """CoinGecko's throttling answer."""
    return json_response({"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit. Please "
                                     "visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans "
                                     "for higher rate limits."}}, 429, "coingecko:ratelimit")


def handle(req: Request, view: View) -> Response:
    """Dispatch one CoinGecko call."""
    parts = [p for p in req.path.split("/") if p]
    if parts[:2] == ["api", "v3"]:
        parts = parts[2:]
    if parts == ["ping"]:
        return json_response({"gecko_says": "(V3) To the Moon!"}, endpoint="coingecko:/ping")
    if len(parts) == 4 and parts[0] == "coins" and parts[2:] == ["market_chart", "range"]:
        endpoint = "coingecko:/coins/:id/market_chart/range"
        coin = parts[1]
        if req.q("vs_currency") != "usd":
            return json_response({"error": "invalid vs_currency"}, 400, endpoint)
        try:
            lo, hi = int(float(req.q("from"))), int(float(req.q("to")))
        except ValueError:
            return json_response({"error": "invalid from/to"}, 400, endpoint)
        rows = [(ts, p) for c, ts, p in view.world.prices if c == coin]
        if not rows:
            return json_response({"error": "coin not found"}, 404, endpoint)
        pts = [[ts * 1000, float(Decimal(p))] for ts, p in rows if lo <= ts <= hi]
        caps = [[ms, round(p * 120_000_000, 2)] for ms, p in pts]
        vols = [[ms, round(p * 9_000_000, 2)] for ms, p in pts]
        return json_response({"prices": pts, "market_caps": caps, "total_volumes": vols}, endpoint=endpoint)
    return json_response({"error": "Not Found"}, 404, "coingecko:404")
