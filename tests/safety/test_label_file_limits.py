"""Hostile label files (issue 15, probes 4 and 9): a YAML billion-laughs reached 18.7 GB before being OOM-killed;
JSON nested 200k deep, a 100 MB field, a folder or a fake gzip gave tracebacks. Each is now one clear line
(LabelImportError naming the file), found before anything large is built, and nothing is stored."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from pathlib import Path

import pytest

from db.labels import LabelStore
from db.store import Store
from tracer.errors import LabelImportError
from tracer.labels.importer import MAX_LABEL_FILE_BYTES, import_file, parse_file
from tracer.labels.parsers.tagpack import MAX_ALIASES, load_yaml_with_lines

GOOD_ROW = "ethereum,0x" + "1" * 40 + ",Some Exchange,exchange,test,0.9\n"
HEADER = "chain,address,label,category,source,confidence\n"


def billion_laughs(levels: int = 9) -> str:
    lines = ['title: x\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\ntags: []\n"


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


CASES: list[tuple[str, str | bytes, str]] = [
    ("bomb.yaml", billion_laughs(), "YAML bomb"),
    ("many-aliases.yaml", "a: &a 1\nb: [" + ",".join(["*a"] * (MAX_ALIASES + 1)) + "]\ntags: []\n", "aliases"),
    ("cycle.yaml", "a: &a [*a]\ntags: []\n", "cycle"),
    ("deep.yaml", "tags: " + "[" * 100 + "]" * 100 + "\n", "nested deeper"),
    ("deep.json", "[" * 200_000 + "]" * 200_000, "nested deeper"),
    ("deep-object.json", '{"a":' * 100 + "1" + "}" * 100, "nested deeper"),
    ("big-field.csv", HEADER + "ethereum,0x" + "1" * 40 + "," + "x" * 1_000_000 + ",exchange,test,0.9\n",
     "malformed CSV"),
    ("fake.csv.gz", b"this is not gzip at all", "not a valid gzip"),
    ("truncated.csv.gz", gzip.compress((HEADER + GOOD_ROW).encode())[:20], "not a valid gzip"),
]


@pytest.mark.parametrize(("name", "content", "message"), CASES, ids=[c[0] for c in CASES])
def test_hostile_label_file_is_one_clear_error(tmp_path: Path, name: str, content: str | bytes,
                                               message: str) -> None:
    path = _write(tmp_path, name, content)
    started = time.monotonic()
    with pytest.raises(LabelImportError, match=message) as caught:
        parse_file(path)
    assert str(path) in str(caught.value)
    assert time.monotonic() - started < 5  # refused up front, not after expanding


def test_folder_and_oversized_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LabelImportError, match="is a folder"):
        parse_file(tmp_path)
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_LABEL_FILE_BYTES + 1)
    with pytest.raises(LabelImportError, match="larger than"):
        parse_file(huge)
    bomb = tmp_path / "bomb.csv.gz"
    with gzip.open(bomb, "wb") as gz:  # 65 MiB of zeros compress to ~65 kB
        for _ in range(65):
            gz.write(b"\0" * (1 << 20))
    with pytest.raises(LabelImportError, match="decompresses to more than"):
        parse_file(bomb)


def test_small_anchors_still_load() -> None:
    data, _node = load_yaml_with_lines("base: &b {category: exchange}\ntags:\n  - <<: *b\n    address: x\n")
    assert data["tags"][0]["category"] == "exchange"


def test_nothing_is_stored_and_cli_prints_one_line(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 't.db'}")
    bomb = _write(tmp_path, "bomb.yaml", billion_laughs())
    with pytest.raises(LabelImportError):
        import_file(LabelStore(store.engine), bomb)
    assert LabelStore(store.engine).sets() == []
    for target in (bomb, tmp_path):
        out = subprocess.run([sys.executable, "-m", "tracer", "labels", "import", str(target)], capture_output=True,
                             text=True, cwd=tmp_path, timeout=120,
                             env={"PATH": "/usr/bin:/bin", "TRACER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"})
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert out.returncode == 1 and len(lines) == 1 and lines[0].startswith("error:"), out.stderr
