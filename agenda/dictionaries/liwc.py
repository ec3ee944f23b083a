"""LIWC dictionaries (.dic): a `%`-fenced legend of numbered categories, then words with numbers.

    %
    1	posemo
    2	negemo
    %
    happ*	1
    sad	2

Category numbers become item codes. Legend lines indented by tabs nest under the line above
(the LIWC2015 layout). LIWC's quirks are reported: conditional codes such as `(02 134)125/464`
keep both categories (as quanteda does), `<of>` entries are skipped, undefined numbers ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from agenda.codebook import Codebook
from agenda.dictionaries.translate import ImportReport, Key, Value
from agenda.errors import AgendaError

LEGEND = re.compile(r"^(?P<code>\d+)\s+(?P<name>\S.*)$")
ENTRY = re.compile(r"^(?P<word>.*?\S)(?P<codes>(?:\s+\d+(?:/\d+)*)+)$")
CONDITION = re.compile(r"\([^)]*\)")


def read_liwc(text: str, source: str, report: ImportReport) -> list[Key]:
    """The keys of a LIWC .dic dictionary given as text."""
    lines = list(enumerate(text.splitlines(), start=1))
    fences = [n for n, line in lines if line.strip() == "%"]
    if len(fences) < 2:
        raise AgendaError(f"{source}:1: a LIWC dictionary starts with a legend between two '%' lines")
    start, end = fences[0], fences[1]
    roots: list[Key] = []
    stack: list[Key] = []
    by_code: dict[int, Key] = {}
    for number, raw in lines[start : end - 1]:
        if not raw.strip():
            continue
        body = raw.lstrip("\t")
        depth = len(raw) - len(body)
        match = LEGEND.match(body.strip())
        if not match:
            raise AgendaError(f"{source}:{number}: expected a category number and name, got {raw.strip()!r}")
        code = int(match.group("code"))
        if code in by_code:
            raise AgendaError(f"{source}:{number}: category number {code} is already used on line {by_code[code].line}")
        if depth > len(stack):
            raise AgendaError(f"{source}:{number}: category {match.group('name')!r} is indented deeper than its parent")
        key = Key(match.group("name").strip(), number, code=code if code > 0 else None)
        by_code[code] = key
        del stack[depth:]
        (stack[-1].children if stack else roots).append(key)
        stack.append(key)
    if not roots:
        raise AgendaError(f"{source}:{start}: the legend between the '%' lines names no categories")
    undefined: dict[int, list[int]] = {}
    for number, raw in lines[end:]:
        line = raw.strip()
        if not line:
            continue
        if "<of>" in line:
            report.note(number, f"entry {line!r}: LIWC <of> tags are not supported; skipped")
            continue
        if CONDITION.search(line):
            report.note(
                number,
                f"entry {line!r}: conditional categories are not supported; the word counts for every "
                "category named (as in quanteda)",
            )
            line = CONDITION.sub(" ", line)
        match = ENTRY.match(line)
        if not match:
            raise AgendaError(f"{source}:{number}: expected a word followed by category numbers, got {raw.strip()!r}")
        word = match.group("word").strip()
        for code in dict.fromkeys(int(c) for c in re.findall(r"\d+", match.group("codes"))):
            if code in by_code:
                by_code[code].values.append(Value(word, number))
            else:
                undefined.setdefault(code, []).append(number)
    for code, numbers in sorted(undefined.items()):
        shown = ", ".join(map(str, numbers[:5])) + (" ..." if len(numbers) > 5 else "")
        report.note(numbers[0], f"category {code} is not in the legend; ignored on {len(numbers)} lines ({shown})")
    return roots


def write_liwc(codebook: Codebook, values_of, path: Path, notes: list[str]) -> None:
    """Write a codebook as a LIWC .dic: item codes as category numbers, children indented."""
    depth: dict[str, int] = {}
    for item in codebook.items:
        depth[item.id] = depth[item.parent] + 1 if item.parent else 0
    words: dict[str, list[int]] = {}
    for item in codebook.items:
        for value in values_of(item):
            if value != " ".join(value.split()):  # a tab or line break would break the tab-separated lines
                notes.append(f"item {item.id!r}: {value!r}: its whitespace is written as single spaces")
                value = " ".join(value.split())  # the same term: a space matches any run of whitespace
            if "?" in value or any("*" in word.rstrip("*") or set(word) == {"*"} for word in value.split()):
                notes.append(f"item {item.id!r}: {value!r}: LIWC has '*' only at the end of a word; not exported")
                continue
            if " " in value:
                notes.append(f"item {item.id!r}: phrase {value!r}: only LIWC-22 reads multi-word entries")
            codes = words.setdefault(value.lower(), [])
            if item.code not in codes:
                codes.append(item.code)
    lines = ["%"]
    lines += ["\t" * depth[item.id] + f"{item.code}\t{item.id}" for item in codebook.items]
    lines.append("%")
    lines += [word + "".join(f"\t{code}" for code in sorted(codes)) for word, codes in sorted(words.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
