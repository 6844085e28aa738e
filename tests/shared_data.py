"""Where the read-only shared data folder is: ``$TRACER_SHARED_DATA``, else ``<repo>/../shared/data`` (how CI lays
it out beside the clone), else ``/work/shared/data`` (the developers' machines)."""

from __future__ import annotations

import os
from pathlib import Path


def _find() -> Path:
    env = os.environ.get("TRACER_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")]
    for path in candidates:
        if (path / "README.md").exists():
            return path
    return candidates[0]


SHARED_DATA = _find()
