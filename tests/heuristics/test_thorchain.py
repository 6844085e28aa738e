"""THORChain router calldata, memo grammar, OP_RETURN memos and Midgard action resolution (methodology §4.1)."""

from __future__ import annotations

from datetime import UTC, datetime

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from heuristics.bridges.thorchain import (
    decode_router_deposit,
    e8_to_base_units,
    resolve_thorchain,
)
from heuristics.bridges.thorchain_memo import decode_op_return_memo, parse_asset, parse_memo
from tracer.model import ActionLeg, BridgeAction, Chain, ChainTx, EvidenceClass, UtxoOutput

HACKER = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
ROUTER = "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"
VAULT = "0x382d6d83a31a41a569ca45e6ca093036c2137d29"
BTC_DEST = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
IN_TX = "0x" + "5e" * 32
OUT_TX_1 = "9f" * 32
OUT_TX_2 = "a0" * 32
AT = datetime(2025, 2, 23, 9, 0, tzinfo=UTC)
MEMO = f"=:BTC.BTC:{BTC_DEST}:5855757/3/2:t:10"
E8 = 10**8


def router_calldata(memo: str, *, expiry: int | None = 1_740_300_000, amount: int = 10 * 10**18) -> str:
    if expiry is None:
        sig, types, args = "deposit(address,address,uint256,string)", ["address", "address", "uint256", "string"], \
            [VAULT, "0x" + "00" * 20, amount, memo]
    else:
        sig = "depositWithExpiry(address,address,uint256,string,uint256)"
        types = ["address", "address", "uint256", "string", "uint256"]
        args = [VAULT, "0x" + "00" * 20, amount, memo, expiry]
    return "0x" + (function_signature_to_4byte_selector(sig) + encode(types, args)).hex()


def inbound(memo: str = MEMO, **kw: object) -> ChainTx:
    return ChainTx(chain=Chain.ETHEREUM, tx_hash=IN_TX, block_number=21_905_000, timestamp=AT,
                   from_address=HACKER, to_address=ROUTER, fee=1_000_000_000_000_000,
                   input_data=router_calldata(memo, **kw))  # type: ignore[arg-type]


def test_decode_deposit_with_expiry() -> None:
    calldata = router_calldata(MEMO)
    assert calldata.startswith("0x44bc937b")  # depositWithExpiry selector seen on THORChain router txs
    deposit = decode_router_deposit(calldata)
    assert deposit is not None
    assert deposit.function == "depositWithExpiry"
    assert (deposit.vault, deposit.amount, deposit.memo) == (VAULT, 10 * 10**18, MEMO)
    assert deposit.is_native and deposit.expiration == 1_740_300_000


def test_decode_plain_deposit_and_rejects_others() -> None:
    deposit = decode_router_deposit(router_calldata("SWAP:ETH.ETH:0xabc", expiry=None))
    assert deposit is not None and deposit.function == "deposit" and deposit.expiration is None
    assert decode_router_deposit("0xa9059cbb" + "00" * 64) is None  # ERC-20 transfer
    assert decode_router_deposit("0x44bc937b" + "ff" * 10) is None  # truncated
    assert decode_router_deposit(None) is None and decode_router_deposit("0xzz") is None


def test_parse_swap_memo_full() -> None:
    memo = parse_memo(MEMO)
    assert memo is not None and memo.kind == "swap"
    assert memo.asset is not None and memo.asset.notation == "BTC.BTC" and memo.asset.chain is Chain.BITCOIN
    assert memo.destination == BTC_DEST and memo.refund_address is None
    assert (memo.limit, memo.interval, memo.quantity) == (5_855_757, 3, 2) and memo.is_streaming
    assert memo.affiliates == ("t",) and memo.affiliate_bps == (10,)


def test_parse_swap_memo_variants() -> None:
    short = parse_memo(f"s:b:{BTC_DEST}/{HACKER}:1e6")
    assert short is not None and short.asset is not None and short.asset.notation == "BTC.BTC"
    assert short.refund_address == HACKER and short.limit == 1_000_000 and not short.is_streaming
    long = parse_memo("SWAP:ETH.USDT-0xdAC17F958D2ee523a2206206994597C13D831ec7:0xAbC0000000000000000000000000000000000001")
    assert long is not None and long.asset is not None
    assert long.asset.contract == "0xdac17f958d2ee523a2206206994597c13d831ec7" and long.asset.symbol == "USDT"
    assert long.limit is None and long.affiliates == ()
    chain_only = parse_memo("=:BTC:bc1qabc::")
    assert chain_only is not None and chain_only.asset is not None and chain_only.asset.notation == "BTC.BTC"
    assert parse_memo("ADD:BTC.BTC") is None and parse_memo("=:") is None and parse_memo("") is None


