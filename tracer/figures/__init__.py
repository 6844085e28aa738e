"""Fund-flow figures for a traced case (issue 9): stage Sankey, dispersal timeline, flow graph, summary table.

Every figure is drawn from the case-export document (``tracer/schemas/case_export.schema.json``). ``data`` turns
the document into pandas tables; ``sankey``/``timeline``/``flowgraph``/``summary`` turn tables into plotly
figures; ``render`` writes HTML, PNG/SVG/PDF, CSV tables, the transaction annex and a manifest.
"""

from __future__ import annotations

from tracer.figures.render import RenderResult, render_case

__all__ = ["RenderResult", "render_case"]
