"""The dependency direction, one rule per package: ``RULES`` says what each package may import of ours.

model/errors <- chains, heuristics, db <- engine, monitor, figures, sandbox <- CLI (docs/architecture.md). Parsed
with ``ast`` (no import side effects), so a violation anywhere in the tree fails here with the file and the
offending import. A package may always import its own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP_PACKAGES = ("tracer", "chains", "heuristics", "db")

FOUNDATION = ("tracer.model", "tracer.errors", "tracer.units")
REPORTING = ("tracer.export", "tracer.exporters", "tracer.export_stix", "tracer.summary", "tracer.findings",
             "tracer.evaluation")
VERSION = ("tracer",)
OUTPUT_SAFETY = ("tracer.csvsafe",)  # every CSV writer neutralises formula cells through one helper  # the bare package: ``from tracer import __version__``

# package (longest prefix wins) -> what it may import among our packages, besides itself
RULES: dict[str, tuple[str, ...]] = {
    "tracer.model": FOUNDATION,
    "tracer.errors": FOUNDATION,
    "tracer.units": FOUNDATION,
    # any other tracer module (a new service beside export or labels): below the sandbox, monitor and CLI
    "tracer": (*FOUNDATION, *REPORTING, *VERSION, "tracer.config", "tracer.schemas", "chains", "heuristics", "db",
               "tracer.engine", "tracer.tracing", "tracer.labels"),
    "tracer.config": FOUNDATION,
    "tracer.csvsafe": FOUNDATION,
    "tracer.schemas": FOUNDATION,  # the export's JSON schema and its validator
    "chains": FOUNDATION,  # sources only: no store, no engine, no other API's package rules
    "heuristics": FOUNDATION,  # pure functions over the model
    "db": (*FOUNDATION, "tracer.config"),
    "tracer.engine": (*FOUNDATION, "chains", "heuristics", "db"),  # chains for the adapter protocol only
    "tracer.tracing": (*FOUNDATION, "chains", "heuristics", "db", "tracer.engine"),
    "tracer.monitor": (*FOUNDATION, "tracer.config", "chains", "heuristics", "db", "tracer.engine", "tracer.tracing"),
    "tracer.labels": (*FOUNDATION, "chains", "heuristics", "db"),  # protocol registries become labels
    "tracer.bulk": (*FOUNDATION, "chains", "heuristics", "db", "tracer.labels"),  # whole-chain jobs over bulk files
    "tracer.sandbox": (*FOUNDATION, "chains", "heuristics"),  # chains for addresses and the loopback toolkit
    "tracer.export": (*FOUNDATION, *REPORTING, *VERSION, *OUTPUT_SAFETY, "heuristics", "db", "tracer.engine",
                      "tracer.schemas"),
    "tracer.exporters": (*FOUNDATION, *REPORTING, *VERSION, *OUTPUT_SAFETY, "db"),
    "tracer.export_stix": FOUNDATION,  # a pure transform of the export document (stix2 only)
    "tracer.summary": (*FOUNDATION, *REPORTING, "heuristics", "db", "tracer.engine"),
    "tracer.findings": (*FOUNDATION, *REPORTING, "heuristics", "db", "tracer.engine"),
    "tracer.evaluation": (*FOUNDATION, *REPORTING),
    "tracer.figures": (*FOUNDATION, *REPORTING, *VERSION, *OUTPUT_SAFETY, "db", "tracer.schemas"),
    "tracer.api": (*FOUNDATION, *REPORTING, "tracer.config", "db", "tracer.labels", "tracer.engine"),
    "tracer.__main__": ("tracer.cli",),
}
RULES["tracer.cli"] = tuple(RULES)  # the composition root wires everything
# Third-party libraries confined to some packages.
CONFINED: dict[str, tuple[str, ...]] = {
    "typer": ("tracer.cli",),
    "rich": ("tracer.cli",),
    "requests": ("chains", "tracer.sandbox", "tracer.cli", "tracer.monitor", "tracer.notify"),
    "plotly": ("tracer.figures",),
    "kaleido": ("tracer.figures",),
}


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def package_of(module: str) -> str | None:
    """The RULES key governing ``module`` (longest prefix)."""
    keys = [k for k in RULES if _within(module, k)]
    return max(keys, key=len) if keys else None


def may_import(module: str, imported: str) -> bool:
    """True when ``module`` may import ``imported`` (one of ours)."""
    package = package_of(module)
    assert package is not None, f"{module} has no rule in RULES"
    if _within(imported, package) and package_of(imported) == package:
        return True
    # the bare "tracer" entry allows only ``import tracer`` itself, never a prefix of every module
    return any(imported == a if a == "tracer" else _within(imported, a) for a in RULES[package])


def problems_in(module: str, source: str, label: str) -> list[str]:
    """Every import of ``source`` (the text of ``module``) that breaks its package's rule."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=label)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for imported in names:
            top = imported.split(".")[0]
            if top in TOP_PACKAGES and not may_import(module, imported):
                found.append(f"{label}:{node.lineno}: {package_of(module)} may not import {imported} "
                             f"(allowed: {', '.join(RULES[package_of(module) or ''])})")
            allowed = CONFINED.get(top)
            if allowed is not None and not any(_within(module, a) for a in allowed):
                found.append(f"{label}:{node.lineno}: {top} may only be imported in {', '.join(allowed)}")
    return found


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    files: list[Path] = []
    for pkg in TOP_PACKAGES:
        files.extend(p for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts)
    return sorted(files)


def test_there_are_sources_to_check() -> None:
    assert len(source_files()) > 5


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_the_rules(path: Path) -> None:
    problems = problems_in(module_name(path), path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "\n".join(problems)


def test_every_module_has_exactly_one_rule() -> None:
    assert all(package_of(module_name(p)) is not None for p in source_files())


@pytest.mark.parametrize(("module", "source"), [
    ("tracer.engine.runner", "from tracer.sandbox.world import World\n"),  # engine must not know the sandbox
    ("tracer.engine.runner", "import tracer.sandbox\n"),
    ("tracer.engine.runner", "from tracer.cli.wiring import build\n"),
    ("heuristics.taint", "from db.store import Store\n"),  # heuristics are pure
    ("chains.etherscan.adapter", "from tracer.engine.runner import TraceEngine\n"),
    ("db.store", "from tracer.engine import runner\n"),
    ("tracer.sandbox.world", "from tracer.engine.runner import TraceEngine\n"),
    ("tracer.figures.sankey", "import requests\n"),  # network only in clients
])
def test_the_rules_catch_a_violation(module: str, source: str) -> None:
    problems = problems_in(module, source, "synthetic.py")
    assert len(problems) == 1, problems


def test_the_rules_allow_the_intended_direction() -> None:
    for module, source in [("tracer.engine.runner", "from chains.base import ChainAdapter\nfrom db.store import Store\n"
                                                    "from heuristics.swaps import detect_swap\n"),
                           ("tracer.sandbox.server.app", "from chains.testing import LoopbackServer\n"),
                           ("tracer.cli.trace", "from tracer.sandbox.launch import start_sandbox\n"),
                           ("tracer.figures.manifest", "from tracer import __version__\n")]:
        assert problems_in(module, source, "synthetic.py") == []
