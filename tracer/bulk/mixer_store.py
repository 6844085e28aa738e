"""Mixer links of ``tracer bulk mixers`` in the case store, and the lookup a trace uses during demixing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, insert, select

from db.models import BulkMixerLinkRow
from heuristics.base import make_evidence
from heuristics.mixers.pools import pool_of
from heuristics.mixers.tornado import PoolDeposit, PoolLink, PoolWithdrawal
from tracer.model import Chain, EvidenceClass

BATCH = 10_000


def store_links(engine: Engine, chain: Chain, rows: Sequence[dict[str, object]]) -> int:
    """Replace ``chain``'s stored links with ``rows`` (:func:`tracer.bulk.mixers.link_rows`)."""
    with engine.begin() as conn:
        conn.execute(delete(BulkMixerLinkRow).where(BulkMixerLinkRow.chain == chain.value))
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(BulkMixerLinkRow), list(rows[i:i + BATCH]))
    return len(rows)


class StoredMixerLinks:
    """Links for the deposits a trace reaches, rebuilt as :class:`PoolLink` values for the demixing step."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            self.size = int(conn.execute(select(func.count()).select_from(BulkMixerLinkRow)).scalar_one())

    def links_for(self, deposits: Iterable[PoolDeposit]) -> list[PoolLink]:
        """Stored links whose deposit is one of ``deposits`` (the trace's own deposit values are kept)."""
        wanted = {d.tx_hash: d for d in deposits}
        if not self.size or not wanted:
            return []
        with self.engine.connect() as conn:
            table = BulkMixerLinkRow.__table__
            rows = conn.execute(select(table).where(table.c.deposit_tx.in_(sorted(wanted)))).all()
        out = []
        for r in rows:
            deposit = wanted[r.deposit_tx]
            pool = pool_of(Chain(r.chain), r.pool) or deposit.pool
            withdrawal = PoolWithdrawal(r.withdrawal_tx, r.withdrawal_block,
                                        datetime.fromtimestamp(r.withdrawal_time, tz=UTC), pool, r.recipient,
                                        r.relayer, int(r.fee), None)
            evidence = make_evidence(EvidenceClass(r.evidence_class), r.rule, r.confidence,
                                     {"pool": pool.name, "deposit_tx": r.deposit_tx, "withdrawal_tx": r.withdrawal_tx,
                                      "recipient": r.recipient, "heuristics": r.heuristics,
                                      "source": "tracer bulk mixers (full pool history)"})
            out.append(PoolLink(evidence, deposit=deposit, withdrawal=withdrawal,
                                heuristics=tuple(r.heuristics.split(","))))
        return out