def test_parse_out_and_refund_memos() -> None:
    out = parse_memo("OUT:" + IN_TX[2:].upper())
    assert out is not None and out.kind == "out" and out.in_hash == IN_TX[2:]
    refund = parse_memo("REFUND:" + IN_TX)
    assert refund is not None and refund.kind == "refund" and refund.in_hash == IN_TX[2:]
    assert parse_memo("OUT:nothex") is None


def test_parse_asset_forms() -> None:
    synth = parse_asset("btc/btc")
    assert synth is not None and synth.separator == "/" and synth.chain is None
    rune = parse_asset("r")
    assert rune is not None and rune.notation == "THOR.RUNE" and rune.chain is None
    assert parse_asset("tr") is not None and parse_asset("tr").chain is Chain.TRON  # type: ignore[union-attr]


def test_decode_op_return_memo() -> None:
    # Bitcoin Core scriptPubKey hex of "ADD:BTC.BTC" (thornode issue 1102).
    assert decode_op_return_memo(bytes.fromhex("6a0b4144443a4254432e425443")) == "ADD:BTC.BTC"
    assert decode_op_return_memo(b"OUT:" + IN_TX[2:].encode()) == "OUT:" + IN_TX[2:]
    assert decode_op_return_memo(bytes.fromhex("6a")) is None
    assert decode_op_return_memo(b"\xff\xfe") is None
    long = ("=:ETH.ETH:" + HACKER).encode()
    assert decode_op_return_memo(bytes([0x6A, 0x4C, len(long)]) + long) == long.decode()


def op_return_script(text: str) -> bytes:
    data = text.encode()
    return bytes([0x6A, len(data)]) + data


def test_e8_conversion() -> None:
    assert e8_to_base_units(171_000_000, 8) == 171_000_000  # BTC sat
    assert e8_to_base_units(1_000_000_000, 18) == 10 * 10**18  # ETH wei
    assert e8_to_base_units(123_456_789, 6) == 1_234_567  # TRX sun, floored


def swap_action(outputs: tuple[ActionLeg, ...], *, action_type: str = "swap", status: str = "success") -> BridgeAction:
    return BridgeAction(
        protocol="thorchain", action_type=action_type, status=status, height=19_800_000, timestamp=AT,
        inputs=(ActionLeg(Chain.ETHEREUM, IN_TX, HACKER, "ETH.ETH", 10 * E8),), outputs=outputs, memo=MEMO,
    )


AFFILIATE = ActionLeg(None, "c0" * 32, "thor1affiliate0000000000000000000000000000", "THOR.RUNE", 2_500_000)


def test_resolve_streaming_swap_with_affiliate() -> None:
    action = swap_action((
        ActionLeg(Chain.BITCOIN, OUT_TX_1, BTC_DEST, "BTC.BTC", 15_000_000),
        ActionLeg(Chain.BITCOIN, OUT_TX_2, BTC_DEST, "BTC.BTC", 14_900_000),
        AFFILIATE,
    ))
    other = BridgeAction(protocol="thorchain", action_type="swap", status="success", height=1, timestamp=AT,
                         inputs=(ActionLeg(Chain.ETHEREUM, "0x" + "11" * 32, HACKER, "ETH.ETH", E8),),
                         outputs=(ActionLeg(Chain.BITCOIN, "22" * 32, BTC_DEST, "BTC.BTC", 1),))
    hops = resolve_thorchain(inbound(), [other, action])
    assert [(h.to_tx, h.amount, h.refund) for h in hops] == [(OUT_TX_1, 15_000_000, False), (OUT_TX_2, 14_900_000, False)]
    hop = hops[0]
    assert hop.to_chain is Chain.BITCOIN and hop.to_address == BTC_DEST and hop.amount_in_e8 == 10 * E8
    assert hop.evidence.evidence_class is EvidenceClass.E2
    assert hop.evidence.rule == "bridges.thorchain.midgard" and hop.confidence == 1.0
    assert hop.evidence.facts["streaming"] == "true"


