"""Per-chain transaction builders that keep balances, nonces and UTXO sets consistent while a story is written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tracer.sandbox.generator.abi import TRANSFER_TOPIC, topic_address
from tracer.sandbox.generator.ids import Ids
from tracer.sandbox.world import (
    BlockClock,
    BtcIn,
    BtcOut,
    BtcTx,
    EvmLog,
    EvmTx,
    InternalCall,
    TokenTransfer,
    Trc20Transfer,
    TronEvent,
    TronTx,
)

Call = tuple[str, str, int]  # (from, to, value)
TokenMove = tuple[str, str, str, int]  # (contract, from, to, value)
RawLog = tuple[str, tuple[str, ...], str]  # (address, topics, data)


class InsufficientFunds(AssertionError):
    """A strict (launderer) address would go negative: the story is inconsistent."""


class EvmBuilder:
    """Appends EVM txs; unknown senders are topped up from 'genesis', strict addresses never are."""

    def __init__(self, clock: BlockClock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.txs: list[EvmTx] = []
        self.balance: dict[str, int] = defaultdict(int)
        self.genesis: dict[str, int] = defaultdict(int)
        self.tokens: dict[tuple[str, str], int] = defaultdict(int)
        self.token_genesis: dict[tuple[str, str], int] = defaultdict(int)
        self.strict: set[str] = set()
        self._nonce: dict[str, int] = defaultdict(int)
        self._pos: dict[int, int] = defaultdict(int)

    def block_at(self, ts: int) -> int:
        """Block containing unix time ``ts``."""
        return self.clock.height_at(ts)

    def _debit(self, addr: str, amount: int) -> None:
        if self.balance[addr] < amount:
            if addr in self.strict:
                raise InsufficientFunds(f"{addr} has {self.balance[addr]} < {amount}")
            self.genesis[addr] += amount - self.balance[addr]
            self.balance[addr] = amount
        self.balance[addr] -= amount

    def _debit_token(self, contract: str, addr: str, amount: int) -> None:
        key = (contract, addr)
        if self.tokens[key] < amount:
            if addr in self.strict:
                raise InsufficientFunds(f"{addr} has {self.tokens[key]} {contract} < {amount}")
            self.token_genesis[key] += amount - self.tokens[key]
            self.tokens[key] = amount
        self.tokens[key] -= amount

    def tx(
        self,
        ts: int,
        sender: str,
        to: str,
        value: int = 0,
        *,
        input: str = "0x",
        gas_used: int = 21_000,
        gas_price: int = 2_000_000_000,
        internal: Iterable[Call] = (),
        tokens: Iterable[TokenMove] = (),
        logs: Iterable[RawLog] = (),
        is_error: bool = False,
    ) -> EvmTx:
        """Record one transaction at time ``ts`` and apply its balance changes."""
        block = self.block_at(ts)
        pos = self._pos[block]
        self._pos[block] += 1
        log_index = 0
        token_rows: list[TokenTransfer] = []
        log_rows: list[EvmLog] = []
        fee = gas_used * gas_price
        self._debit(sender, fee + (0 if is_error else value))
        if not is_error:
            self.balance[to] += value
        calls = tuple(
            InternalCall(f, t, v, trace_id=str(n)) for n, (f, t, v) in enumerate(internal)
        ) if not is_error else ()
        for c in calls:
            self._debit(c.from_, c.value)
            self.balance[c.to] += c.value
        for contract, f, t, v in tokens if not is_error else ():
            self._debit_token(contract, f, v)
            self.tokens[(contract, t)] += v
            token_rows.append(TokenTransfer(contract, f, t, v, log_index))
            log_index += 1
        for address, topics, data in logs if not is_error else ():
            log_rows.append(EvmLog(address, topics, data, log_index))
            log_index += 1
        tx = EvmTx(
            hash=self.ids.evm_hash(), block=block, tx_index=pos, from_=sender, to=to, value=value,
            nonce=self._nonce[sender], gas_limit=max(21_000, gas_used * 3 // 2), gas_used=gas_used,
            gas_price=gas_price, input=input, is_error=is_error, internal=calls,
            token_transfers=tuple(token_rows), logs=tuple(log_rows),
        )
        self._nonce[sender] += 1
        self.txs.append(tx)
        return tx


def transfer_log(contract: str, src: str, dst: str, value: int) -> RawLog:
    """An ERC-20 Transfer log in raw form (for getLogs-only views)."""
    return (contract, (TRANSFER_TOPIC, topic_address(src), topic_address(dst)), "0x" + value.to_bytes(32, "big").hex())


class BtcBuilder:
    """Appends Bitcoin txs over a tracked UTXO set; outside money enters as 'external' prevouts."""

    def __init__(self, clock: BlockClock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.txs: list[BtcTx] = []
        self.utxos: dict[tuple[str, int], tuple[str, int, int]] = {}  # outpoint -> (address, value, block)

    def external(self, address: str, value: int) -> tuple[str, int]:
        """An outpoint funded outside the world (its tx is not served)."""
        op = (self.ids.hash32(), 0)
        self.utxos[op] = (address, value, 0)
        return op

    def tx(self, ts: int, inputs: Iterable[tuple[str, int]], outputs: Iterable[BtcOut]) -> BtcTx:
        """Spend ``inputs`` into ``outputs`` at time ``ts``; the fee is the difference (must be >= 0)."""
        block = self.clock.height_at(ts)
        vin: list[BtcIn] = []
        for op in inputs:
            address, value, born = self.utxos.pop(op)
            if born > block:
                raise AssertionError(f"spend of {op} before it exists")
            vin.append(BtcIn(op[0], op[1], address, value))
        tx = BtcTx(self.ids.hash32(), block, tuple(vin), tuple(outputs))
        if tx.fee < 0:
            raise AssertionError(f"negative fee in {tx.txid}")
        for n, o in enumerate(tx.vout):
            if o.address is not None:
                self.utxos[(tx.txid, n)] = (o.address, o.value, block)
        self.txs.append(tx)
        return tx

    def balance(self, address: str) -> int:
        """Unspent sats at ``address``."""
        return sum(v for a, v, _ in self.utxos.values() if a == address)

    def outpoints(self, address: str) -> list[tuple[str, int]]:
        """Unspent outpoints of ``address`` in creation order."""
        return [op for op, (a, _, _) in self.utxos.items() if a == address]


def out(address: str, value: int) -> BtcOut:
    """A standard output; the script type follows from the address."""
    kind = "v0_p2wpkh" if address.startswith("bc1q") else "v1_p2tr" if address.startswith("bc1p") else "p2pkh"
    return BtcOut(address, value, kind)


def op_return(text: str) -> BtcOut:
    """A zero-value OP_RETURN output carrying ``text``."""
    return BtcOut(None, 0, "op_return", text.encode())


class TronBuilder:
    """Appends TRON txs (TRX transfers and TRC-20 calls) and tracks token balances of strict addresses."""

    def __init__(self, clock: BlockClock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.txs: list[TronTx] = []
        self.tokens: dict[tuple[str, str], int] = defaultdict(int)
        self.strict: set[str] = set()

    def trx(self, ts: int, owner: str, to: str, amount: int) -> TronTx:
        """A TRX ``TransferContract``."""
        tx = TronTx(self.ids.hash32(), self.clock.height_at(ts), owner, "TransferContract", to, amount=amount)
        self.txs.append(tx)
        return tx

    def trc20(
        self, ts: int, owner: str, contract: str, src: str, dst: str, value: int,
        events: Iterable[tuple[str, tuple[tuple[str, str], ...]]] = (),
    ) -> TronTx:
        """A ``TriggerSmartContract`` call moving ``value`` of ``contract`` from ``src`` to ``dst``."""
        key = (contract, src)
        if self.tokens[key] < value and src in self.strict:
            raise InsufficientFunds(f"{src} has {self.tokens[key]} < {value}")
        self.tokens[key] = max(0, self.tokens[key] - value)
        self.tokens[(contract, dst)] += value
        extra = tuple(TronEvent(contract, name, params, n + 1) for n, (name, params) in enumerate(events))
        tx = TronTx(
            self.ids.hash32(), self.clock.height_at(ts), owner, "TriggerSmartContract", contract,
            fee=13_844_850, trc20=(Trc20Transfer(contract, src, dst, value, 0),) if value or not extra else (),
            events=extra,
        )
        self.txs.append(tx)
        return tx

    def event(self, ts: int, owner: str, contract: str, name: str, params: tuple[tuple[str, str], ...]) -> TronTx:
        """A contract call that only emits an event (e.g. the issuer's ``addBlackList``)."""
        tx = TronTx(
            self.ids.hash32(), self.clock.height_at(ts), owner, "TriggerSmartContract", contract, fee=4_000_000,
            events=(TronEvent(contract, name, params, 0),),
        )
        self.txs.append(tx)
        return tx
