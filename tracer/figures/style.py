"""Print style shared by every figure: A4 width, readable fonts, a colour-blind-safe palette, captions.

Figures are laid out 800 px wide and exported at scale 3.1 (2480 px = A4 width at 300 dpi). At that mapping
1 px is 0.745 pt, so the 13 px minimum font prints at 9.7 pt (>= 9 pt).
"""

from __future__ import annotations

import html
import math
from datetime import datetime
from typing import Any

WIDTH_PX = 800
SCALE = 3.1  # 800 px * 3.1 = 2480 px = 210 mm at 300 dpi
MIN_FONT_PX = 13
TITLE_FONT_PX = 16
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"

# Okabe & Ito (2008) colour-blind-safe palette, plus greys for the "don't know" categories.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
GREY = "#999999"
LIGHT_GREY = "#C8C8C8"

# Exit categories of the stage Sankey, in display order (issue 9).
EXIT_CATEGORIES: tuple[str, ...] = (
    "exchange", "OTC", "instant exchange", "mixer", "frozen", "dormant", "unknown", "unaccounted",
)
CATEGORY_COLOURS: dict[str, str] = {
    "exchange": OKABE_ITO["blue"],
    "OTC": OKABE_ITO["vermillion"],
    "instant exchange": OKABE_ITO["orange"],
    "mixer": OKABE_ITO["purple"],
    "frozen": OKABE_ITO["sky_blue"],
    "dormant": OKABE_ITO["green"],
    "unknown": GREY,
    "unaccounted": LIGHT_GREY,
    "theft": OKABE_ITO["black"],
    "layering": OKABE_ITO["yellow"],
    "swap": OKABE_ITO["green"],
    "bridge": OKABE_ITO["sky_blue"],
}
STAGE_COLOUR = "#555555"

# Link opacity by evidence class: solid for deterministic, faint for assessed (methodology §6.2).
EVIDENCE_OPACITY: dict[str, float] = {"E1": 0.8, "E2": 0.8, "E3": 0.5, "E4": 0.5, "E5": 0.22}
EVIDENCE_DASH: dict[str, str] = {"E1": "solid", "E2": "solid", "E3": "dash", "E4": "dash", "E5": "dot"}


def rgba(hex_colour: str, alpha: float) -> str:
    """``#RRGGBB`` + alpha -> ``rgba(r,g,b,a)`` (plotly link colours)."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def esc(text: object) -> str:
    """Escape label text for plotly: it renders HTML entities as text, and ``<``/``>``/``&`` never reach markup."""
    return html.escape(str(text), quote=True)


def short_address(address: str) -> str:
    """``0x1a2b…9f0e``-style abbreviation for labels (the full address is in hover text and the CSV)."""
    return address if len(address) <= 12 else f"{address[:6]}…{address[-4:]}"


def as_of_text(as_of: datetime) -> str:
    """``as of 2025-03-03 12:00 UTC``."""
    return f"as of {as_of.strftime('%Y-%m-%d %H:%M')} UTC"


def caption(case: str, units: str, as_of: datetime, *extra: str) -> str:
    """Caption printed under every figure: case and as-of date, units, then any extra lines."""
    return "<br>".join([f"Case {esc(case)} · {as_of_text(as_of)}", f"Units: {units}", *extra])


def base_layout(title: str, cap: str, height: float, bottom: float = 90, left: int = 20, top: int = 50) -> dict[str, Any]:
    """Common layout: fixed size, fonts, title and the caption annotation below the plot area.

    The height is rounded up to whole tens of px (the slack goes to the bottom margin): at the PNG scale of 3.1
    that keeps the image height a whole number of pixels, exactly ``height * SCALE``.
    """
    rounded = -(-int(math.ceil(height)) // 10) * 10
    bottom += rounded - height
    height = rounded
    return {
        "title": {"text": title, "font": {"size": TITLE_FONT_PX}, "x": 0.01, "xanchor": "left", "y": 0.985,
                  "yanchor": "top"},
        "width": WIDTH_PX,
        "height": height,
        "font": {"family": FONT_FAMILY, "size": MIN_FONT_PX, "color": "#222222"},
        "margin": {"l": left, "r": 20, "t": top, "b": bottom},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "annotations": [{
            "text": cap, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0, "y": 0,
            "xanchor": "left", "yanchor": "top", "yshift": -bottom + 6 + 18 * (cap.count("<br>") + 1),
            "xshift": -left + 10, "align": "left",
            "font": {"size": MIN_FONT_PX, "color": "#444444"},
        }],
    }


CAPTION_CHARS = 105  # characters per caption line at MIN_FONT_PX across WIDTH_PX (DejaVu Sans averages ~7 px)


def wrap(text: str, width: int = CAPTION_CHARS, indent: str = "") -> list[str]:
    """Escaped caption lines of at most ``width`` characters (continuation lines start with ``indent``)."""
    import textwrap

    lines = textwrap.wrap(str(text), width=width, subsequent_indent=indent, break_long_words=True,
                          break_on_hyphens=False)
    return [esc(line).replace("  ", "&nbsp; ") for line in lines] or [""]
