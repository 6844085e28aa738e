"""Seeding a trace: which inflows of the seed address are the stolen value.

With ``--tx`` the stolen value is what the seed received in the theft transaction. Otherwise it is every inflow
from ``since`` on, except noise: zero-value and failed transfers, look-alike/fake tokens, and dust -- inflows below
``SEED_DUST_FRACTION`` of the largest inflow of the same asset (strangers "dusting" a famous exploiter address).

An unpriced token is loot only when it came from someone who also sent the seed priced value (the victim); a
worthless token airdropped to a famous exploiter address by a stranger is not stolen. The analyst overrides
both rules by naming the stolen assets (``tracer trace --asset``): then exactly the named assets are loot.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from chains.base import ChainAdapter, UtxoAdapter
from db.records import THEFT_PARENT, Contribution
from tracer.engine.ports import PriceLookup
from tracer.engine.utxo import output_transfer
from tracer.model import Address, Evidence, EvidenceClass, Transfer

SEED_DUST_FRACTION_NUM = 1
SEED_DUST_FRACTION_DEN = 1_000  # an inflow under 0.1% of the largest inflow of its asset is dust, not loot


def stolen_inflows(adapter: ChainAdapter, node: Address, *, tx_hash: str | None, since_block: int | None,
                   final_block: int | None, since_time: datetime | None = None) -> list[Transfer]:
    """The seed's stolen inflows up to the case's pinned ``final_block`` (see the module docstring)."""
    until_block = final_block
    if tx_hash is not None:
        tx = adapter.transaction(tx_hash, final_block=final_block)
        if tx is None:
            from tracer.errors import TracerError

            raise TracerError(f"{node.chain.value} does not know transaction {tx_hash}")
        if node.chain.is_utxo:
            candidates = [output_transfer(tx, o.index) for o in tx.outputs if o.address == node.value]
        else:
            candidates = [t for t in tx.transfers if t.to_address == node.value]
    elif isinstance(adapter, UtxoAdapter):
        candidates = []
        for tx in adapter.transactions_of(node.value, since_block=since_block, until_block=until_block,
                                          final_block=final_block):
            own_inputs = any(i.address == node.value for i in tx.inputs)
            if own_inputs:
                continue  # change coming back is not new loot
            candidates.extend(output_transfer(tx, o.index) for o in tx.outputs if o.address == node.value)
    else:
        history = list(adapter.transfers_of(node.value, since_block=since_block, until_block=until_block,
                                            final_block=final_block))
        # Value coming back in a tx where the seed itself sends value (a swap's proceeds, a refund) is the loot
        # changing form, already counted in the asset that went out -- not new loot.
        own_txs = {t.tx_hash for t in history if t.from_address == node.value and t.amount > 0 and not t.flags}
        candidates = [t for t in history if t.to_address == node.value and t.from_address != node.value
                      and t.tx_hash not in own_txs]
    if since_time is not None:
        candidates = [t for t in candidates if t.timestamp >= since_time]
    return drop_noise(candidates)


def drop_noise(candidates: Sequence[Transfer]) -> list[Transfer]:
    """Remove flagged transfers and dust (relative to the largest inflow of the same asset)."""
    clean = [t for t in candidates if t.followable]
    largest: dict[str, int] = {}
    for t in clean:
        largest[t.asset.key] = max(largest.get(t.asset.key, 0), t.amount)
    return [t for t in clean
            if t.amount * SEED_DUST_FRACTION_DEN >= largest[t.asset.key] * SEED_DUST_FRACTION_NUM]


def names_asset(names: Collection[str], transfer: Transfer) -> bool:
    """Whether an analyst's ``--asset`` names match the transfer's asset (symbol, contract or asset key)."""
    asset = transfer.asset
    wanted = {n.strip().lower() for n in names}
    return bool(wanted & {asset.symbol.lower(), asset.key.lower(), (asset.contract or "").lower()} - {""})


def stolen_assets(inflows: Sequence[Transfer], prices: PriceLookup | None,
                  named: Collection[str] = ()) -> list[Transfer]:
    """The inflows that are loot (see the module docstring): named assets, else priced value and whatever the
    senders of priced value sent too. Without a price table (or nothing priced) every inflow counts."""
    if named:
        return [t for t in inflows if names_asset(named, t)]
    if prices is None:
        return list(inflows)

    def priced(t: Transfer) -> bool:
        return prices.price_on(t.asset.symbol, t.timestamp.date().isoformat()) is not None

    victims = {t.from_address for t in inflows if priced(t)}
    if not victims:
        return list(inflows)
    return [t for t in inflows if priced(t) or t.from_address in victims]


def seed_contributions(node: Address, inflows: Sequence[Transfer]) -> list[Contribution]:
    """Hop-0 taint: each stolen inflow is wholly tainted and is its own origin asset."""
    evidence = Evidence(EvidenceClass.E1, "seed.stolen_inflow", 1.0, {"seed": str(node)})
    return [Contribution(t, t.asset.key, t.amount, t.amount, THEFT_PARENT, 0, evidence) for t in inflows]
