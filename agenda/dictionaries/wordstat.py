"""WordStat categorization dictionaries (.cat): tab-indented categories and weighted entries.

A line ending in a weight in parentheses (`ABANDON* (1)`) is an entry of the category above it;
any other line is a category, nested by its leading tabs. Positive weights are kept (`weight:`);
`_` phrase joiners become spaces, with a note.

Proximity rules (`@A NEAR/n B`, with BEFORE, AFTER, NOT NEAR and NOT BEFORE; an operand is a word,
glob or phrase, or a list `(X, Y)`) become rules of the rule language: NEAR is `near`, BEFORE an
ordered `near`, AFTER an ordered `near` with the operands swapped (its hits are then counted per
match of B), NOT NEAR and NOT BEFORE the term A with a `near` exclusion. `/n` is read as at most n
words between the two; without it the pair must share a sentence. Other rules (category references
`#X`, NOT AFTER, `[...]` entries) are reported and skipped.
"""

from __future__ import annotations

import re

from agenda.dictionaries.translate import ImportReport, Key, Value
from agenda.errors import AgendaError

ENTRY = re.compile(r"^(?P<value>.+?)\s+\((?P<weight>-?\d+(?:\.\d+)?)\)$")
RULE = re.compile(r"^@|\[|\s(?:NEAR|BEFORE|AFTER|NOT\s+NEAR|NOT\s+BEFORE|NOT\s+AFTER)(?:/\d+)?\s")
PROXIMITY = re.compile(
    r"^@?\s*(?P<a>.+?)\s+(?P<op>NOT\s+NEAR|NOT\s+BEFORE|NOT\s+AFTER|NEAR|BEFORE|AFTER)(?:/(?P<n>\d+))?\s+(?P<b>.+)$"
)
WHOLE_SENTENCE = 1000  # without /n: any distance within the sentence (the schema's largest within)


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
                translated = proximity(value, number)
                if translated is None:
                    report.note(number, f"key {key.name!r}: WordStat rule {value!r} cannot be translated; skipped")
                else:
                    key.values.append(translated)
                continue
            weight = float(weight)
            if weight <= 0:
                report.note(number, f"key {key.name!r}: weight {weight:g} of {value!r} dropped; every hit counts 1")
                weight = 1.0
            if "_" in value:
                report.note(number, f"key {key.name!r}: phrase {value!r}: '_' read as a space between words")
                value = value.replace("_", " ")
            key.values.append(Value(value, number, weight))
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


def _operand(text: str) -> list[str] | None:
    """The terms of one operand: a word, glob or phrase, or a list `(X, Y)`; None when it is not one."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        terms = [t.strip() for t in text[1:-1].split(",")]
    else:
        terms = [text]
    terms = [" ".join(t.replace("_", " ").lower().split()) for t in terms]
    if not all(terms) or any(set(t) & set("#@[]()?,") for t in terms):
        return None
    return terms


def proximity(value: str, line: int) -> Value | None:
    """A WordStat proximity rule as a rule (or an exclusion) of the rule language; None when it has no translation."""
    found = PROXIMITY.match(value.strip())
    if not found:
        return None
    a, b, op = _operand(found.group("a")), _operand(found.group("b")), " ".join(found.group("op").split())
    if a is None or b is None or op == "NOT AFTER":
        return None
    within = int(found.group("n")) if found.group("n") else WHOLE_SENTENCE
    groups = [b, a] if op == "AFTER" else [a, b]
    rule = {"near": groups, "within": within}
    if op != "NEAR" and op != "NOT NEAR":
        rule["ordered"] = True
    if op.startswith("NOT"):
        if len(a) != 1:
            return None
        return Value(a[0], line, exclude=rule)
    return Value(value, line, rule=rule)
