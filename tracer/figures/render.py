"""Write the figure package of a case: HTML + PNG/SVG/PDF per figure, CSV tables, annex CSV/XLSX, manifest.

HTML is deterministic: fixed div ids and a relative ``plotly.min.js`` written once beside the pages (no CDN: the
package must open offline). Static images need Chromium (kaleido 1.x); without it the HTML, tables, annex and
manifest are still written and :attr:`RenderResult.note` says how to get the images.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from tracer.csvsafe import safe_frame
from tracer.figures import data, graph, series, stages
from tracer.figures.annex import write_annex_xlsx
from tracer.figures.flowgraph import build_flowgraph
from tracer.figures.sankey import build_sankey
from tracer.figures.static import StaticExporter, static_unavailable_reason
from tracer.figures.summary import build_summary
from tracer.figures.timeline import build_timeline

log = logging.getLogger(__name__)

FIGURES: tuple[str, ...] = ("sankey", "timeline", "flowgraph", "summary")
STATIC_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
PLOTLY_JS = "plotly.min.js"
STATIC_HINT = ("static PNG/SVG/PDF skipped ({reason}); install Chromium "
               "(`apt-get install -y chromium`) and re-run `tracer figures` to get them")


@dataclass(frozen=True)
class Figure:
    """One figure with the tables it was drawn from."""

    name: str
    figure: go.Figure
    tables: Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_case` wrote: paths relative to ``out_dir`` with their sha256."""

    out_dir: Path
    files: Mapping[str, str] = field(default_factory=dict)
    static: bool = False
    note: str | None = None

    @property
    def messages(self) -> list[str]:
        """Lines for the user (the static-image hint when images were skipped)."""
        return [self.note] if self.note else []

    @property
    def manifest(self) -> Path:
        """Path of the manifest (not listed in ``files``: it holds their hashes)."""
        return self.out_dir / "manifest.json"


def build_figures(doc: Mapping[str, Any], top_flows: int = 25) -> list[Figure]:
    """Every figure of the package with its data tables (pure: no I/O)."""
    case, as_of, v = str(doc["case"]), data.as_of(doc), data.valuation(doc)
    links = stages.sankey_links(doc)
    daily, holders, events = series.daily_routes(doc), series.holding_wallets(doc), series.events_table(doc)
    nodes, edges, rest = graph.graph_tables(doc, top=top_flows)
    into_groups = graph.group_edges(doc, top=top_flows)
    exits = graph.exit_totals(doc, top=top_flows)
    hover = {f"{a['chain']}:{a['address']}": "; ".join(str(lb["label"]) for lb in a.get("labels") or [])
             for a in doc["addresses"]}
    table = data.summary_table(doc)
    figures = [
        Figure("sankey", build_sankey(links, case=case, as_of=as_of, stolen_text=stolen_text(doc), valuation=v,
                                      note=stages.scale_note(doc)),
               {"sankey": links}),
        Figure("timeline", build_timeline(daily, holders, case=case, as_of=as_of, valuation=v, events=events,
                                          stolen_text=stolen_text(doc)),
               {"timeline_daily": daily, "timeline_wallets": holders, "timeline_events": events}),
        Figure("flowgraph", build_flowgraph(nodes, edges, rest, case=case, as_of=as_of, hover_labels=hover,
                                          valuation=v, group_edges=into_groups, exits=exits),
               {"flowgraph_nodes": nodes, "flowgraph_edges": edges, "flowgraph_rest": rest,
                "flowgraph_group_edges": into_groups, "flowgraph_exits": exits}),
        Figure("summary", build_summary(table, case=case, as_of=as_of, valuation=v,
                                             inferred_classes=data.inferred_evidence(doc)), {"summary": table}),
    ]
    for fig in figures:
        # Fixed trace uids: plotly.js would otherwise draw random ones into the SVG class names.
        for i, trace in enumerate(fig.figure.data):
            trace.uid = f"{fig.name}-{i}"
    return figures


def stolen_text(doc: Mapping[str, Any]) -> str:
    """``10,000 ETH + 500,000 USDT ($28.0M)``."""
    parts = [f"{data.fmt_amount(Decimal(s['amount']))} {str(s['asset']).split('@', 1)[0]}"
             for s in doc["summary"]["stolen"]]
    v = data.valuation(doc)
    return f"{' + '.join(parts)} ({v.text(data.stolen_value(doc, v))})"


