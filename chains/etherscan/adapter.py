"""EtherscanAdapter: ChainAdapter over the Etherscan V2 API (client + parse; no HTTP or JSON here).

No redundant request (issue 16): histories over a window closed at the final block are immutable in the archive
(the client asks each ``txlist``/``txlistinternal``/``tokentx`` page once); a whole transaction mined at or below
the final block is remembered here, because ``eth_getTransactionByHash`` cannot be marked immutable before it is
answered (a bridge's inbound tx is read by the bridge resolver and again by the memo fallback).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime

from chains.addresses import canonical_address
from chains.base import Capability, ChainAdapter, transfer_sort_key
from chains.etherscan import parse, transfer_scan
from chains.etherscan.client import BALANCEMULTI_MAX, EtherscanClient
from chains.memo import Memo
from chains.tokens import verified_token
from tracer.model import Chain, ChainTx, Direction, Transfer, TransferFlag, TransferKind

TX_MEMO_LIMIT = 10_000
"""Whole transactions remembered (least recently used dropped first)."""


class EtherscanAdapter(ChainAdapter):
    """Native, internal and ERC-20 transfers of one EVM chain from Etherscan V2.

    May raise: ChainUnavailable, RateLimited, QuotaExhausted, BadResponse, ApiRejected.
    """

    name = "etherscan"
    capabilities = frozenset({Capability.NATIVE, Capability.INTERNAL, Capability.TOKENS, Capability.BALANCES,
                              Capability.LOGS})

    def __init__(self, client: EtherscanClient, chain: Chain) -> None:
        if not chain.is_evm:
            raise ValueError(f"Etherscan serves EVM chains only, not {chain.value}")
        self.client = client
        self.chain = chain
        self._txs: Memo[str, ChainTx] = Memo(TX_MEMO_LIMIT)

    def transfers_of(self, address: str, *, direction: Direction = Direction.BOTH, since_block: int | None = None,
                     until_block: int | None = None, final_block: int | None = None) -> Iterator[Transfer]:
        """Native + internal + token transfers of ``address``, merged, de-duplicated and sorted."""
        addr = canonical_address(self.chain, address)
        direction = Direction(direction)  # accept the plain "in"/"out" strings too
        start = since_block or 0
        final = final_block
        merged: dict[str, Transfer] = {}
        for item in self.client.txlist(addr, start, until_block, final_block=final):
            t = parse.txlist_item_to_transfer(item, self.chain)
            merged.setdefault(t.id, t)
        internals = self.client.txlistinternal(addr, start, until_block, final_block=final)
        for t in parse.internal_items_to_transfers(internals, self.chain):
            merged.setdefault(t.id, t)
        for t in parse.tokentx_items_to_transfers(self.client.tokentx(addr, start, until_block, final_block=final), self.chain):
            merged.setdefault(t.id, t)
        for t in sorted(merged.values(), key=transfer_sort_key):
            if direction is Direction.IN and t.to_address != addr:
                continue
            if direction is Direction.OUT and t.from_address != addr:
                continue
            yield t

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        """The whole tx: native value, internal transfers and receipt Transfer logs; None if unknown.

        A tx already read and mined at or below ``final_block`` costs no request.
        """
        tx_hash = tx_hash.lower()
        known = self._txs.get(tx_hash)
        if known is not None:
            return known
        tx = self._read_transaction(tx_hash, final_block)
        if tx is not None and final_block is not None and tx.block_number <= final_block:
            self._txs.put(tx_hash, tx)
        return tx

    def _read_transaction(self, tx_hash: str, final_block: int | None) -> ChainTx | None:
        raw = self.client.transaction(tx_hash)
        if raw is None or raw.get("blockNumber") in (None, ""):
            return None  # unknown, or still pending: nothing final to trace yet
        block = parse.to_int(raw.get("blockNumber"))
        final = final_block is not None and block <= final_block
        receipt = self.client.receipt(tx_hash, immutable=final)
        when = datetime.fromtimestamp(self.client.block_timestamp(block), tz=UTC)
        success = receipt is None or parse.to_int(receipt.get("status"), 1) == 1
        src = canonical_address(self.chain, str(raw.get("from")))
        dst = raw.get("to")
        to_address = canonical_address(self.chain, dst) if dst else None
        value = parse.to_int(raw.get("value"))
        flags = {TransferFlag.ZERO_VALUE} if value == 0 else set()
        if not success:
            flags.add(TransferFlag.FAILED)
        gas_price = receipt.get("effectiveGasPrice") if receipt is not None else None
        fee = parse.to_int(receipt.get("gasUsed")) * parse.to_int(gas_price or raw.get("gasPrice")) \
            if receipt is not None else 0
        transfers = [Transfer(chain=self.chain, tx_hash=tx_hash, index=parse.NATIVE_INDEX, kind=TransferKind.NATIVE,
                              asset=self.chain.native, from_address=src, to_address=to_address, amount=value,
                              block_number=block, timestamp=when, flags=frozenset(flags), fee=fee)]
        rows = []
        for item in self.client.internal_by_hash(tx_hash, immutable=final):
            row = dict(item)
            row.setdefault("blockNumber", str(block))
            row.setdefault("timeStamp", str(int(when.timestamp())))
            rows.append(row)
        transfers.extend(parse.internal_items_to_transfers(rows, self.chain, tx_hash))
        if receipt is not None and success:
            logs = [dict(log, transactionHash=tx_hash, blockNumber=hex(block)) for log in receipt.get("logs") or []]
            metadata = self._token_metadata(logs, block, final_block)
            transfers.extend(parse.logs_to_token_transfers(logs, self.chain, when, metadata))
        return ChainTx(chain=self.chain, tx_hash=tx_hash, block_number=block, timestamp=when, from_address=src,
                       to_address=to_address, fee=fee, success=success,
                       transfers=tuple(sorted(transfers, key=transfer_sort_key)), input_data=raw.get("input"))

    def _token_metadata(self, logs: list[dict[str, object]], block: int,
                        final_block: int | None) -> dict[str, tuple[str, int]]:
        """Symbol and decimals of unverified tokens in a receipt, from that block's tokentx rows.

        Receipts carry no symbol; without it a look-alike "USDT" could not be flagged FAKE_TOKEN here while
        the same transfer from ``transfers_of`` is. One tokentx call per unverified contract.
        """
        out: dict[str, tuple[str, int]] = {}
        for log in logs:
            topics = [str(t) for t in log.get("topics") or []]  # type: ignore[attr-defined]
            contract = str(log.get("address", "")).lower()
            if (len(topics) != 3 or topics[0].lower() != parse.TRANSFER_TOPIC or contract in out
                    or verified_token(self.chain, contract) is not None):
                continue
            # the sender's tokentx in that block lists the transfer (the recipient's when it is a mint)
            party = topics[1] if int(topics[1], 16) != 0 else topics[2]
            sender = canonical_address(self.chain, "0x" + party[-40:])
            out[contract] = ("", 0)
            for row in self.client.tokentx(sender, block, block, final_block=final_block, contract=contract):
                out[contract] = (str(row.get("tokenSymbol", "")), parse.to_int(row.get("tokenDecimal")))
                break
        return {c: m for c, m in out.items() if m[0]}

    def latest_block(self) -> int:
        """The chain tip."""
        return self.client.block_number()

    def balances(self, addresses: Iterable[str]) -> dict[str, int]:
        """Native balances, 20 addresses per ``balancemulti`` call."""
        canon = list(dict.fromkeys(canonical_address(self.chain, a) for a in addresses))
        out: dict[str, int] = {}
        for i in range(0, len(canon), BALANCEMULTI_MAX):
            out.update(parse.parse_balances(self.client.balancemulti(canon[i:i + BALANCEMULTI_MAX]), self.chain))
        return out

    def token_senders(self, addresses: Collection[str], since_block: int, until_block: int) -> dict[str, int]:
        """Watched address -> last block in the window where it sent a token (one chain-wide Transfer scan,
        chains/etherscan/transfer_scan.py): catches transferFrom pulls that cost the owner no gas."""
        return transfer_scan.token_senders(self.client, self.chain, addresses, since_block, until_block)

    def token_balance(self, contract: str, address: str) -> int:
        """Raw balance of one ERC-20 token."""
        return self.client.tokenbalance(canonical_address(self.chain, contract),
                                        canonical_address(self.chain, address))
