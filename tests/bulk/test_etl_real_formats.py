"""The file source reads real ethereum-etl output (the tool's own test fixtures in shared data/format_refs)."""

from __future__ import annotations

import shutil
from pathlib import Path

from chains.etl import etl_adapter
from tests.shared_data import SHARED_DATA
from tracer.model import Chain, Direction, TransferKind

REFS = SHARED_DATA / "format_refs" / "ethereum_etl"


def test_ethereum_etl_token_transfers_and_traces(tmp_path: Path) -> None:
    root = tmp_path / "ethereum"
    for table, name in (("traces", "export_traces_job__block_with_subtraces__expected_traces.csv"),
                        ("token_transfers", "export_token_transfers_job__block_with_transfers__expected_token_transfers.csv")):
        (root / table).mkdir(parents=True)
        shutil.copy(REFS / name, root / table / f"{table}.csv")
    (root / "blocks.csv").write_text("number,hash,timestamp\n483920,0xaa,1446561880\n1000000,0xbb,1455404053\n")
    adapter = etl_adapter(Chain.ETHEREUM, root)
    (token,) = adapter.transfers_of("0x1b63142628311395ceafeea5667e7c9026c862ca", direction=Direction.OUT)
    assert token.kind is TransferKind.TOKEN and token.amount == 100_000 and token.block_number == 483_920
    assert token.to_address == "0xac4df82fe37ea2187bc8c011a23d743b4f39019a"
    assert token.timestamp.year == 2015 and token.asset.contract == "0xf4eced2f682ce333f96f2d8966c613ded8fc95dd"
    # the callcode subtrace moves no value between two parties, the top-level call is the tx itself, rewards are
    # not transfers: no internal transfer in this block
    assert list(adapter.transfers_of("0xc083e9947cf02b8ffc7d3090ae9aea72df98fd47")) == []
    assert adapter.latest_block() == 1_000_000
