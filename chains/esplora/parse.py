"""Pure Esplora JSON -> domain conversions (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from chains.esplora.types import EsploraOutspend, EsploraTx, EsploraVout
from tracer.errors import BadResponse
from tracer.model import Chain, ChainTx, OutputSpend, Transfer, TransferKind, UtxoInput, UtxoOutput

BTC = Chain.BITCOIN.native


def canonical_btc(address: str | None) -> str | None:
    """Bitcoin canonical form: bech32/bech32m lower-case, base58 unchanged (case is significant there)."""
    if address is None:
        return None
    return address.lower() if address.lower().startswith(("bc1", "tb1", "bcrt1")) else address


def op_return_payload(script_hex: str) -> bytes | None:
    """The data pushed after ``OP_RETURN`` (0x6a), pushes concatenated; None when not an OP_RETURN script."""
    try:
        script = bytes.fromhex(script_hex)
    except ValueError:
        return None
    if not script or script[0] != 0x6A:
        return None
    out = bytearray()
    i = 1
    while i < len(script):
        op = script[i]
        i += 1
        if 0x01 <= op <= 0x4B:
            size = op
        elif op in (0x4C, 0x4D, 0x4E):
            width = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
            size = int.from_bytes(script[i:i + width], "little")
            i += width
        else:  # OP_0 / small-int opcodes push no payload bytes worth keeping
            continue
        out += script[i:i + size]
        i += size
    return bytes(out)


def memo_text(payload: bytes | None) -> str | None:
    """OP_RETURN payload as text when it is printable UTF-8 (THORChain ``OUT:<hash>`` memos), else None."""
    if not payload:
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def _block(tx: EsploraTx) -> tuple[int, datetime]:
    status = tx.get("status") or {}
    height, ts = status.get("block_height"), status.get("block_time")
    if not status.get("confirmed") or height is None or ts is None:
        raise BadResponse(f"esplora: tx {tx.get('txid')} is not confirmed")
    return int(height), datetime.fromtimestamp(int(ts), tz=UTC)


def is_confirmed(tx: EsploraTx) -> bool:
    """True when the tx has a block height and time (mempool txs have neither)."""
    status = tx.get("status") or {}
    return bool(status.get("confirmed")) and status.get("block_height") is not None


def vout_to_output(index: int, vout: EsploraVout) -> UtxoOutput:
    """One Esplora ``vout`` entry as a :class:`UtxoOutput` (OP_RETURN payload decoded)."""
    script_type = vout.get("scriptpubkey_type", "unknown")
    payload = op_return_payload(vout.get("scriptpubkey", "")) if script_type == "op_return" else None
    return UtxoOutput(index=index, address=canonical_btc(vout.get("scriptpubkey_address")),
                      amount=int(vout.get("value", 0)), script_type=script_type, op_return=payload)


def esplora_tx_to_chaintx(tx: EsploraTx) -> ChainTx:
    """A confirmed Esplora tx as a :class:`ChainTx` with inputs (from ``prevout``), outputs and transfers."""
    height, when = _block(tx)
    inputs = tuple(
        UtxoInput(prev_tx_hash=vin.get("txid", "").lower(), prev_index=int(vin.get("vout", 0)),
                  address=canonical_btc((vin.get("prevout") or {}).get("scriptpubkey_address")),
                  amount=int((vin.get("prevout") or {}).get("value", 0)))
        for vin in tx.get("vin", []) if not vin.get("is_coinbase")
    )
    outputs = tuple(vout_to_output(i, v) for i, v in enumerate(tx.get("vout", [])))
    txid = tx["txid"].lower()
    sender = inputs[0].address if inputs else None
    transfers = tuple(
        Transfer(chain=Chain.BITCOIN, tx_hash=txid, index=o.index, kind=TransferKind.UTXO, asset=BTC,
                 from_address=sender, to_address=o.address, amount=o.amount, block_number=height, timestamp=when)
        for o in outputs
    )
    memo = next((m for m in (memo_text(o.op_return) for o in outputs) if m), None)
    return ChainTx(
        chain=Chain.BITCOIN, tx_hash=txid, block_number=height, timestamp=when, from_address=sender,
        to_address=outputs[0].address if outputs else None, fee=int(tx.get("fee", 0)), success=True,
        transfers=transfers, inputs=inputs, outputs=outputs, memo=memo,
    )


def esplora_outspends_to_domain(raw: list[EsploraOutspend]) -> list[OutputSpend]:
    """``/tx/:txid/outspends`` as :class:`OutputSpend` values, by output index."""
    spends = []
    for item in raw:
        status = item.get("status") or {}
        spends.append(OutputSpend(
            spent=bool(item.get("spent")),
            tx_hash=item["txid"].lower() if item.get("txid") else None,
            input_index=item.get("vin"),
            block_number=status.get("block_height") if status.get("confirmed") else None,
        ))
    return spends
