"""Record adapter calls as fixture envelopes (one JSON file per request, API keys redacted).

    ETHERSCAN_API_KEY=... .venv/bin/python scripts/record_fixtures.py --adapter etherscan \\
        --scenario txlist_small_eoa --chain ethereum --address 0x... [--since N] [--until N] [--tx 0x...] \\
        [--page-size 5] [--base-url https://api.etherscan.io/v2/api]
    .venv/bin/python scripts/record_fixtures.py --adapter evm_rpc --scenario block_logs \\
        --rpc-url http://127.0.0.1:8545 --address 0x... --until N

Envelopes go to ``tests/fixtures/<adapter>/<scenario>/`` (``--out`` to change). The key is read from the
environment only and never reaches a file name or a file: ``RecordingTransport`` drops secret query
parameters and does not record headers; this script also checks every written file for the key.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from requests.adapters import HTTPAdapter  # noqa: E402

from chains.base import ChainAdapter  # noqa: E402
from chains.etherscan import DEFAULT_BASE_URL, EtherscanAdapter, EtherscanClient  # noqa: E402
from chains.evm_rpc import EvmRpcAdapter, EvmRpcClient  # noqa: E402
from chains.testing import RecordingTransport, session_with  # noqa: E402
from tracer.model import EVM_CHAIN_IDS, Chain  # noqa: E402


def build(args: argparse.Namespace, recorder: RecordingTransport) -> tuple[ChainAdapter, str]:
    """The adapter to record through, and the secret to check files against ("" when none)."""
    chain = Chain(args.chain)
    session = session_with(recorder)
    if args.adapter == "etherscan":
        key = os.environ.get("ETHERSCAN_API_KEY", "")
        client = EtherscanClient(session, args.base_url, api_key=key, chain_id=EVM_CHAIN_IDS[chain],
                                 page_size=args.page_size, rate=args.rate)
        return EtherscanAdapter(client, chain), key
    if not args.rpc_url:
        raise SystemExit("--rpc-url is required for --adapter evm_rpc")
    return EvmRpcAdapter(EvmRpcClient(session, args.rpc_url), chain), ""


def main(argv: list[str] | None = None) -> int:
    """Entry point: record, then print what was written."""
    parser = argparse.ArgumentParser(description="record adapter fixtures")
    parser.add_argument("--adapter", choices=["etherscan", "evm_rpc"], required=True)
    parser.add_argument("--scenario", required=True, help="snake_case directory name saying what is special")
    parser.add_argument("--chain", default="ethereum", choices=[c.value for c in EVM_CHAIN_IDS])
    parser.add_argument("--address", action="append", default=[], help="history to record (repeatable)")
    parser.add_argument("--tx", action="append", default=[], help="transaction to record (repeatable)")
    parser.add_argument("--since", type=int, default=None)
    parser.add_argument("--until", type=int, default=None)
    parser.add_argument("--page-size", type=int, default=5, help="tiny pages keep fixtures small")
    parser.add_argument("--rate", type=float, default=2.0, help="requests per second (free tier: 3)")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--rpc-url", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or ROOT / "tests" / "fixtures" / args.adapter / args.scenario
    recorder = RecordingTransport(HTTPAdapter(), out)
    adapter, secret = build(args, recorder)
    for address in args.address:
        count = sum(1 for _ in adapter.transfers_of(address, since_block=args.since, until_block=args.until))
        print(f"{address}: {count} transfers")
    for tx_hash in args.tx:
        print(f"{tx_hash}: {'found' if adapter.transaction(tx_hash) else 'unknown'}")
    leaked = [p for p in recorder.written if secret and secret in p.read_text(encoding="utf-8")]
    if leaked:
        for path in leaked:
            path.unlink()
        print(f"refused: the API key appeared in {len(leaked)} file(s); they were deleted", file=sys.stderr)
        return 1
    print(f"wrote {len(set(recorder.written))} envelope(s) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
