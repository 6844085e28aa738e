"""Pure Esplora JSON -> domain conversions (no I/O).

Validation (issue 15): amounts are satoshis in ``0 .. MAX_MONEY`` (21 million BTC), heights and times in the
:mod:`chains.wire` ranges, ``txid``/``vin``/``vout`` required; anything else raises
:class:`~tracer.errors.InvalidAnswer`. :func:`validate_tx` / :func:`validate_outspends` run inside the HTTP
funnel so an invalid answer is asked for once more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chains import wire
from chains.esplora.types import EsploraOutspend, EsploraTx, EsploraVout
from tracer.errors import BadResponse, InvalidAnswer
from tracer.model import Chain, ChainTx, OutputSpend, Transfer, TransferKind, UtxoInput, UtxoOutput

BTC = Chain.BITCOIN.native
MAX_MONEY = 21_000_000 * 100_000_000
"""No output, input or fee can exceed every bitcoin there will ever be (satoshis)."""


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


def _sats(value: Any, name: str) -> int:
    return wire.uint(value, name, "esplora", maximum=MAX_MONEY, hex_ok=False)


def _txid(value: Any, name: str = "txid") -> str:
    txid = wire.text(value, name, "esplora").lower()
    if len(txid) != 64 or any(c not in "0123456789abcdef" for c in txid):
        raise InvalidAnswer(f"esplora: field {name!r} is not a txid: {txid[:70]!r}")
    return txid


def _address(value: Any, name: str) -> str | None:
    if value is None:
        return None
    address = wire.text(value, name, "esplora")
    if len(address) > 100 or not address.isalnum():
        raise InvalidAnswer(f"esplora: field {name!r} is not an address: {address[:60]!r}")
    return canonical_btc(address)


def _status(tx: Any) -> Any:
    status = tx.get("status") if isinstance(tx, dict) else None
    if status is None:
        return {}
    if not isinstance(status, dict):
        raise InvalidAnswer(f"esplora: field 'status' must be an object, got {type(status).__name__}")
    if status.get("confirmed") not in (None, True, False):
        raise InvalidAnswer("esplora: field 'confirmed' must be a boolean")
    if status.get("confirmed"):
        wire.block(wire.required(status, "block_height", "esplora status"), "block_height", "esplora")
        wire.unix_seconds(wire.required(status, "block_time", "esplora status"), "block_time", "esplora")
    return status


def _block(tx: EsploraTx) -> tuple[int, datetime]:
    status = _status(tx)
    height, ts = status.get("block_height"), status.get("block_time")
    if not status.get("confirmed") or height is None or ts is None:
        raise BadResponse(f"esplora: tx {tx.get('txid')} is not confirmed")
    return wire.block(height, "block_height"), wire.utc(wire.unix_seconds(ts, "block_time"))


def is_confirmed(tx: EsploraTx) -> bool:
    """True when the tx has a block height and time (mempool txs have neither)."""
    status = tx.get("status") or {}
    return bool(status.get("confirmed")) and status.get("block_height") is not None


def vout_to_output(index: int, vout: EsploraVout | Mapping[str, Any]) -> UtxoOutput:
    """One Esplora ``vout`` entry as a :class:`UtxoOutput` (OP_RETURN payload decoded). May raise: InvalidAnswer."""
    if not isinstance(vout, dict):
        raise InvalidAnswer(f"esplora: vout {index} is not an object")
    script_type = wire.text(vout.get("scriptpubkey_type", "unknown"), "scriptpubkey_type", "esplora")
    script = wire.text(vout.get("scriptpubkey", ""), "scriptpubkey", "esplora", allow_empty=True)
    payload = op_return_payload(script) if script_type == "op_return" else None
    return UtxoOutput(index=index, address=_address(vout.get("scriptpubkey_address"), "scriptpubkey_address"),
                      amount=_sats(wire.required(vout, "value", "esplora vout"), "value"), script_type=script_type,
                      op_return=payload)


def _inputs(tx: Any) -> tuple[UtxoInput, ...]:
    vins = wire.rows(wire.required(tx, "vin", "esplora tx"), "esplora vin")
    out = []
    for vin in vins:
        if vin.get("is_coinbase") is True:
            continue
        prevout = vin.get("prevout")
        if not isinstance(prevout, dict):
            raise InvalidAnswer("esplora: a non-coinbase input has no 'prevout' object")
        out.append(UtxoInput(prev_tx_hash=_txid(wire.required(vin, "txid", "esplora vin")),
                             prev_index=wire.uint(wire.required(vin, "vout", "esplora vin"), "vout", "esplora",
                                                  maximum=2**32, hex_ok=False),
                             address=_address(prevout.get("scriptpubkey_address"), "scriptpubkey_address"),
                             amount=_sats(wire.required(prevout, "value", "esplora prevout"), "value")))
    return tuple(out)


def validate_tx(tx: Any) -> None:
    """A tx object (confirmed or not) is well-formed. May raise: InvalidAnswer."""
    if not isinstance(tx, dict):
        raise InvalidAnswer(f"esplora: expected a tx object, got {type(tx).__name__}")
    _txid(wire.required(tx, "txid", "esplora tx"))
    _status(tx)
    inputs = _inputs(tx)
    outputs = [vout_to_output(i, v) for i, v in enumerate(wire.rows(wire.required(tx, "vout", "esplora tx"),
                                                                    "esplora vout"))]
    if sum(i.amount for i in inputs) > MAX_MONEY or sum(o.amount for o in outputs) > MAX_MONEY:
        raise InvalidAnswer(f"esplora: tx {tx['txid']} moves more than 21 million BTC")
    if tx.get("fee") is not None:
        _sats(tx["fee"], "fee")


def validate_txs(data: Any) -> None:
    """An address page: a list of valid tx objects. May raise: InvalidAnswer."""
    for tx in wire.rows(data, "esplora txs"):
        validate_tx(tx)


def esplora_tx_to_chaintx(tx: EsploraTx) -> ChainTx:
    """A confirmed Esplora tx as a :class:`ChainTx` with inputs (from ``prevout``), outputs and transfers.

    May raise: InvalidAnswer (malformed), BadResponse (not confirmed).
    """
    validate_tx(tx)
    height, when = _block(tx)
    inputs = _inputs(tx)
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
        to_address=outputs[0].address if outputs else None, fee=_sats(tx.get("fee", 0), "fee"), success=True,
        transfers=transfers, inputs=inputs, outputs=outputs, memo=memo,
    )


def validate_outspends(data: Any) -> None:
    """``/tx/:txid/outspends`` is a list of well-formed spend objects. May raise: InvalidAnswer."""
    esplora_outspends_to_domain(data)


def esplora_outspends_to_domain(raw: list[EsploraOutspend]) -> list[OutputSpend]:
    """``/tx/:txid/outspends`` as :class:`OutputSpend` values, by output index. May raise: InvalidAnswer."""
    spends = []
    for item in wire.rows(raw, "esplora outspends"):
        status = _status(item)
        spent = item.get("spent")
        if not isinstance(spent, bool):
            raise InvalidAnswer("esplora outspends: field 'spent' must be a boolean")
        vin = item.get("vin")
        spends.append(OutputSpend(
            spent=spent,
            tx_hash=_txid(item["txid"]) if spent and item.get("txid") else None,
            input_index=wire.uint(vin, "vin", "esplora", maximum=2**32, hex_ok=False) if vin is not None else None,
            block_number=wire.block(status["block_height"], "block_height") if status.get("confirmed") else None,
        ))
    return spends
