"""WordStat categorization dictionaries (.cat): tab-indented categories and weighted entries.

A line ending in a weight in parentheses (`ABANDON* (1)`) is an entry of the category above it;
any other line is a category, nested by its leading tabs. Weights other than 1, WordStat rules
(proximity, `@` and `[...]` entries) and `_` phrase joiners are reported.
"""

from __future__ import annotations

import re

from agenda.dictionaries.translate import ImportReport, Key, Value
from agenda.errors import AgendaError

ENTRY = re.compile(r"^(?P<value>.+?)\s+\((?P<weight>-?\d+(?:\.\d+)?)\)$")
RULE = re.compile(r"^@|\[|\s(?:NEAR|BEFORE|AFTER|NOT\s+NEAR|NOT\s+BEFORE|NOT\s+AFTER)(?:/\d+)?\s")


def read_wordstat(text: str, source: str, report: ImportReport) -> list[Key]:
    """The keys of a WordStat .cat dictionary given as text."""
    roots: list[Key] = []
    stack: list[Key] = []  # the open category at each depth
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        body = line.lstrip("\t")
        depth = len(line) - len(body)
        if body[0].isspace():
            raise AgendaError(f"{source}:{number}: indent with tabs only (WordStat nests categories by tabs)")
        entry = ENTRY.match(body)
        if entry:
            if depth == 0 or depth > len(stack):
                raise AgendaError(f"{source}:{number}: entry {body!r} is not inside a category")
            key = stack[depth - 1]
            value, weight = entry.group("value"), entry.group("weight")
            if RULE.search(value):
                report.note(number, f"key {key.name!r}: WordStat rule {value!r} cannot be translated; skipped")
                continue
            if float(weight) != 1:
                report.note(number, f"key {key.name!r}: weight {weight} of {value!r} dropped; every hit counts 1")
            if "_" in value:
                report.note(number, f"key {key.name!r}: phrase {value!r}: '_' read as a space between words")
                value = value.replace("_", " ")
            key.values.append(Value(value, number))
            continue
        if depth > len(stack):
            raise AgendaError(f"{source}:{number}: category {body!r} is indented deeper than its parent")
        key = Key(body.strip(), number)
        del stack[depth:]
        (stack[-1].children if stack else roots).append(key)
        stack.append(key)
    if not roots:
        raise AgendaError(f"{source}: no categories: not a WordStat dictionary")
    return roots
