"""Bitcoin adapter over Esplora: composes :class:`EsploraClient` and the pure parsers.

No redundant request (issue 16): an address page already carries whole transactions (vin with prevout, vout,
status), so every transaction seen on a page -- or fetched by ``/tx/:id`` -- and confirmed below the case's final
block is remembered, and :meth:`EsploraAdapter.transaction` asks ``/tx/:id`` only for one never seen. An
outspends answer is remembered for the final block it was asked under: the engine follows one CoinJoin round
from each of its traced inputs, and they read the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from chains.addresses import canonical_address
from chains.base import Capability, UtxoAdapter, transfer_sort_key
from chains.esplora.client import EsploraClient
from chains.esplora.parse import esplora_outspends_to_domain, esplora_tx_to_chaintx, is_confirmed
from chains.esplora.types import EsploraTx
from chains.memo import Memo
from tracer.errors import BadResponse, ChainError, InvalidAddress
from tracer.model import Chain, ChainTx, Direction, OutputSpend, Transfer

TX_MEMO_LIMIT = 20_000
"""Transactions remembered (least recently used dropped first): a few KB each, tens of MB at most."""
OUTSPENDS_MEMO_LIMIT = 2_000
PAGE_MEMO_LIMIT = 2_000
"""Newest address pages read ahead of the address's own expansion (bridge payouts)."""


