"""Loopback HTTP server speaking the Etherscan V2, Esplora, TronGrid, Midgard and CoinGecko dialects."""

from __future__ import annotations

from tracer.sandbox.server.app import DIALECTS, SandboxServer

__all__ = ["DIALECTS", "SandboxServer"]
