"""Every ``docs/<name>.md §N`` cited in code or tests names a file in docs/ and a section it has."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("tracer", "chains", "heuristics", "db", "scripts", "tests")
# preceded by a backtick or a path, ``docs/x.md`` is another project's file (ethereum-etl ``docs/schema.md``)
CITATION = re.compile(r"(?<![`\w/.-])docs/([a-z-]+)\.md((?:[ ,]*(?:and |, )?§\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)?)*)")
SECTION = re.compile(r"§(\d+(?:\.\d+)?)")


def citations() -> list[tuple[str, str, str]]:
    """(where, doc name, section or "") for every citation in the scanned trees."""
    found: list[tuple[str, str, str]] = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for match in CITATION.finditer(line):
                    where = f"{path.relative_to(ROOT)}:{lineno}"
                    sections = SECTION.findall(match.group(2))
                    found.extend((where, match.group(1), s) for s in sections or [""])
    return found


def headings(doc: Path) -> set[str]:
    """Section numbers of a doc's headings: ``## 1. Title`` -> "1", ``### 1.2 Title`` -> "1.2"."""
    return {m.group(1) for m in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", doc.read_text(encoding="utf-8"), re.M)}


def test_code_cites_docs() -> None:
    assert len(citations()) >= 20  # the docstrings lean on docs/: keep them honest


def test_every_cited_doc_and_section_exists() -> None:
    missing: list[str] = []
    for where, name, section in citations():
        doc = ROOT / "docs" / f"{name}.md"
        if not doc.exists():
            missing.append(f"{where}: docs/{name}.md does not exist")
        elif section and section not in headings(doc):
            missing.append(f"{where}: docs/{name}.md has no section §{section}")
    assert not missing, "\n".join(missing)


def test_the_checker_flags_a_dangling_citation(tmp_path: Path) -> None:
    docs = "docs/"  # not written out: this file is scanned too
    line = f"see {docs}methodology.md §9.9 and {docs}nowhere.md"
    found = [(m.group(1), SECTION.findall(m.group(2))) for m in CITATION.finditer(line)]
    assert found == [("methodology", ["9.9"]), ("nowhere", [])]
    assert "9.9" not in headings(ROOT / "docs" / "methodology.md")
    assert not (ROOT / "docs" / "nowhere.md").exists()
