"""The dependency direction is enforced: model <- chains/heuristics/db <- engine/monitor/figures <- cli.

Parsed with ``ast`` (no import side effects), so a violation anywhere in the tree fails here with the file and the
offending import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Layer of a module by dotted prefix; the longest prefix wins.
LAYERS: dict[str, int] = {
    "tracer.model": 0,
    "tracer.errors": 0,
    "tracer.config": 0,
    "tracer.__main__": 3,
    "chains": 1,
    "heuristics": 1,
    "db": 1,
    "tracer": 2,  # engine, monitor, figures, export, sandbox, labels services
    "tracer.cli": 3,
}
# Third-party libraries confined to some layers (architecture.md §3).
CONFINED: dict[str, tuple[str, ...]] = {
    "typer": ("tracer.cli",),
    "rich": ("tracer.cli",),
    "requests": ("chains", "tracer.sandbox", "tracer.cli", "tracer.monitor", "tracer.notify"),
    "plotly": ("tracer.figures",),
    "kaleido": ("tracer.figures",),
}
PURE_PACKAGES = ("heuristics",)  # may import only tracer.model/tracer.errors among ours
TOP_PACKAGES = ("tracer", "chains", "heuristics", "db")


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), layer)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def source_files() -> list[Path]:
    files: list[Path] = []
    for pkg in TOP_PACKAGES:
        files.extend(p for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)
    return sorted(files)


def test_there_are_sources_to_check() -> None:
    assert len(source_files()) > 5


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_the_layers(path: Path) -> None:
    me = module_name(path)
    my_layer = layer_of(me)
    assert my_layer is not None, me
    problems: list[str] = []
    for lineno, imported in imports_of(path):
        top = imported.split(".")[0]
        if top in TOP_PACKAGES:
            their = layer_of(imported)
            if their is not None and their > my_layer:
                problems.append(f"{path.name}:{lineno} imports {imported} (layer {their} > {my_layer})")
            if their == my_layer == 1 and top != me.split(".")[0]:
                problems.append(f"{path.name}:{lineno}: {me} imports sibling package {imported}")
            if me.split(".")[0] in PURE_PACKAGES and their not in (0, None) and top != "heuristics":
                problems.append(f"{path.name}:{lineno}: pure heuristics import {imported}")
        allowed = CONFINED.get(top)
        if allowed is not None and not any(me == a or me.startswith(a + ".") for a in allowed):
            problems.append(f"{path.name}:{lineno}: {top} may only be imported in {', '.join(allowed)}")
    assert not problems, "\n".join(problems)


def test_layer_rules_detect_a_violation(tmp_path: Path) -> None:
    """The checker itself: a db module importing the engine is a violation."""
    assert layer_of("db.store") == 1 and layer_of("tracer.engine") == 2 and layer_of("tracer.cli.app") == 3
    assert layer_of("tracer.model") == 0
