"""Bring your dictionary: import quanteda, LIWC, Lexicoder, WordStat and Yoshikoder dictionaries
as codebooks, and export a codebook as a quanteda YAML or LIWC dictionary.

    codebook, report = import_dictionary("LSD2015.lc3", out="lsd.yaml")
    export_codebook("lsd.yaml", "lsd.yml")
"""

from __future__ import annotations

from pathlib import Path

import yaml

from agenda.codebook import Codebook, load_codebook, parse_codebook
from agenda.dictionaries.lexicoder import read_lexicoder
from agenda.dictionaries.liwc import read_liwc, write_liwc
from agenda.dictionaries.quanteda import quanteda_data, read_quanteda, write_quanteda
from agenda.dictionaries.translate import ImportReport, build_codebook, check_depth, read_text, rule_glob
from agenda.dictionaries.wordstat import read_wordstat
from agenda.dictionaries.yoshikoder import read_yoshikoder
from agenda.errors import AgendaError

READERS = {
    "quanteda": read_quanteda,
    "liwc": read_liwc,
    "lexicoder": read_lexicoder,
    "wordstat": read_wordstat,
    "yoshikoder": read_yoshikoder,
}
SUFFIXES = {
    ".yml": "quanteda",
    ".yaml": "quanteda",
    ".dic": "liwc",
    ".lc3": "lexicoder",
    ".lcd": "lexicoder",
    ".cat": "wordstat",
    ".ykd": "yoshikoder",
}
EXPORT_FORMATS = ("quanteda", "liwc")

__all__ = ["ImportReport", "codebook_yaml", "export_codebook", "import_dictionary"]


def _format(path: str | Path, fmt: str | None, allowed) -> str:
    if fmt:
        fmt = fmt.lower()
        if fmt not in allowed:
            raise AgendaError(f"unknown dictionary format {fmt!r}; use one of {', '.join(allowed)}")
        return fmt
    guessed = SUFFIXES.get(Path(path).suffix.lower())
    if guessed not in allowed:
        suffixes = ", ".join(s for s, f in SUFFIXES.items() if f in allowed)
        raise AgendaError(f"{path}: cannot tell the dictionary format from the suffix ({suffixes}); use --format")
    return guessed


def codebook_yaml(codebook: dict, report: ImportReport) -> str:
    """The codebook as YAML text, headed by comments with the import's notes."""
    head = [f"# Imported by agenda from {report.source} ({report.format} dictionary)."]
    head += ["# Not translated exactly:"] + [f"#   {note}" for note in report.notes] if report.notes else []
    body = yaml.safe_dump(codebook, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000)
    return "\n".join(head) + "\n" + body


def import_dictionary(
    path: str | Path, format: str | None = None, out: str | Path | None = None, encoding: str = "utf-8"
) -> tuple[dict, ImportReport]:
    """Read a dictionary file as a codebook: (codebook data, report); written as YAML to `out` if given.

    The format is guessed from the suffix unless given: .yml/.yaml quanteda, .dic liwc,
    .lc3/.lcd lexicoder, .cat wordstat, .ykd yoshikoder.
    """
    from agenda.safe_write import write_atomic

    fmt = _format(path, format, READERS)
    report = ImportReport(source=str(path), format=fmt)
    keys = READERS[fmt](read_text(path, encoding), str(path), report)
    check_depth(keys, path)
    codebook = build_codebook(keys, path, fmt, report)
    text = codebook_yaml(codebook, report)
    parse_codebook(text, source=str(out or path))  # the result is a valid codebook, or an error here
    if out is not None:
        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return codebook, report


def export_codebook(codebook: Codebook | str | Path, out: str | Path, format: str | None = None) -> list[str]:
    """Write a codebook as a quanteda YAML (.yml) or LIWC (.dic) dictionary; returns notes on what
    the target format cannot say (patterns without a glob equivalent, excludes, min_hits...)."""
    from agenda.safe_write import write_atomic

    fmt = _format(out, format, EXPORT_FORMATS)
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    notes: list[str] = []
    for item in codebook.items:
        if item.exclude:
            notes.append(f"item {item.id!r}: {len(item.exclude)} exclude rules are not exported")
        if item.min_hits > 1:
            notes.append(f"item {item.id!r}: min_hits {item.min_hits} is not exported")
    cache: dict[str, list[str]] = {}

    def values_of(item) -> list[str]:
        if item.id not in cache:
            values = [rule_glob(rule, item.id, notes) for rule in item.rules]
            cache[item.id] = list(dict.fromkeys(v for v in values if v))
        return cache[item.id]

    if fmt == "quanteda":
        data = quanteda_data(codebook, values_of, notes)
        write_atomic(out, lambda tmp: write_quanteda(data, tmp))
    else:
        write_atomic(out, lambda tmp: write_liwc(codebook, values_of, tmp, notes))
    return notes
