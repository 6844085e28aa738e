"""Static image export (PNG/SVG/PDF) through kaleido 1.x, which drives a local Chromium."""

from __future__ import annotations

import logging
import os
import re
import shutil
import warnings
from datetime import datetime
from pathlib import Path
from types import TracebackType

import plotly.graph_objects as go
import plotly.io as pio

from tracer.figures import style

log = logging.getLogger(__name__)


def browser_path() -> str | None:
    """The Chromium/Chrome kaleido would use: ``BROWSER_PATH`` if set, else what choreographer finds."""
    override = os.environ.get("BROWSER_PATH")
    if override is not None:
        return override
    try:
        from choreographer.browsers.chromium import Chromium

        found = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - any failure of the lookup means "use PATH"
        found = None
    if found:
        return str(found)
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def static_unavailable_reason() -> str | None:
    """None if static export can run; otherwise why not (one short phrase)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "kaleido is not installed"
    path = browser_path()
    if path is None:
        return "no Chromium found"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"browser {path} not found"
    return None


_SVG_UID = re.compile(r"(clip|defs-|legend|Clippath_|Clip_)([0-9a-f]{6})(?![0-9a-f])")


def stable_svg(svg: bytes) -> bytes:
    """Replace the random per-render uids plotly.js puts in clip-path/defs/legend ids with sequential ones."""
    mapping: dict[str, str] = {}

    def sub(match: re.Match[str]) -> str:
        uid = mapping.setdefault(match.group(2), f"{len(mapping):06d}")
        return match.group(1) + uid

    return _SVG_UID.sub(sub, svg.decode("utf-8")).encode("utf-8")


_PDF_DATES = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


def stable_pdf(pdf: bytes, when: datetime) -> bytes:
    """Pin Chromium's creation/modification dates to ``when`` (same byte length, so xref offsets hold)."""
    stamp = when.strftime("%Y%m%d%H%M%S").encode()

    def sub(match: re.Match[bytes]) -> bytes:
        fixed = b"/" + match.group(1) + b" (D:" + stamp + b"+00'00')"
        return fixed if len(fixed) == len(match.group(0)) else match.group(0)

    return _PDF_DATES.sub(sub, pdf)


class StaticExporter:
    """Context manager: one kaleido server (one Chromium) for all exports, closed on exit."""

    def __init__(self, as_of: datetime) -> None:
        self._as_of = as_of
        self._server = False
        self._quiet = logging.getLogger("choreographer")
        self._level = self._quiet.level

    def __enter__(self) -> StaticExporter:
        import kaleido

        # choreographer logs tracebacks for harmless messages while Chromium shuts down.
        self._quiet.setLevel(logging.CRITICAL)

        start = getattr(kaleido, "start_sync_server", None)
        if start is not None:  # kaleido >= 1.1: ~0.1 s per export instead of a browser per image
            start(silence_warnings=True)
            self._server = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server:
            import kaleido

            try:
                kaleido.stop_sync_server(silence_warnings=True)
            except OSError as err:  # Chromium's profile dir sometimes lingers a moment; harmless
                log.debug("kaleido shutdown: %s", err)
        self._quiet.setLevel(self._level)

    def write(self, fig: go.Figure, path: Path, fmt: str) -> None:
        """Write one image at A4 width (PNG at 300 dpi)."""
        height = int(fig.layout.height or 600)
        scale = style.SCALE if fmt == "png" else 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server"
            image = pio.to_image(fig, format=fmt, width=style.WIDTH_PX, height=height, scale=scale)
        if fmt == "svg":
            image = stable_svg(image)
        elif fmt == "pdf":
            image = stable_pdf(image, self._as_of)
        path.write_bytes(image)
