"""Address labels: parsers per format, import into versioned label sets, diffs, the bundled set, lookup.

Public API::

    tracer.labels.importer.import_file(store, path, *, source=None, version=None, chain=None, category=None,
                                       lenient=False, case_hints=None) -> ImportSummary
    tracer.labels.importer.parse_file(path, ...) -> (ParsedLabels, sha256)
    tracer.labels.parsers.parse_labels(text, path, hints) -> ParsedLabels      # pure: text -> Label rows
    tracer.labels.diff.diff_labels(old, new) -> LabelDiff
    tracer.labels.index.LabelIndex(labels) / load_index(store) -> LabelIndex  # implements tracer.model.LabelLookup
    tracer.labels.bundled.install_bundled(store) -> ImportSummary; bundled_version() -> str
    db.labels.LabelStore(engine): import_sets, sets, versions_of, set_active, active_versions, labels_of_set,
                                  active_labels, find, search, count
"""
