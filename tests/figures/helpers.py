"""Helpers for the figure tests: the sample path, Chromium detection, a stdlib PNG reader."""

from __future__ import annotations

import html
import os
import re
import struct
import zlib
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

SAMPLE = Path(__file__).parents[1] / "fixtures" / "exports" / "sample_case.json"


def chromium_missing() -> str | None:
    """Why static export cannot run here, or None."""
    from tracer.figures.static import static_unavailable_reason

    return static_unavailable_reason()


requires_chromium = pytest.mark.skipif(chromium_missing() is not None and not os.environ.get("TRACER_REQUIRE_CHROMIUM"),
                                       reason="Chromium not installed (apt-get install -y chromium)")


def png_info(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the decoded scanlines) of an 8-bit RGB(A) PNG, stdlib only."""
    blob = path.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos:pos + 4])
        kind = blob[pos + 4:pos + 8]
        body = blob[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    return width, height, len(set(raw[:: max(1, len(raw) // 200_000)]))


def svg_text(svg: str) -> str:
    """The words an SVG shows, tags removed and entities decoded, lines of a wrapped label joined by spaces."""
    return " " + " ".join(html.unescape(re.sub(r"<[^>]+>", " ", svg)).split()) + " "


def proven_exits(doc: Mapping[str, Any]) -> dict[str, Decimal]:
    """Proven exits by category straight from the export, to the cent: non-inferred endpoints, network fees aside
    (the flow graph does not draw fee sinks); ``usd`` when priced, else the stolen-origin amounts."""
    from tracer.figures import data

    v, scales = data.valuation(doc), data.origin_scales(doc)
    out: dict[str, Decimal] = defaultdict(Decimal)
    for e in doc["endpoints"]:
        if not e.get("inferred") and e["reason"] != "fees":
            out[data.exit_category(e)] += Decimal(e["usd"]) if v.priced else data.endpoint_value(e, v, scales)
    return {c: value.quantize(Decimal("0.01")) for c, value in out.items()}
