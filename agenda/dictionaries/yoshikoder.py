"""Yoshikoder dictionaries (.ykd): XML with `cnode` categories and `pnode` patterns.

    <dictionary name="policy">
      <cnode name="economy"><pnode name="tax*"/></cnode>
    </dictionary>

A category may hold both patterns and nested categories; both are kept (quanteda keeps only the
patterns of categories without nested ones) and the import reports it.
"""

from __future__ import annotations

from xml.parsers import expat

from agenda.dictionaries.translate import ImportReport, Key, Value, walk
from agenda.errors import AgendaError


def read_yoshikoder(text: str, source: str, report: ImportReport) -> list[Key]:
    """The keys of a Yoshikoder dictionary given as text."""
    parser = expat.ParserCreate(encoding="UTF-8")  # the text is decoded already
    roots: list[Key] = []
    stack: list[Key | None] = []  # None for the <dictionary> element and unknown elements
    seen_root = [False]

    def start(name: str, attrs: dict) -> None:
        line = parser.CurrentLineNumber
        if not seen_root[0]:
            if name != "dictionary":
                raise AgendaError(f"{source}:{line}: the root element is <{name}>, not <dictionary>")
            seen_root[0] = True
            stack.append(None)
            return
        parent = stack[-1] if stack else None
        if name == "cnode":
            if not attrs.get("name", "").strip():
                raise AgendaError(f"{source}:{line}: <cnode> without a name")
            key = Key(attrs["name"].strip(), line)
            (parent.children if parent else roots).append(key)
            stack.append(key)
        elif name == "pnode":
            if "name" not in attrs:
                raise AgendaError(f"{source}:{line}: <pnode> without a name")
            if parent is None:
                report.note(line, f"pattern {attrs['name']!r} is outside any <cnode>; skipped")
            else:
                parent.values.append(Value(attrs["name"], line))
            stack.append(None)
        else:
            report.note(line, f"element <{name}> is not part of the Yoshikoder format; ignored")
            stack.append(None)

    def end(name: str) -> None:
        stack.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise AgendaError(f"{source}:{exc.lineno}: malformed XML: {expat.ErrorString(exc.code)}") from None
    for key in walk(roots):
        if key.values and key.children:
            report.note(key.line, f"key {key.name!r} has both patterns and nested keys; both are kept")
    if not roots:
        raise AgendaError(f"{source}: no <cnode> categories: not a Yoshikoder dictionary")
    return roots