def render_case(doc: Mapping[str, Any], out_dir: Path, *, static: bool = True, top_flows: int = 25,
                formats: tuple[str, ...] = STATIC_FORMATS,
                progress: Callable[[str], None] | None = None) -> RenderResult:
    """Write the whole package for an export document into ``out_dir`` (created if missing).

    ``formats`` picks the static image formats (a subset of png, svg, pdf); ``static=False`` skips them.

    The document is validated against the schema first (raises :class:`tracer.schemas.ExportInvalid`).
    """
    from tracer.schemas import validate_export

    validate_export(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    notify = progress or (lambda _msg: None)
    written: list[str] = []
    js = out_dir / PLOTLY_JS
    bundle = plotly.offline.get_plotlyjs().encode("utf-8")
    if not js.exists() or js.read_bytes() != bundle:
        js.write_bytes(bundle)
    written.append(PLOTLY_JS)
    figures = build_figures(doc, top_flows=top_flows)
    for fig in figures:
        _write_text(out_dir / f"{fig.name}.html", to_html(fig.figure, fig.name))
        written.append(f"{fig.name}.html")
        for table_name, table in fig.tables.items():
            _write_text(out_dir / f"{table_name}.csv", safe_frame(table).to_csv(index=False, lineterminator="\n"))
            written.append(f"{table_name}.csv")
        notify(f"{fig.name}: html and tables")
    annex = data.annex_table(doc)
    _write_text(out_dir / "annex.csv", safe_frame(annex).to_csv(index=False, lineterminator="\n"))
    write_annex_xlsx(annex, out_dir / "annex.xlsx", doc)
    written += ["annex.csv", "annex.xlsx"]
    note = None
    reason = static_unavailable_reason() if static else "disabled with --no-static"
    if reason is None:
        try:
            with StaticExporter(data.as_of(doc)) as exporter:
                for fig in figures:
                    for fmt in formats:
                        exporter.write(fig.figure, out_dir / f"{fig.name}.{fmt}", fmt)
                        written.append(f"{fig.name}.{fmt}")
                    notify(f"{fig.name}: {', '.join(formats)}")
        except Exception as exc:  # kaleido/choreographer raise their own types when the browser fails
            reason = f"image export failed: {type(exc).__name__}: {exc}"
            written = [w for w in written if not w.endswith(tuple(f".{f}" for f in STATIC_FORMATS))]
    if reason is not None:
        note = STATIC_HINT.format(reason=reason)
        log.info("%s", note)
    files = {name: _sha256(out_dir / name) for name in sorted(set(written))}
    _write_text(out_dir / "manifest.json", json.dumps(manifest(doc, files, note), indent=2, sort_keys=True) + "\n")
    return RenderResult(out_dir=out_dir, files=files, static=reason is None, note=note)


_DIV_ID = re.compile(r"^[a-z0-9-]+$")


def to_html(fig: go.Figure, name: str) -> str:
    """Deterministic standalone page: fixed div id, relative plotly.min.js, no CDN."""
    div_id = f"tracer-{name}"
    if not _DIV_ID.match(div_id):
        raise ValueError(f"bad figure name {name!r}")
    return str(fig.to_html(include_plotlyjs=PLOTLY_JS, full_html=True, div_id=div_id,
                           config={"displaylogo": False, "responsive": False}))


def manifest(doc: Mapping[str, Any], files: Mapping[str, str], note: str | None) -> dict[str, Any]:
    """Case parameters, label-set versions, block heights per chain, as-of date and the sha256 of every output."""
    meta = doc.get("meta") or {}
    return {
        "case": doc["case"],
        "generated_at": doc["generated_at"],
        "as_of": meta.get("as_of"),
        "tool_version": meta.get("tool_version"),
        "parameters": doc.get("parameters"),
        "label_versions": meta.get("label_versions", {}),
        "block_heights": meta.get("tips", {}),
        "seeds": doc.get("seeds", []),
        "stolen": doc["summary"]["stolen"],
        "figures": list(FIGURES),
        "value_unit": data.valuation(doc).label,
        "static_images": note is None,
        "note": note,
        "files": dict(files),
    }


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
