"""Full-history mixer linking: every deposit and withdrawal of the Tornado-style pools through the trace's linkers.

Input: pool events in the tornado-cli layout (``deposits_<token>_<amount>.json`` / ``withdrawals_…json``: block,
tx hash, timestamp; withdrawals add recipient ``to`` and relayer ``fee``), optionally joined with an ethereum-etl
export (``transactions``) for what events lack: the depositor (tx sender), gas prices, and the relayer (the sender
of a withdrawal paid to someone else). Every deposit is a deposit of interest, so the linkers
(:func:`heuristics.mixers.tornado.link_withdrawals`: address match, unique gas price, multi-denomination,
time order) score the whole history at once. Without the join only the time rule can fire (E5).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chains.etl.tables import EtlTables, as_int, as_text
from heuristics.mixers.pools import Pool, find_pool
from heuristics.mixers.tornado import PoolDeposit, PoolLink, PoolWithdrawal, TornadoCallbacks, link_withdrawals
from tracer.model import Chain

EVENT_FILE = re.compile(r"^(deposits|withdrawals)_([a-z]+)_([0-9.]+)\.json$")
SYMBOLS = {"cdai": "cDAI"}


@dataclass(frozen=True, slots=True)
class MixerRun:
    """What a linking run read and found."""

    pools: int
    deposits: int
    withdrawals: int
    links: tuple[PoolLink, ...]
    skipped_files: tuple[str, ...]


def _senders(etl: Path | None, hashes: set[str]) -> dict[str, tuple[str, int | None]]:
    """tx hash -> (sender, gas price) from an ethereum-etl ``transactions`` table (empty without one)."""
    if etl is None or not hashes:
        return {}
    tables = EtlTables(etl, ("transactions",))
    if not tables.has("transactions"):
        return {}
    rows = tables.rows("SELECT lower(hash) AS h, lower(from_address) AS f, gas_price FROM transactions "
                       "WHERE lower(hash) IN (SELECT unnest(?::VARCHAR[]))", [sorted(hashes)])
    tables.close()
    return {as_text(r["h"]): (as_text(r["f"]), as_int(r["gas_price"]) if r["gas_price"] not in (None, "") else None)
            for r in rows}


def load_events(folder: Path, chain: Chain, etl: Path | None = None
                ) -> tuple[list[PoolDeposit], list[PoolWithdrawal], list[str]]:
    """Deposits and withdrawals of every known pool in ``folder`` (files of unknown pools are skipped)."""
    raw: list[tuple[str, Pool, dict[str, object]]] = []
    skipped: list[str] = []
    for path in sorted(folder.glob("*.json")):
        m = EVENT_FILE.match(path.name)
        pool = find_pool(chain, SYMBOLS.get(m.group(2), m.group(2).upper()), m.group(3)) if m else None
        if m is None or pool is None:
            skipped.append(path.name)
            continue
        raw += [(m.group(1), pool, e) for e in json.loads(path.read_text(encoding="utf-8"))]
    senders = _senders(etl, {str(e["transactionHash"]).lower() for _, _, e in raw})
    deposits: list[PoolDeposit] = []
    withdrawals: list[PoolWithdrawal] = []
    for kind, pool, e in raw:
        tx = str(e["transactionHash"]).lower()
        block, when = int(str(e["blockNumber"])), datetime.fromtimestamp(int(str(e["timestamp"])), tz=UTC)
        sender, gas = senders.get(tx, (None, None))
        if kind == "deposits":
            deposits.append(PoolDeposit(tx, block, when, pool, sender, gas))
        else:
            recipient = str(e["to"]).lower()
            relayer = sender if sender and sender != recipient else None
            withdrawals.append(PoolWithdrawal(tx, block, when, pool, recipient, relayer, int(str(e.get("fee", 0))),
                                              gas))
    deposits.sort(key=lambda d: (d.block, d.tx_hash))
    withdrawals.sort(key=lambda w: (w.block, w.tx_hash))
    return deposits, withdrawals, skipped


def link_history(deposits: Sequence[PoolDeposit], withdrawals: Sequence[PoolWithdrawal]) -> list[PoolLink]:
    """Every candidate (deposit, withdrawal) link over the whole history, best first."""
    return link_withdrawals(deposits, deposits, withdrawals, TornadoCallbacks())


def run_mixers(folder: Path, chain: Chain = Chain.ETHEREUM, etl: Path | None = None) -> MixerRun:
    """Load the events and link them."""
    deposits, withdrawals, skipped = load_events(folder, chain, etl)
    links = link_history(deposits, withdrawals)
    pools = {d.pool.address for d in deposits} | {w.pool.address for w in withdrawals}
    return MixerRun(len(pools), len(deposits), len(withdrawals), tuple(links), tuple(skipped))


def link_rows(chain: Chain, links: Sequence[PoolLink]) -> list[dict[str, object]]:
    """Links as flat rows (the ``mixer_links`` table and the store)."""
    return [{"chain": chain.value, "pool": lk.deposit.pool.address, "deposit_tx": lk.deposit.tx_hash,
             "deposit_block": lk.deposit.block, "deposit_time": int(lk.deposit.timestamp.timestamp()),
             "depositor": lk.deposit.depositor, "withdrawal_tx": lk.withdrawal.tx_hash,
             "withdrawal_block": lk.withdrawal.block, "withdrawal_time": int(lk.withdrawal.timestamp.timestamp()),
             "recipient": lk.withdrawal.recipient, "relayer": lk.withdrawal.relayer, "fee": str(lk.withdrawal.fee),
             "heuristics": ",".join(lk.heuristics), "confidence": lk.confidence,
             "evidence_class": lk.evidence.evidence_class.value, "rule": lk.evidence.rule}
            for lk in links]
