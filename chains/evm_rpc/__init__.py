"""EVM JSON-RPC adapter (web3 HTTPProvider), selected by ``TRACER_RPC_URL_<CHAIN>``:
``EvmRpcClient(session, url, *, timeout=20.0, retries=3, archive=None)`` and
``EvmRpcAdapter(client, chain, *, initial_span=2000, max_span=100_000)``; see chains.evm_rpc.history for what a node
without ``trace_filter`` still gives."""

from __future__ import annotations

from chains.evm_rpc.adapter import EvmRpcAdapter
from chains.evm_rpc.client import EvmRpcClient, RangeTooLarge

__all__ = ["EvmRpcAdapter", "EvmRpcClient", "RangeTooLarge"]
