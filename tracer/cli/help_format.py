"""Help-screen fixes applied once, before any command renders its help.

typer 0.29 (with its vendored click) prints a type placeholder after every boolean flag in the rich help panel
(``--json  <bool>``), which reads as if the flag took a value. A flag takes no value, so its type column must be
empty -- the behaviour of typer up to 0.28 and of plain click. The fix is version-independent: it only changes
options that are flags or counters, and only where typer exposes ``display_type_rich``.
"""

from __future__ import annotations

from typing import Any

import typer.core


def _flag_aware(original: Any) -> Any:
    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        return original(self, ctx)  # type: ignore[no-any-return]

    display_type_rich.__doc__ = "Type shown in rich help: none for a flag (it takes no value)."
    display_type_rich.patched_for_flags = True  # type: ignore[attr-defined]
    return display_type_rich


def show_flags_as_flags() -> None:
    """Install the fix (idempotent)."""
    option = getattr(typer.core, "TyperOption", None)
    current = getattr(option, "display_type_rich", None)
    if option is None or current is None or getattr(current, "patched_for_flags", False):
        return
    option.display_type_rich = _flag_aware(current)


show_flags_as_flags()