class EsploraAdapter(UtxoAdapter):
    """Bitcoin transfers (one per output, kind UTXO) from a Blockstream/mempool.space Esplora API.

    May raise: ChainUnavailable, RateLimited, BadResponse, ApiRejected, AddressTooLarge.
    """

    chain = Chain.BITCOIN
    name = "esplora"
    capabilities = frozenset({Capability.NATIVE, Capability.UTXO, Capability.BALANCES})

    def __init__(self, client: EsploraClient, *, memo_limit: int = TX_MEMO_LIMIT) -> None:
        self.client = client
        self._txs: Memo[str, ChainTx] = Memo(memo_limit)
        self._outspends: Memo[tuple[str, int], tuple[OutputSpend, ...]] = Memo(OUTSPENDS_MEMO_LIMIT)
        self._pages: Memo[tuple[str, int], list[EsploraTx]] = Memo(PAGE_MEMO_LIMIT)

    def _remember(self, tx: ChainTx, final_block: int | None) -> None:
        """Keep ``tx`` when it is buried below the final block (a reorg above it could still change it)."""
        if final_block is not None and tx.block_number < final_block:
            self._txs.put(tx.tx_hash, tx)

    def transactions_of(
        self, address: str, *, since_block: int | None = None, until_block: int | None = None,
        final_block: int | None = None,
    ) -> Iterator[ChainTx]:
        """Confirmed transactions touching ``address`` in the block window, ascending (block, txid)."""
        address = canonical_address(Chain.BITCOIN, address)
        seen: dict[str, ChainTx] = {}
        first = self._pages.get((address, final_block)) if final_block is not None else None
        for raw in self.client.iter_address_txs(address, stop_below=since_block, final_block=final_block,
                                                first_page=first):
            tx = esplora_tx_to_chaintx(raw)
            self._remember(tx, final_block)
            if since_block is not None and tx.block_number < since_block:
                continue
            if until_block is not None and tx.block_number > until_block:
                continue
            seen[tx.tx_hash] = tx
        yield from sorted(seen.values(), key=lambda t: (t.block_number, t.tx_hash))

    def transfers_of(
        self,
        address: str,
        *,
        direction: Direction = Direction.BOTH,
        since_block: int | None = None,
        until_block: int | None = None,
        final_block: int | None = None,
    ) -> Iterator[Transfer]:
        """Outputs received by ``address`` (IN) and every output of a tx spending from it (OUT)."""
        address = canonical_address(Chain.BITCOIN, address)
        found: dict[str, Transfer] = {}
        for tx in self.transactions_of(address, since_block=since_block, until_block=until_block,
                                     final_block=final_block):
            spends = any(i.address == address for i in tx.inputs)
            for t in tx.transfers:
                incoming = t.to_address == address
                if (direction is not Direction.OUT and incoming) or (direction is not Direction.IN and spends):
                    found[t.id] = t
        yield from sorted(found.values(), key=transfer_sort_key)

    def transaction(self, tx_hash: str, *, final_block: int | None = None) -> ChainTx | None:
        """The confirmed transaction, or None when Esplora does not know it (404) or it is still in the mempool.

        A transaction already seen on an address page (or fetched before) below the final block costs no request.
        """
        txid = _txid(tx_hash)
        seen = self._txs.get(txid)
        if seen is not None:
            return seen
        raw = self.client.tx(txid, final_block=final_block)
        if raw is None or not is_confirmed(raw):
            return None
        tx = esplora_tx_to_chaintx(raw)
        self._remember(tx, final_block)
        return tx

    def transaction_paying(self, tx_hash: str, address: str, *, final_block: int | None = None) -> ChainTx | None:
        """``tx_hash``, which pays ``address``: read from the newest page of ``address`` when it is there.

        A bridge's payout is followed next into its recipient, whose history starts with that same page: with a
        final block the page is kept for that read, so the payout costs no request of its own. When the page does
        not hold it (a busy recipient), ``/tx/:id`` as :meth:`transaction`.
        """
        txid = _txid(tx_hash)
        if final_block is None or self._txs.get(txid) is not None:
            return self.transaction(txid, final_block=final_block)
        try:
            address = canonical_address(Chain.BITCOIN, address)
            page = self._pages.get((address, final_block))
            if page is None:
                page = self.client.address_txs_page(address)
                self._pages.put((address, final_block), page)
        except (ChainError, InvalidAddress):  # no readable page (too large, refused, garbage): the tx alone,
            return self.transaction(txid, final_block=final_block)  # as before; the expansion meets the page
        for raw in page:
            if raw.get("txid") == txid and is_confirmed(raw):
                tx = esplora_tx_to_chaintx(raw)
                self._remember(tx, final_block)
                return tx
        return self.transaction(txid, final_block=final_block)

    def outspends(self, tx_hash: str, *, final_block: int | None = None) -> list[OutputSpend]:
        """Spend status of every output of ``tx_hash`` by index ([] when the tx is unknown).

        Asked once per (tx, final block): a trace pins its final block, so a second question in the same case
        (another traced input of the same round) reads the first answer. Without a final block (the monitor
        asks about the moving tip) every call asks.
        """
        txid = _txid(tx_hash)
        if final_block is not None and (known := self._outspends.get((txid, final_block))) is not None:
            return list(known)
        raw = self.client.outspends(txid, final_block=final_block)
        spends = [] if raw is None else esplora_outspends_to_domain(raw)
        if final_block is not None and raw is not None:
            self._outspends.put((txid, final_block), tuple(spends))
        return spends

    def balances(self, addresses: Iterable[str]) -> dict[str, int]:
        """Confirmed balances in sat (``chain_stats`` funded minus spent), one ``/address/:a`` call each."""
        out: dict[str, int] = {}
        for raw in addresses:
            address = canonical_address(Chain.BITCOIN, raw)
            stats = self.client.address_stats(address).get("chain_stats") or {}
            try:
                out[address] = int(stats.get("funded_txo_sum", 0)) - int(stats.get("spent_txo_sum", 0))
            except (TypeError, ValueError) as exc:
                raise BadResponse(f"esplora: bad chain_stats for {address}") from exc
        return out

    def latest_block(self) -> int:
        """The chain tip height."""
        return self.client.tip_height()


def _txid(tx_hash: str) -> str:
    """Esplora wants bare lower-case hex; accept a 0x prefix or upper case (Midgard reports BTC ids upper-case)."""
    h = tx_hash.strip().lower()
    return h[2:] if h.startswith("0x") else h
