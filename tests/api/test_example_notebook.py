"""The example notebook executes end to end (nbclient + ipykernel) and reconciles with the export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.demo_world import clean_env

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "case_walkthrough.ipynb"


def test_walkthrough_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    wanted = clean_env(TRACER_DEMO_OUT=str(tmp_path / "demo"))
    for name in [k for k in os.environ if k not in wanted]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRACER_DEMO_OUT", wanted["TRACER_DEMO_OUT"])  # the kernel inherits this environment
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    last = nb.cells[-1].outputs
    text = "".join(o.get("text", "") for o in last if o.get("output_type") == "stream")
    result = json.loads(text.strip().splitlines()[-1])
    assert isinstance(result["frame_usd_total"], float) and result["frame_usd_total"] > 0
    assert abs(result["frame_usd_total"] - float(result["export_usd_total"])) < 1e-6 * result["frame_usd_total"]
    assert result["amounts_exact"] is True
