"""Etherscan API V2 adapter (one key, every EVM chain by ``chainid``).

``EtherscanClient(session, base_url, api_key, chain_id, *, rate=3.0, archive=None, timeout=20.0, retry=None,
sleep=time.sleep, page_size=1000)`` and ``EtherscanAdapter(client, chain)`` (``final_block`` is passed per call).
"""

from __future__ import annotations

from chains.etherscan.adapter import EtherscanAdapter
from chains.etherscan.client import DEFAULT_BASE_URL, EtherscanClient

__all__ = ["DEFAULT_BASE_URL", "EtherscanAdapter", "EtherscanClient"]
