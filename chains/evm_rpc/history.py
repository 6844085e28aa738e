"""Address histories from a node: which trace method it has, and the block scan used when it has none.

A node answers "who sent native value to or from this address" in one of three ways, tried in this order:

1. ``trace_filter`` (Erigon, Nethermind, Reth, anvil): top-level and internal transfers in one range query;
2. no ``trace_filter``: the window's blocks are read with their transactions (``eth_getBlockByNumber(n, true)``)
   for top-level transfers, and every contract call in them is traced with ``debug_traceTransaction``
   (geth ``callTracer``) for internal transfers;
3. neither: top-level transfers from the blocks only. Internal transfers (a contract paying the address, e.g.
   a mixer withdrawal) are then not followed, and :data:`NO_INTERNAL` says so in the log and in
   :attr:`TraceSupport.limitation`.

ERC-20 transfers always come from ``eth_getLogs`` and need no trace method.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TraceMethod(str, Enum):
    """How internal transfers are read."""

    TRACE_FILTER = "trace_filter"
    DEBUG_TRACE = "debug_traceTransaction"
    NONE = "none"


NO_TRACE_FILTER = ("node at {url} lacks trace_filter: native transfers are read block by block "
                   "(eth_getBlockByNumber) and internal ones through debug_traceTransaction")
NO_INTERNAL = ("node at {url} lacks trace_filter and debug_traceTransaction: internal ETH transfers not followed; "
               "native and ERC-20 are")


@dataclass
class TraceSupport:
    """What the node turned out to support (learned from its first "method not found" answers)."""

    method: TraceMethod = TraceMethod.TRACE_FILTER
    limitation: str | None = None

    def lacks(self, missing: TraceMethod, url: str) -> str:
        """Record that ``missing`` is absent; returns the message to log (once per adapter)."""
        if missing is TraceMethod.TRACE_FILTER:
            self.method = TraceMethod.DEBUG_TRACE
            self.limitation = NO_TRACE_FILTER.format(url=url)
        else:
            self.method = TraceMethod.NONE
            self.limitation = NO_INTERNAL.format(url=url)
        return self.limitation
