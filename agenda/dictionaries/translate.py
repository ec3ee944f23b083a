"""Translate a parsed dictionary (a tree of keys and glob values) into an agenda codebook.

Every reader turns its file into a list of `Key` nodes; `build_codebook` derives valid item ids
from the keys (the original dotted key is kept as the label), assigns codes, and translates
each value from quanteda's glob semantics to our rules:

- a value is a sequence of tokens (whitespace separates words); a lone `*` is any one token;
  `*` elsewhere is any run of characters within the token; `?` is exactly one character;
- a value whose glob our term syntax expresses exactly becomes a term: all but those with `?`,
  since the codebook keeps words whole as dictionary tools do (`tokens: {hyphens: join,
  apostrophes: join}`: "self-government", "won't" and "nation's" are one token each, so LSD's
  `won` does not count in "won't", and `nation* defen*` matches "nation's defense");
- a value with `?` becomes a pattern over our token string that reproduces the match.

What cannot be translated exactly is written to the report, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from agenda.codebook import Joins, reserved_id
from agenda.errors import AgendaError
from agenda.readable import regular_file
from agenda.yamlsafe import MAX_DEPTH

ID_MAX = 32
LABEL_MAX = 80
# Pattern pieces: one character of a token; a glob `*` (any run of characters within a token); a
# lone `*` word (any one token).
PATTERN_CHAR = r"\S"
PATTERN_STAR = r"\S*"
PATTERN_ANY_TOKEN = r"\S+"
TOKEN_JOIN = r"\s{2,}"  # between our tokens inside one word (`\s+` separates words)
# Dictionary tools keep a word with an inner hyphen or apostrophe whole ("self-government", "won't").
TOKENS = {"hyphens": "join", "apostrophes": "join"}


@dataclass
class Value:
    """One dictionary value with the line it was read from (0 when unknown)."""

    text: str
    line: int = 0
    weight: float = 1.0
    rule: dict | None = None  # a rule of the rule language (for `rules:`), already translated
    exclude: dict | None = None  # an exclusion of the rule language (for `exclude:`), with text as its term


@dataclass
class Key:
    """A dictionary key: its name, its values and its nested keys."""

    name: str
    line: int = 0
    values: list[Value] = field(default_factory=list)
    children: list[Key] = field(default_factory=list)
    code: int | None = None  # a code the source gives (LIWC category numbers)


@dataclass
class ImportReport:
    """What an import did: counts, and every value or feature not translated exactly."""

    source: str
    format: str
    items: int = 0
    terms: int = 0
    patterns: int = 0
    notes: list[str] = field(default_factory=list)

    def note(self, line: int, message: str) -> None:
        where = f"{self.source}:{line}" if line else self.source
        self.notes.append(f"{where}: {message}")

    def summary(self) -> str:
        return (
            f"{self.source} ({self.format}): {self.items} items, {self.terms} terms, "
            f"{self.patterns} patterns, {len(self.notes)} notes"
        )


def slug(name: str) -> str:
    """A lower-case ASCII identifier for a key: letters, digits and underscores."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    return out


def _unique_id(base: str, taken: set[str]) -> str:
    if not base or not base[0].isalpha():
        base = f"k_{base}" if base else "key"
    base = base[:ID_MAX].rstrip("_")
    if reserved_id(base):  # a key named like a column of the coded table (text, unit, primary, ...)
        base = f"{base}_key"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"_{n}"
        candidate = base[: ID_MAX - len(suffix)].rstrip("_") + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _words(value: str) -> list[str]:
    return value.split()


def needs_pattern(value: str) -> bool:
    """Whether a glob value needs a pattern to keep quanteda's meaning: `?`, which terms cannot say."""
    return "?" in value


def glob_pattern(value: str) -> str:
    """A pattern over our padded token string that matches what quanteda's glob value matches."""
    from agenda.engine.normalize import escape, tokenize_strings

    words = []
    for word in _words(value):
        if set(word) <= {"*"}:
            words.append(PATTERN_ANY_TOKEN)
            continue
        parts = re.split(r"([*?])", word)
        literals = [p for p in parts if p and p not in "*?"]
        tokens = dict(zip(literals, tokenize_strings(literals, joins=Joins(True, True)))) if literals else {}
        out = []
        for part in parts:
            if part == "*":
                out.append(PATTERN_STAR)
            elif part == "?":
                out.append(PATTERN_CHAR)
            elif part:
                out.append(TOKEN_JOIN.join(escape(t) for t in tokens[part]))
        words.append("".join(out))
    return r"\s" + r"\s+".join(words) + r"\s"


def translate_value(value: Value, key: str, report: ImportReport) -> str | dict | None:
    """A term (a string) or a pattern ({'pattern': ...}) for one glob value; None when empty."""
    text = " ".join(value.text.split()).lower()
    if not text:
        report.note(value.line, f"key {key!r}: empty value skipped")
        return None
    if needs_pattern(text):
        report.patterns += 1
        return {"pattern": glob_pattern(text)}
    report.terms += 1
    return text


def _weighted(rule: str | dict, weight: float) -> str | dict:
    """A term or pattern with its weight, when it is not 1."""
    if weight == 1:
        return rule
    entry = {"term": rule} if isinstance(rule, str) else dict(rule)
    return {**entry, "weight": int(weight) if float(weight).is_integer() else weight}


