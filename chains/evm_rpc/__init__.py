"""EVM JSON-RPC adapter (web3 HTTPProvider): ``EvmRpcClient(session, url, *, timeout=20.0, retries=3)`` and
``EvmRpcAdapter(client, chain, *, initial_span=2000, max_span=100_000, final_block=None)``."""

from __future__ import annotations

from chains.evm_rpc.adapter import EvmRpcAdapter
from chains.evm_rpc.client import EvmRpcClient, RangeTooLarge

__all__ = ["EvmRpcAdapter", "EvmRpcClient", "RangeTooLarge"]
