"""``tracer labels``: import, diff, show, search, list and (de)activate label sets; install the bundled set."""

from __future__ import annotations

from pathlib import Path

import typer

from tracer.cli.app import app
from tracer.cli.common import STATE, fatal, print_json, run, stdout
from tracer.model import Category, Chain, Label

labels_app = typer.Typer(help="Address labels: import, diff, show, search.", no_args_is_help=True)
app.add_typer(labels_app, name="labels")


def _store():  # type: ignore[no-untyped-def]
    from db.labels import LabelStore
    from db.session import open_database

    return LabelStore(open_database(STATE.get_settings().database_url))


def _chain(value: str | None) -> Chain | None:
    if value is None:
        return None
    try:
        return Chain(value.lower())
    except ValueError:
        fatal(f"unknown chain {value!r} (one of {', '.join(c.value for c in Chain)})", 2)


def _category(value: str | None) -> Category | None:
    if value is None:
        return None
    try:
        return Category(value.lower())
    except ValueError:
        fatal(f"unknown category {value!r} (one of {', '.join(c.value for c in Category)})", 2)


@labels_app.command("import")
def import_command(
    files: list[Path] = typer.Argument(..., help="Label files: TagPack YAML, CSV, OFAC JSON, Etherscan JSON."),
    source: str | None = typer.Option(None, "--source", help="Label set name (default: from the file name)."),
    version: str | None = typer.Option(None, "--version", help="Set version (default: file date + sha256 prefix)."),
    chain: str | None = typer.Option(None, "--chain", help="Chain, when the file name does not say."),
    category: str | None = typer.Option(None, "--category", help="Category for every row (overrides the file)."),
    lenient: bool = typer.Option(False, "--skip-invalid", help="Skip and count rows with an invalid address "
                                                               "instead of rejecting the file."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import label files; each file is atomic (a malformed row stores nothing from that file)."""
    from tracer.labels.bundled import case_hints
    from tracer.labels.importer import import_file

    def body() -> None:
        store = _store()
        hints = case_hints()
        summaries = [import_file(store, path, source=source, version=version, chain=_chain(chain),
                                 category=_category(category), lenient=lenient, case_hints=hints) for path in files]
        if json_out:
            print_json([s.as_dict() for s in summaries])
            return
        for summary in summaries:
            data = summary.as_dict()
            for item in data["sets"]:  # type: ignore[attr-defined]
                state = "imported" if item["created"] else "already present"
                stdout.print(f"{summary.path}: {state} {item['count']} labels as {item['source']} "
                             f"version {item['version']} ({summary.format})", soft_wrap=True, markup=False)
            for reason, count in sorted(summary.skipped.items()):
                stdout.print(f"  skipped {count}: {reason}", markup=False)
            for reason, count in sorted(summary.notes.items()):
                stdout.print(f"  note {count}: {reason}", markup=False)
            if summary.case_unknown:
                stdout.print(f"  {summary.case_unknown} base58 addresses kept lower-cased (matched case-insensitively)", markup=False)
            if summary.unrecognised:
                words = ", ".join(summary.unrecognised_examples())
                stdout.print(f"  unrecognised categories: {sum(summary.unrecognised.values())} labels with "
                             f"{len(summary.unrecognised)} unknown words (e.g. {words}); map them with --category "
                             "or add them to tracer/labels/taxonomy.py", soft_wrap=True, markup=False)

    run(body)


@labels_app.command("diff")
def diff_command(
    old: str = typer.Argument(..., help="Old file, or a stored version (with --source)."),
    new: str = typer.Argument(..., help="New file, or a stored version (with --source)."),
    source: str | None = typer.Option(None, "--source", help="Compare two stored versions of this set."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
    limit: int = typer.Option(50, "--limit", help="Addresses listed per side in text output (0 = all)."),
) -> None:
    """Addresses added and removed between two versions of a label list, with entity names and programs."""
    from tracer.labels.bundled import case_hints
    from tracer.labels.diff import diff_labels
    from tracer.labels.importer import parse_file

    def side(value: str) -> list[Label]:
        if source is not None:
            stored: list[Label] = _store().labels_of_set(source, value)
            if not stored:
                versions = ", ".join(i.version for i in _store().versions_of(source)) or "none"
                fatal(f"no stored version {value!r} of {source!r} (stored versions: {versions})")
            return stored
        path = Path(value)
        if not path.exists():
            fatal(f"file not found: {value} (use --source NAME to compare stored versions)")
        return list(parse_file(path, case_hints=case_hints())[0].labels)

    def body() -> None:
        result = diff_labels(side(old), side(new))
        if json_out:
            print_json(result.as_dict())
            return
        stdout.print(f"added {len(result.added)}, removed {len(result.removed)}, unchanged {result.unchanged}", markup=False)
        for title, entries, by_entity in (("removed", result.removed, result.removed_by_entity()),
                                          ("added", result.added, result.added_by_entity())):
            stdout.print(f"{title} by entity: " + "; ".join(f"{k} {v}" for k, v in by_entity.items()), soft_wrap=True,
                         markup=False)
            for entry in entries[: limit or None]:
                sign = "-" if title == "removed" else "+"
                stdout.print(f"{sign} {entry.chain.value}:{entry.address}  {', '.join(entry.entities)}  "
                             f"[{', '.join(entry.programs)}]", soft_wrap=True, markup=False)

    run(body)


def _label_dict(label: Label) -> dict[str, object]:
    return {"chain": label.chain.value, "address": label.address, "label": label.label,
            "category": label.category.value, "source": label.source, "version": label.source_version,
            "confidence": label.confidence, "entity": label.entity, "program": label.program,
            "valid_from": label.valid_from.isoformat() if label.valid_from else None,
            "valid_to": label.valid_to.isoformat() if label.valid_to else None}


def _print_labels(labels: list[Label], json_out: bool) -> None:
    if json_out:
        print_json([_label_dict(label) for label in labels])
        return
    if not labels:
        stdout.print("no labels", markup=False)
    for label in labels:
        # markup=False: label text comes from third-party files and may contain [brackets] or HTML.
        stdout.print(f"{label.chain.value}:{label.address}  {label.category.value:16} {label.confidence:.2f}  "
                     f"{label.label}  entity={label.entity or '-'} program={label.program or '-'}  "
                     f"source={label.source}@{label.source_version}{_validity(label)}", soft_wrap=True, markup=False)


def _validity(label: Label) -> str:
    parts = [f"{name}={value:%Y-%m-%d}" for name, value in (("valid_from", label.valid_from),
                                                            ("valid_to", label.valid_to)) if value is not None]
    return "  " + " ".join(parts) if parts else ""


@labels_app.command("show")
def show_command(target: str = typer.Argument(..., help="CHAIN:ADDRESS"),
                 json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Every label of one address (imported and built-in), and which one decides what the trace does there."""
    from chains.addresses import canonical_address
    from tracer.errors import InvalidAddress
    from tracer.labels.parsers.base import is_case_folded
    from tracer.labels.registry import order_with_registry, protocol_labels

    def body() -> None:
        prefix, sep, raw = target.partition(":")
        if not sep:
            fatal("expected CHAIN:ADDRESS, e.g. ethereum:0xd90e2f925da726b50c4ed8d0fb90ad053324f31b", 2)
        chain = _chain(prefix)
        assert chain is not None
        folded = False
        try:
            address = canonical_address(chain, raw)
        except InvalidAddress as exc:
            if not is_case_folded(chain, raw.strip()):
                fatal(str(exc))
            address, folded = raw.strip(), True  # a lower-cased base58 address (as in OFAC entity files)
        found = _store().find(chain, address, case_insensitive=folded)
        builtin = [lab for lab in protocol_labels() if lab.chain is chain and lab.address == address.lower()]
        labels = order_with_registry(found + builtin)
        decided = _decision(chain, address, labels)
        if json_out:
            print_json({"labels": [_label_dict(label) for label in labels], "decision": decided})
            return
        _print_labels(labels, False)
        lab = decided["label"]
        if isinstance(lab, dict):
            stdout.print(f"decided by: {lab['category']} {lab['label']!r} (source={lab['source']}) -- "
                         f"{decided['why']}", soft_wrap=True, markup=False)
        elif labels:
            stdout.print(f"decided by: none -- {decided['why']}", soft_wrap=True, markup=False)

    run(body)


def _decision(chain: Chain, address: str, labels: list[Label]) -> dict[str, object]:
    """What the trace does at this address and which label decides it: the engine's own stop rule."""
    from tracer.engine.classify import classify
    from tracer.labels.index import LabelIndex
    from tracer.labels.registry import decision, is_registry

    terminal = classify(LabelIndex(labels), chain, address)
    if terminal is None:
        named = decision(labels)
        why = "no stop category: the trace follows this address" + (
            f" (best label by {named[1]})" if named else "")
        return {"label": None, "stops": False, "why": why}
    others = sorted({lab.category.value for lab in labels} - {terminal.category.value})
    why = f"{terminal.category.value} stops the trace as {terminal.status.value}"
    if is_registry(terminal.label):
        why += "; built-in protocol registry entry, never downgraded by an imported label"
    if others:
        why += f"; takes precedence over {', '.join(others)}"
    return {"label": _label_dict(terminal.label), "stops": True, "why": why}


@labels_app.command("search")
def search_command(text: str = typer.Argument(..., help="Text in label, entity or program (any case)."),
                   limit: int = typer.Option(200, "--limit"),
                   json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Search labels case-insensitively."""
    run(lambda: _print_labels(_store().search(text, limit), json_out))


@labels_app.command("sets")
def sets_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List imported label sets with versions."""

    def body() -> None:
        infos = _store().sets()
        if json_out:
            print_json([{"source": i.source, "version": i.version, "count": i.count, "active": i.active,
                         "imported_at": i.imported_at.isoformat(), "sha256": i.sha256, "path": i.path} for i in infos])
            return
        for i in infos:
            stdout.print(f"{'*' if i.active else ' '} {i.source:40} {i.version:32} {i.count:>8}  "
                         f"{i.imported_at:%Y-%m-%d %H:%M}", markup=False, soft_wrap=True)

    run(body)


@labels_app.command("activate")
def activate_command(source: str, version: str | None = typer.Argument(None)) -> None:
    """Use a label set (one version, or all versions) in lookups."""
    run(lambda: stdout.print(f"activated {_store().set_active(source, version, True)} set(s)", markup=False))


@labels_app.command("deactivate")
def deactivate_command(source: str, version: str | None = typer.Argument(None)) -> None:
    """Stop using a label set (one version, or all versions) in lookups."""
    run(lambda: stdout.print(f"deactivated {_store().set_active(source, version, False)} set(s)", markup=False))


@labels_app.command("install-bundled")
def install_bundled_command(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Import the default label set shipped with tracer (OFAC, mixers, bridges, exchanges, DPRK hacks)."""
    from tracer.labels.bundled import install_bundled

    def body() -> None:
        summary = install_bundled(_store())
        if json_out:
            print_json(summary.as_dict())
            return
        stdout.print(f"bundled set: {summary.imported} labels imported in {len(summary.sets)} sets "
                     f"({'new' if summary.created else 'already present'})", markup=False)

    run(body)
