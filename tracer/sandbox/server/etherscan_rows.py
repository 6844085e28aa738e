"""Row renderers of the Etherscan dialect: txlist / txlistinternal / tokentx rows, logs, JSON-RPC txs.

Every value is a string in account rows (decimal), hex in logs and proxy answers -- as the real API does.
"""

from __future__ import annotations

from typing import Any

from tracer.sandbox.codec import TRANSFER_TOPIC, selector, topic_address
from tracer.sandbox.server.common import View
from tracer.sandbox.world import ETHEREUM, EvmLog, EvmTx, InternalCall, TokenTransfer

FUNCTION_NAMES = {
    selector(sig): pretty
    for sig, pretty in (
        ("depositWithExpiry(address,address,uint256,string,uint256)",
         "depositWithExpiry(address vault, address asset, uint256 amount, string memo, uint256 expiration)"),
        ("transferOut(address,address,uint256,string)",
         "transferOut(address to, address asset, uint256 amount, string memo)"),
        ("deposit(bytes32)", "deposit(bytes32 _commitment)"),
        ("withdraw(bytes,bytes32,bytes32,address,address,uint256,uint256)",
         "withdraw(bytes _proof, bytes32 _root, bytes32 _nullifierHash, address _recipient, address _relayer, "
         "uint256 _fee, uint256 _refund)"),
        ("transfer(address,uint256)", "transfer(address _to, uint256 _value)"),
        ("transferFrom(address,address,uint256)", "transferFrom(address _from, address _to, uint256 _value)"),
        ("exchange(int128,int128,uint256,uint256)", "exchange(int128 i, int128 j, uint256 dx, uint256 min_dy)"),
    )
}


def _common(tx: EvmTx, view: View) -> dict[str, str]:
    return {
        "blockNumber": str(tx.block),
        "timeStamp": str(view.time_of(ETHEREUM, tx.block)),
        "hash": tx.hash,
    }


def tx_row(tx: EvmTx, view: View) -> dict[str, str]:
    """One ``txlist`` row."""
    method = tx.input[:10] if len(tx.input) >= 10 else "0x"
    return {
        **_common(tx, view), "nonce": str(tx.nonce), "blockHash": "0x" + view.world.clocks[ETHEREUM].block_hash(
            ETHEREUM, tx.block), "transactionIndex": str(tx.tx_index), "from": tx.from_, "to": tx.to,
        "value": str(tx.value), "gas": str(tx.gas_limit), "gasPrice": str(tx.gas_price),
        "isError": "1" if tx.is_error else "0", "txreceipt_status": "0" if tx.is_error else "1", "input": tx.input,
        "contractAddress": "", "cumulativeGasUsed": str(tx.gas_used * (tx.tx_index + 1)),
        "gasUsed": str(tx.gas_used), "confirmations": str(view.tip(ETHEREUM) - tx.block + 1), "methodId": method,
        "functionName": FUNCTION_NAMES.get(method, ""),
    }


def internal_row(tx: EvmTx, call: InternalCall, view: View, with_hash: bool = True) -> dict[str, str]:
    """One ``txlistinternal`` row (rows looked up by txhash carry neither hash nor traceId, like the real API)."""
    row = {
        "blockNumber": str(tx.block), "timeStamp": str(view.time_of(ETHEREUM, tx.block)), "from": call.from_,
        "to": call.to, "value": str(call.value), "contractAddress": "", "input": "", "type": call.call_type,
        "gas": str(max(0, tx.gas_limit - 21_000)), "gasUsed": "0", "isError": "0", "errCode": "",
    }
    if with_hash:
        row = {**row, "hash": tx.hash, "traceId": call.trace_id}
    return row


def token_row(tx: EvmTx, tt: TokenTransfer, view: View) -> dict[str, str]:
    """One ``tokentx`` row."""
    tok = view.ix.tokens.get(tt.contract)
    return {
        **_common(tx, view), "nonce": str(tx.nonce), "blockHash": "0x" + view.world.clocks[ETHEREUM].block_hash(
            ETHEREUM, tx.block), "from": tt.from_, "contractAddress": tt.contract, "to": tt.to,
        "value": str(tt.value), "tokenName": tok.name if tok else "", "tokenSymbol": tok.symbol if tok else "",
        "tokenDecimal": str(tok.decimals) if tok else "0", "transactionIndex": str(tx.tx_index),
        "gas": str(tx.gas_limit), "gasPrice": str(tx.gas_price), "gasUsed": str(tx.gas_used),
        "cumulativeGasUsed": str(tx.gas_used * (tx.tx_index + 1)), "input": "deprecated",
        "confirmations": str(view.tip(ETHEREUM) - tx.block + 1),
    }


def all_logs(tx: EvmTx) -> list[EvmLog]:
    logs = [EvmLog(t.contract, (TRANSFER_TOPIC, topic_address(t.from_), topic_address(t.to)),
                   "0x" + t.value.to_bytes(32, "big").hex(), t.log_index) for t in tx.token_transfers]
    return sorted(logs + list(tx.logs), key=lambda lg: lg.log_index)


def log_row(tx: EvmTx, lg: EvmLog, view: View) -> dict[str, Any]:
    return {
        "address": lg.address, "topics": list(lg.topics), "data": lg.data, "blockNumber": hex(tx.block),
        "blockHash": "0x" + view.world.clocks[ETHEREUM].block_hash(ETHEREUM, tx.block),
        "timeStamp": hex(view.time_of(ETHEREUM, tx.block)), "gasPrice": hex(tx.gas_price),
        "gasUsed": hex(tx.gas_used), "logIndex": hex(lg.log_index), "transactionHash": tx.hash,
        "transactionIndex": hex(tx.tx_index),
    }


def rpc_tx(tx: EvmTx, view: View) -> dict[str, Any]:
    bh = "0x" + view.world.clocks[ETHEREUM].block_hash(ETHEREUM, tx.block)
    return {
        "blockHash": bh, "blockNumber": hex(tx.block), "from": tx.from_, "gas": hex(tx.gas_limit),
        "gasPrice": hex(tx.gas_price), "hash": tx.hash, "input": tx.input, "nonce": hex(tx.nonce), "to": tx.to,
        "transactionIndex": hex(tx.tx_index), "value": hex(tx.value), "type": "0x0", "chainId": "0x1",
    }
