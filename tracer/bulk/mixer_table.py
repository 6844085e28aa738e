"""The candidate-link table of ``tracer bulk mixers``: its summary (counts per rule and per heuristic, under the
names the trace's export uses) and a digest both engines must agree on."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heuristics.mixers.tornado import RULE_PREFIX

LinkRow = Mapping[str, object]
LINK_COLUMNS = ("chain", "pool", "deposit_tx", "deposit_block", "deposit_time", "depositor", "withdrawal_tx",
                "withdrawal_block", "withdrawal_time", "recipient", "relayer", "fee", "heuristics", "confidence",
                "evidence_class", "rule")
"""The columns of :func:`tracer.bulk.mixers.link_rows` (table ``mixer_links`` and the store's ``bulk_mixer_links``)."""


def canonical(rows: Iterable[LinkRow]) -> list[LinkRow]:
    """Rows in one order independent of the engine (a link is one (deposit, withdrawal) pair)."""
    return sorted(rows, key=lambda r: (str(r["pool"]), str(r["deposit_tx"]), str(r["withdrawal_tx"])))


def table_digest(rows: Iterable[LinkRow]) -> str:
    """sha256 over the canonical rows, every column, as sorted-key JSON lines."""
    h = hashlib.sha256()
    for r in canonical(rows):
        h.update(json.dumps(dict(r), sort_keys=True).encode())
        h.update(b"\n")
    return h.hexdigest()


def heuristic_name(heuristic: str) -> str:
    """A linker's name as the export's rules spell it (``fifo_time`` -> ``mixers.tornado.fifo_time``)."""
    return f"{RULE_PREFIX}.{heuristic}"


@dataclass(frozen=True, slots=True)
class MixerSummary:
    """What ``tracer bulk mixers --json`` prints (and writes to ``summary.json``)."""

    engine: str
    pools: int
    deposits: int
    withdrawals: int
    links: int
    by_rule: dict[str, int]  # the link's rule, as in the trace export (``mixers.tornado.<h>`` or ``.combined``)
    by_heuristic: dict[str, int]  # links each linker voted for (a combined link counts for each of its linkers)
    digest: str
    skipped_files: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {"engine": self.engine, "pools": self.pools, "deposits": self.deposits,
                "withdrawals": self.withdrawals, "links": self.links, "by_rule": self.by_rule,
                "by_heuristic": self.by_heuristic, "digest": self.digest, "skipped_files": list(self.skipped_files)}


def summarize(engine: str, pools: int, deposits: int, withdrawals: int, rows: Sequence[LinkRow],
              skipped: Sequence[str] = ()) -> MixerSummary:
    """Counts and digest of a link table."""
    rules = Counter(str(r["rule"]) for r in rows)
    votes = Counter(heuristic_name(h) for r in rows for h in str(r["heuristics"]).split(",") if h)
    return MixerSummary(engine, pools, deposits, withdrawals, len(rows), dict(sorted(rules.items())),
                        dict(sorted(votes.items())), table_digest(rows), tuple(skipped))


def write_links(out: Path, rows: Sequence[LinkRow]) -> None:
    """``out/mixer_links/part-0.parquet`` in canonical order (the in-process engine; Spark writes its own parts)."""
    import duckdb
    import pandas as pd

    folder = out / "mixer_links"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    frame = pd.DataFrame([dict(r) for r in canonical(rows)], columns=list(LINK_COLUMNS))
    con = duckdb.connect()
    con.register("links", frame)
    con.execute(f"COPY links TO '{folder / 'part-0.parquet'}' (FORMAT parquet)")
    con.close()


def write_summary(out: Path, summary: MixerSummary) -> None:
    """``out/summary.json``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary.to_json(), sort_keys=True) + "\n", encoding="utf-8")
