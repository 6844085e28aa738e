"""Imported whole-chain clusters: a label on one member reaches the others, naming the merges that join them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from db.labels import LabelStore
from db.session import open_database
from tests.bulk.btc_builders import addr, chain_world, write_export
from tracer.bulk.labels import BulkClusterIndex
from tracer.bulk.store import BulkClusterTable
from tracer.cli.app import app
from tracer.model import Category, Chain, Label


def test_cli_cluster_import_then_labels_flow_through_the_cluster(tmp_path: Path, cli_env: dict[str, str]) -> None:
    src = write_export(tmp_path / "in", chain_world(6))
    env = cli_env
    runner = CliRunner()
    done = runner.invoke(app, ["bulk", "cluster", "--input", str(src), "--out", str(tmp_path / "out"), "--json"],
                         env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["multi_clusters"] == 1
    done = runner.invoke(app, ["clusters", "import", str(tmp_path / "out"), "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"addresses": 7, "clusters": 1, "merges": 6}

    engine = open_database(env["TRACER_DATABASE_URL"])
    exchange = Label(Chain.BITCOIN, addr(12), "Exchange X", Category.EXCHANGE, "test", 0.9, entity="Exchange X")
    index = BulkClusterIndex([*LabelStore(engine).active_labels(), exchange], BulkClusterTable(engine))
    (inherited,) = index.labels_of(Chain.BITCOIN, addr(0))
    assert inherited.category is Category.EXCHANGE and inherited.address == addr(0)
    # the path addr(0) -> addr(12) runs through six co-spends, each named by its transaction
    assert inherited.source.count("cioh tx ") == 6 and f"{5:064x}" in inherited.source
    assert inherited.confidence < exchange.confidence
    assert index.labels_of(Chain.BITCOIN, addr(10_000)) == []  # a payee outside the cluster inherits nothing
