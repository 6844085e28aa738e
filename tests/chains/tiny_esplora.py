"""A tiny Esplora over real loopback HTTP, built from a handful of transactions, counting requests per route.

Routes: ``/blocks/tip/height``, ``/tx/:id``, ``/tx/:id/outspends``, ``/address/:a/txs/chain[/:last]`` (25 per
page, newest first) -- the JSON shapes of Blockstream's API (prevouts inline, confirmed status).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from chains.addresses import btc_p2wpkh
from chains.testing import HttpReply, HttpRequest, LoopbackServer
from tracer.sandbox.codec import btc_script

PAGE = 25
T0 = 1_740_000_000


def address(name: str) -> str:
    """A valid bech32 address named after ``name``."""
    return btc_p2wpkh(hashlib.sha256(name.encode()).digest()[:20])


def txid(name: str) -> str:
    """A txid named after ``name``."""
    return hashlib.sha256(name.encode()).hexdigest()


@dataclass(frozen=True)
class Tx:
    """A confirmed transaction: inputs are (prev txid, vout, address, sat), outputs (address, sat)."""

    txid: str
    block: int
    ins: tuple[tuple[str, int, str, int], ...]
    outs: tuple[tuple[str, int], ...]

    def json(self) -> dict[str, Any]:
        """Esplora's tx JSON."""
        vin = []
        for prev, n, addr, value in self.ins:
            spk, asm, kind = btc_script(addr)
            vin.append({"txid": prev, "vout": n, "is_coinbase": False, "scriptsig": "", "scriptsig_asm": "",
                        "witness": [], "sequence": 4294967293,
                        "prevout": {"scriptpubkey": spk, "scriptpubkey_asm": asm, "scriptpubkey_type": kind,
                                    "scriptpubkey_address": addr, "value": value}})
        vout = []
        for addr, value in self.outs:
            spk, asm, kind = btc_script(addr)
            vout.append({"scriptpubkey": spk, "scriptpubkey_asm": asm, "scriptpubkey_type": kind,
                         "scriptpubkey_address": addr, "value": value})
        fee = sum(v for *_, v in self.ins) - sum(v for _, v in self.outs)
        return {"txid": self.txid, "version": 2, "locktime": 0, "vin": vin, "vout": vout, "size": 200,
                "weight": 600, "fee": fee, "status": self.status()}

    def status(self) -> dict[str, Any]:
        """A confirmed status."""
        return {"confirmed": True, "block_height": self.block, "block_hash": "00" * 32,
                "block_time": T0 + 600 * self.block}


class TinyEsplora:
    """Serves ``txs`` at tip ``tip``; ``counts`` holds requests per route (``/tx/:id``, ``/address/:a/txs/chain``)."""

    def __init__(self, txs: list[Tx], tip: int, too_large: frozenset[str] = frozenset()) -> None:
        self.txs = {t.txid: t for t in txs}
        self.tip = tip
        self.too_large = too_large  # addresses answered like electrs' history cap (HTTP 400)
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server = LoopbackServer(self.answer, name="tiny-esplora")
        self.url = self._server.start()

    def stop(self) -> None:
        """Free the port."""
        self._server.stop()

    def _count(self, route: str) -> None:
        with self._lock:
            self.counts[route] += 1

    def answer(self, request: HttpRequest) -> HttpReply:
        """One Esplora call."""
        parts = [p for p in request.path.split("/") if p]
        if parts == ["blocks", "tip", "height"]:
            self._count("/blocks/tip/height")
            return HttpReply(200, str(self.tip).encode(), "text/plain")
        if parts[:1] == ["tx"] and len(parts) in (2, 3):
            route = "/tx/:id" + ("/outspends" if len(parts) == 3 else "")
            self._count(route)
            tx = self.txs.get(parts[1])
            if tx is None:
                return HttpReply(404, b"Transaction not found", "text/plain")
            return HttpReply.json(tx.json() if len(parts) == 2 else self._outspends(tx))
        if parts[:1] == ["address"] and parts[2:4] == ["txs", "chain"]:
            self._count("/address/:a/txs/chain" + ("/:last" if len(parts) == 5 else ""))
            if parts[1] in self.too_large:
                return HttpReply(400, b"Too many history entries", "text/plain")
            history = sorted((t for t in self.txs.values() if parts[1] in {o[0] for o in t.outs}
                              | {i[2] for i in t.ins}), key=lambda t: (-t.block, t.txid))
            ids = [t.txid for t in history]
            start = ids.index(parts[4]) + 1 if len(parts) == 5 else 0
            return HttpReply.json([t.json() for t in history[start:start + PAGE]])
        return HttpReply(404, b"Not Found", "text/plain")

    def _outspends(self, tx: Tx) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for n in range(len(tx.outs)):
            spender = next(((s, k) for s in self.txs.values() for k, i in enumerate(s.ins)
                            if i[0] == tx.txid and i[1] == n), None)
            out.append({"spent": False} if spender is None else
                       {"spent": True, "txid": spender[0].txid, "vin": spender[1], "status": spender[0].status()})
        return out
