"""The monitor at its request floor (issue 16 item 3), over real loopback HTTP against small hand-built worlds.

TRON: one ``/v1/accounts/{a}`` per wallet and cycle; history only for a wallet whose TRX or TRC-20 balances changed
-- here a USDT transfer paid with staked energy, which leaves TRX untouched. Ethereum: a token pulled out of a
watched wallet by a spender through an old approval (``transferFrom``: no gas from the owner, its ETH balance does
not move) is found by the chain-wide Transfer-log scan and alerts in the next cycle.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chains.addresses import evm_from_bytes, tron_from_bytes
from chains.trongrid.parse import USDT_TRC20
from db.records import WatchEntry
from db.store import Store
from tracer.cli.wiring import Wiring, build
from tracer.config import Settings
from tracer.model import Chain
from tracer.monitor.cycle import Monitor
from tracer.sandbox.server.app import SandboxServer
from tracer.sandbox.world import BlockClock, EvmTx, Token, TokenTransfer, Trc20Transfer, TronTx, World

USDT_ETH = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CLOCKS = {"ethereum": BlockClock(0, 1_700_000_000, 12), "tron": BlockClock(0, 1_700_000_000, 3)}
TIPS: dict[str, tuple[int, ...]] = {"ethereum": (100, 200), "tron": (100, 200)}  # phase 1, phase 2; 12 confirmations -> safe 88, 188


def _tron(name: str) -> str:
    return tron_from_bytes(hashlib.sha256(name.encode()).digest()[:20])


def _evm(name: str) -> str:
    return evm_from_bytes(hashlib.sha256(name.encode()).digest()[:20])


def _txid(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


@contextmanager
def monitoring(world: World, tmp: Path, chain: Chain) -> Iterator[tuple[SandboxServer, Store, Wiring, Monitor]]:
    """The world on a loopback sandbox, a fresh SQLite store, the real adapters and a monitor without a case."""
    with SandboxServer(world) as server:
        urls = server.urls()
        env = {"TRACER_DATABASE_URL": f"sqlite:///{tmp / 'case.db'}", "TRACER_ETHERSCAN_URL": urls["etherscan"],
               "TRACER_TRONGRID_URL": urls["trongrid"], "TRACER_ESPLORA_URL": urls["esplora"],
               "TRACER_MIDGARD_URL": urls["midgard"], "TRACER_ETHERSCAN_RATE": "1000",
               "TRACER_TRONGRID_RATE": "1000", "TRACER_ETHERSCAN_API_KEY": "sandbox-key"}
        settings = Settings.load(env, config_path=tmp / "no-config.toml")
        store = Store.open(settings.database_url)
        wiring = build(settings, store, (chain,), bundled_labels=False)
        yield server, store, wiring, Monitor(store, wiring.services)


def _endpoints(server: SandboxServer) -> Counter[str]:
    return Counter({k: v for k, v in server.stats()["endpoints"].items() if ":" in k})


def test_tron_wallet_with_unchanged_balances_costs_one_request_and_a_changed_one_alerts(tmp_path: Path) -> None:
    funder, quiet, mover, dormant, exchange = (_tron(n) for n in ("funder", "quiet", "mover", "never", "exchange"))
    usdt = Token("tron", USDT_TRC20, "USDT", "Tether USD", 6)
    world = World(clocks=CLOCKS, tips=TIPS, tokens=(usdt,), tron_txs=(
        TronTx(_txid("t1"), 10, funder, "TransferContract", quiet, amount=5_000_000),
        TronTx(_txid("t2"), 11, funder, "TransferContract", mover, amount=9_000_000),
        TronTx(_txid("t3"), 12, funder, "TriggerSmartContract", USDT_TRC20, fee=1_000_000,
               trc20=(Trc20Transfer(USDT_TRC20, funder, mover, 1_000_000_000, 0),)),
        # phase 2: the mover sends USDT paying with staked energy and free bandwidth -- its TRX balance is unchanged
        TronTx(_txid("t4"), 150, mover, "TriggerSmartContract", USDT_TRC20, fee=0,
               trc20=(Trc20Transfer(USDT_TRC20, mover, exchange, 400_000_000, 0),)),
    ))
    with monitoring(world, tmp_path, Chain.TRON) as (server, store, wiring, monitor):
        for address in (quiet, mover, dormant):
            store.add_watch(WatchEntry(Chain.TRON, address, None, "manual watch"))
        first = monitor.run_once()  # sets every cursor and remembers the balances
        assert first.checked == 0 and first.requests == 1 + 3

        before = _endpoints(server)
        steady = monitor.run_once()
        used = _endpoints(server) - before
        assert steady.requests == 1 + 3  # the tip, then exactly one /v1/accounts/{a} per watched wallet
        assert used == Counter({"trongrid:/v1/accounts/:a": 3, "trongrid:/wallet/getnowblock": 1})
        assert steady.checked == 0 and steady.new_alerts == []

        server.set_phase(2)
        before = _endpoints(server)
        moved = monitor.run_once()
        used = _endpoints(server) - before
        assert used["trongrid:/v1/accounts/:a"] == 3
        assert used["trongrid:/v1/accounts/:a/transactions"] == 1  # history for the mover alone
        assert used["trongrid:/v1/accounts/:a/transactions/trc20"] == 1
        assert moved.checked == 1 and moved.moved == [f"tron:{mover}"]
        assert [(a.address, a.tx_hash, a.kind, a.amount) for a in moved.new_alerts] == [
            (mover, _txid("t4"), "token_out", 400_000_000)]

        before = _endpoints(server)
        settled = monitor.run_once()  # the new balances are remembered: back to one request per wallet
        assert settled.requests == 1 + 3 and settled.checked == 0
        assert _endpoints(server) - before == Counter({"trongrid:/v1/accounts/:a": 3,
                                                       "trongrid:/wallet/getnowblock": 1})


def test_erc20_transfer_from_by_a_spender_alerts_in_the_next_cycle(tmp_path: Path) -> None:
    owner, spender, thief = _evm("owner"), _evm("spender"), _evm("thief-sink")
    approve = EvmTx("0x" + _txid("approve"), 50, 0, owner, USDT_ETH, 0, 0, 60_000, 46_000, 10**9,
                    input="0x095ea7b3" + spender[2:].rjust(64, "0") + "f" * 64)
    pull = EvmTx("0x" + _txid("pull"), 150, 0, spender, USDT_ETH, 0, 0, 90_000, 52_000, 10**9,
                 input="0x23b872dd", token_transfers=(TokenTransfer(USDT_ETH, owner, thief, 400_000_000, 0),))
    world = World(clocks=CLOCKS, tips=TIPS, evm_txs=(approve, pull),
                  tokens=(Token("ethereum", USDT_ETH, "USDT", "Tether USD", 6),),
                  evm_genesis=((owner, 10**18), (spender, 10**18)),
                  token_genesis=((USDT_ETH, owner, 1_000_000_000),))
    with monitoring(world, tmp_path, Chain.ETHEREUM) as (server, store, wiring, monitor):
        bystander = _evm("bystander")
        for address in (owner, bystander):
            store.add_watch(WatchEntry(Chain.ETHEREUM, address, None, "manual watch"))
        monitor.run_once()
        before = _endpoints(server)
        steady = monitor.run_once()
        assert steady.requests == 3 and steady.new_alerts == []  # tip, balancemulti (2 wallets), one log page
        assert _endpoints(server) - before == Counter({"etherscan:proxy/eth_blockNumber": 1,
                                                       "etherscan:account/balancemulti": 1,
                                                       "etherscan:logs/getLogs": 1})

        server.set_phase(2)
        moved = monitor.run_once()
        cursor = store.get_cursor(Chain.ETHEREUM, owner)
        assert cursor is not None and cursor.last_balance == 10**18 - approve.fee  # the owner paid no gas
        assert moved.moved == [f"ethereum:{owner}"]
        assert [(a.address, a.tx_hash, a.kind, a.amount) for a in moved.new_alerts] == [
            (owner, pull.hash, "token_out", 400_000_000)]
        assert thief in moved.new_alerts[0].message
        # the quiet wallet's cursor follows the chain, so the next scan starts at 189, not at its first look (89)
        quiet = store.get_cursor(Chain.ETHEREUM, bystander)
        assert quiet is not None and (quiet.last_block, quiet.last_balance) == (188, 0)
