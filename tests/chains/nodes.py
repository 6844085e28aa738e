"""A JSON-RPC node without some methods: a loopback proxy in front of a real anvil that answers them
"method not found" (-32601, geth's wording) and forwards everything else, counting what reached the node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from chains.testing import Envelope, FixtureServer


class NodeWithout:
    """Responder for :class:`chains.testing.FixtureServer`: hides ``methods`` of the node at ``upstream``."""

    def __init__(self, upstream: str, methods: frozenset[str]) -> None:
        self.upstream = upstream
        self.methods = methods
        self.session = requests.Session()
        self.forwarded: list[str] = []
        self.refused: list[str] = []

    def __call__(self, method: str, path: str, query: Mapping[str, str], body: Any) -> Envelope | None:
        """Answer one JSON-RPC POST."""
        if not isinstance(body, dict) or "method" not in body:
            return None
        name = str(body["method"])
        if name in self.methods:
            self.refused.append(name)
            error = {"code": -32601, "message": f"the method {name} does not exist/is not available"}
            return {"request": {}, "response": {"status": 200,
                                                "body": {"jsonrpc": "2.0", "id": body.get("id"), "error": error}}}
        self.forwarded.append(name)
        answer = self.session.post(self.upstream, json=body, timeout=10)
        return {"request": {}, "response": {"status": answer.status_code, "body": answer.json()}}


def node_without(upstream: str, *methods: str) -> tuple[FixtureServer, NodeWithout]:
    """Start the proxy; the caller stops the server."""
    proxy = NodeWithout(upstream, frozenset(methods))
    return FixtureServer(responder=proxy), proxy