def _label(path: list[str], report: ImportReport, line: int) -> str:
    label = ".".join(path)
    if len(label) > LABEL_MAX:
        report.note(line, f"key {label!r}: label shortened to {LABEL_MAX} characters")
        label = label[: LABEL_MAX - 1] + "\u2026"
    return label


def codebook_id(path: str | Path) -> str:
    """A valid codebook id from a dictionary's file name."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(path).stem).strip("-._")
    return stem if stem and stem[0].isalnum() else f"dict-{stem}".rstrip("-")


def build_codebook(keys: list[Key], source: str | Path, fmt: str, report: ImportReport) -> dict:
    """The codebook (as YAML-ready data) for a tree of keys; parents come before their children."""
    if not keys:
        raise AgendaError(f"{source}: the dictionary has no keys")
    items: list[dict] = []
    taken: set[str] = set()
    used_codes = {k.code for k in walk(keys) if k.code is not None}
    next_code = [1]

    def code_for(key: Key) -> int:
        if key.code is not None:
            return key.code
        while next_code[0] in used_codes:
            next_code[0] += 1
        used_codes.add(next_code[0])
        return next_code[0]

    def visit(key: Key, path: list[str], parent: dict | None) -> None:
        path = [*path, key.name]
        label = _label(path, report, key.line)
        base = slug(key.name)
        if parent is not None:
            base = f"{parent['id']}_{base}" if base else parent["id"]
        item_id = _unique_id(base, taken)
        if item_id != base:
            report.note(key.line, f"key {label!r}: id {item_id!r} (its name gives no valid or unique id)")
        item: dict = {"id": item_id, "code": code_for(key), "label": label}
        if parent is not None:
            item["parent"] = parent["id"]
        terms, seen, rules, excludes = [], set(), [], []
        for value in key.values:
            if value.rule is not None:
                rules.append(value.rule)
                continue
            rule = translate_value(value, label, report)
            if rule is None:
                continue
            marker = rule if isinstance(rule, str) else rule["pattern"]
            if value.exclude is not None:
                excludes.append(value.exclude)
            elif marker in seen:
                continue  # quanteda keeps each value of a key once
            seen.add(marker)
            terms.append(_weighted(rule, value.weight))
        strings = [t for t in terms if isinstance(t, str) or "term" in t]
        patterns = [
            t["pattern"] if t.keys() == {"pattern"} else t for t in terms if isinstance(t, dict) and "pattern" in t
        ]
        if strings:
            item["terms"] = strings
        if patterns:
            item["patterns"] = patterns
        if rules:
            item["rules"] = rules
        if excludes:
            item["exclude"] = excludes
        terms += rules
        if not terms and not key.children:
            report.note(key.line, f"key {label!r}: has no values; its item has no rules")
        items.append(item)
        for child in key.children:
            visit(child, path, item)

    for key in keys:
        visit(key, [], None)
    report.items = len(items)
    cid = codebook_id(source)
    return {
        "codebook": cid,
        "version": "1.0.0",
        "title": f"{Path(source).name} (imported from {fmt})",
        "tokens": dict(TOKENS),
        "items": items,
    }


def walk(keys: list[Key]) -> Iterator[Key]:
    """Every key, parents before their children, in order; without recursion, at any depth."""
    stack = list(reversed(keys))
    while stack:
        key = stack.pop()
        yield key
        stack.extend(reversed(key.children))


def check_depth(keys: list[Key], source: str | Path) -> None:
    """Keys nested more than yamlsafe.MAX_DEPTH levels deep are an error naming the line of the first too deep."""
    stack = [(key, 1) for key in keys]
    while stack:
        key, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise AgendaError(f"{source}:{key.line}: keys nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in key.children)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def pattern_glob(pattern: str) -> str | None:
    """The glob value a pattern written by `glob_pattern` came from; None for any other pattern."""
    if not (pattern.startswith(r"\s") and pattern.endswith(r"\s")) or len(pattern) < 4:
        return None
    body = pattern[2:-2].replace(PATTERN_ANY_TOKEN, "\x00").replace(PATTERN_STAR, "\x01").replace(PATTERN_CHAR, "\x02")
    words = []
    for word in body.split(r"\s+"):
        if word == "\x00":
            words.append("*")
            continue
        tokens = [_unescape(t) for t in word.split(TOKEN_JOIN)]
        words.append("".join(tokens).replace("\x01", "*").replace("\x02", "?"))
    value = " ".join(words)
    return value if glob_pattern(value) == pattern else None


def rule_glob(rule, item_id: str, notes: list[str]) -> str | None:
    """A glob value for one of our rules, or None (with a note) when globs cannot say it."""
    if rule.kind == "term":
        if rule.case_sensitive:
            notes.append(f"item {item_id!r}: term {rule.text!r} is case-sensitive; glob values match any case")
        return rule.text
    value = pattern_glob(rule.text)
    if value is None:
        notes.append(f"item {item_id!r}: pattern {rule.text!r} has no glob equivalent; not exported")
    return value


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """A dictionary file's text, decoded strictly; errors name the file and line."""
    import codecs

    path = regular_file(Path(path), "dictionary")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AgendaError(f"{path}: no such file") from None
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise AgendaError(f"unknown encoding {encoding!r}") from None
    try:
        return raw.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AgendaError(f"{path}:{line}: not valid {encoding} at byte {exc.start}; try --encoding") from None
