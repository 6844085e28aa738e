"""The same sandbox world traced through the loopback APIs and through its ethereum-etl/bitcoin-etl/tronetl export:
identical exports, and the file run makes no chain request."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.http import HttpClient
from tests.e2e.harness import export, running_sandbox, settings_for, trace
from tracer.sandbox.etl_export import export_world

CHAIN_DIALECTS = ("etherscan", "esplora", "trongrid")


def _file_env(root: Path) -> dict[str, str]:
    return {f"TRACER_SOURCE_{c.upper()}": f"etl:{root / c}" for c in ("ethereum", "bitcoin", "tron")}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_trace_from_files_equals_trace_from_apis(tmp_path: Path, fmt: str) -> None:
    with running_sandbox(tmp_path / "sb") as sandbox:
        api_settings = settings_for(sandbox, tmp_path / "api.db")
        store, wiring, outcome = trace(sandbox, api_settings)
        api_doc = export(store, wiring)
        api_chain_requests = sum(c.stats.requests for c in wiring.clients
                                  if isinstance(c, HttpClient) and c.name in CHAIN_DIALECTS)

        counts = export_world(sandbox.world, tmp_path / "etl", fmt=fmt)
        assert counts["bitcoin/transactions"] > 100 and counts["ethereum/traces"] > 100
        file_settings = settings_for(sandbox, tmp_path / "files.db", **_file_env(tmp_path / "etl"))
        fstore, fwiring, foutcome = trace(sandbox, file_settings)
        file_doc = export(fstore, fwiring)
        # Only Midgard (THORChain) is still asked over HTTP: every chain client is gone.
        assert {c.name if isinstance(c, HttpClient) else "json-rpc" for c in fwiring.clients} == {"midgard"}
    assert outcome.finished and foutcome.finished
    assert api_chain_requests > 50
    assert len(api_doc["transfers"]) > 50
    # The whole export is equal: it carries no per-source provenance (raw API responses stay in the archive, which
    # the file run leaves empty), and the volatile generated_at is removed by the harness.
    assert file_doc == api_doc