def test_legs_to_other_addresses_are_not_the_payout() -> None:
    """Why the engine now runs this resolver instead of its own loop over the action's legs: that loop followed
    every leg with a chain and a tx, so a leg paying someone other than the memo's destination (an affiliate paid
    out on a modelled chain) received a share of the stolen value."""
    fee_taker = "bc1qaffiliate0fee0taker0000000000000000000"
    action = swap_action((ActionLeg(Chain.BITCOIN, OUT_TX_1, BTC_DEST, "BTC.BTC", 15_000_000),
                          ActionLeg(Chain.BITCOIN, OUT_TX_2, fee_taker, "BTC.BTC", 30_000)))
    assert [(h.to_tx, h.to_address) for h in resolve_thorchain(inbound(), [action])] == [(OUT_TX_1, BTC_DEST)]


def test_resolve_midgard_hash_forms_match() -> None:
    # Midgard reports EVM txIDs upper-case without 0x; resolution must not care.
    action = BridgeAction(protocol="thorchain", action_type="swap", status="success", height=1, timestamp=AT,
                          inputs=(ActionLeg(Chain.ETHEREUM, IN_TX[2:].upper(), HACKER, "ETH.ETH", 10 * E8),),
                          outputs=(ActionLeg(Chain.BITCOIN, OUT_TX_1, BTC_DEST, "BTC.BTC", 29_000_000),), memo=MEMO)
    assert [h.to_tx for h in resolve_thorchain(inbound(), [action])] == [OUT_TX_1]


def test_resolve_refund() -> None:
    action = swap_action((ActionLeg(Chain.ETHEREUM, "0x" + "77" * 32, HACKER, "ETH.ETH", 998_000_000),),
                         action_type="refund")
    hops = resolve_thorchain(inbound(), [action])
    assert len(hops) == 1 and hops[0].refund
    assert hops[0].to_chain is Chain.ETHEREUM and hops[0].amount == 9_980_000_000_000_000_000
    assert hops[0].evidence.facts["refund"] == "true"


def test_resolve_partial_refund_in_swap() -> None:
    action = swap_action((
        ActionLeg(Chain.BITCOIN, OUT_TX_1, BTC_DEST, "BTC.BTC", 15_000_000),
        ActionLeg(Chain.ETHEREUM, "0x" + "78" * 32, HACKER, "ETH.ETH", 499_000_000),
    ))
    hops = resolve_thorchain(inbound(), [action])
    assert [(h.to_chain, h.refund) for h in hops] == [(Chain.BITCOIN, False), (Chain.ETHEREUM, True)]


def test_pending_action_has_lower_confidence() -> None:
    action = swap_action((ActionLeg(Chain.BITCOIN, None, BTC_DEST, "BTC.BTC", 0),), status="pending")
    hops = resolve_thorchain(inbound(), [action])
    assert len(hops) == 1 and hops[0].to_tx is None and hops[0].confidence == 0.9


def test_memo_only_fallback() -> None:
    hops = resolve_thorchain(inbound(), [])
    assert len(hops) == 1
    hop = hops[0]
    assert hop.to_chain is Chain.BITCOIN and hop.to_address == BTC_DEST and hop.to_tx is None
    assert hop.amount is None and hop.evidence.rule == "bridges.thorchain.memo" and hop.confidence < 1.0
    assert resolve_thorchain(inbound(memo="ADD:ETH.ETH"), []) == []


def test_bitcoin_inbound_op_return_memo() -> None:
    btc_in = ChainTx(chain=Chain.BITCOIN, tx_hash="ab" * 32, block_number=884_000, timestamp=AT,
                     from_address=BTC_DEST, to_address=None, fee=2_000,
                     outputs=(UtxoOutput(0, "bc1qvault", 50_000_000, "v0_p2wpkh"),
                              UtxoOutput(1, None, 0, "op_return", op_return=op_return_script("=:ETH.ETH:" + HACKER))))
    hops = resolve_thorchain(btc_in, [])
    assert len(hops) == 1 and hops[0].to_chain is Chain.ETHEREUM and hops[0].to_address == HACKER
