"""Lexicoder dictionaries (.lc3, .lcd): `+key` lines, each followed by its values, one a line."""

from __future__ import annotations

from agenda.dictionaries.translate import ImportReport, Key, Value
from agenda.errors import AgendaError


def read_lexicoder(text: str, source: str, report: ImportReport) -> list[Key]:
    """The keys of a Lexicoder dictionary given as text (flat: Lexicoder has no nesting)."""
    keys: dict[str, Key] = {}
    current: Key | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("+"):
            name = line[1:].strip()
            if not name:
                raise AgendaError(f"{source}:{number}: a '+' line must name a key")
            if name in keys:
                report.note(number, f"key {name!r} repeats line {keys[name].line}; their values are merged")
                current = keys[name]
            else:
                current = keys[name] = Key(name, number)
        elif current is None:
            raise AgendaError(f"{source}:{number}: value {line!r} comes before any '+key' line")
        else:
            current.values.append(Value(line, number))
    if not keys:
        raise AgendaError(f"{source}: no '+key' lines: not a Lexicoder dictionary")
    return list(keys.values())
