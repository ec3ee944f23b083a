"""Codebooks: load a YAML file, validate it against the shipped JSON Schema, compile its rules.

A codebook is compiled once: every item becomes one regular expression per text form it is
matched against (see `match.py`), checked by polars' own regex engine at load time.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema

from agenda import yamlsafe
from agenda.errors import AgendaError
from agenda.readable import regular_file

DEFAULT_UNITS = {"split": "paragraph", "min_words": 0, "drop": []}
# Columns of the coded tables (wide and long) that an item's hits column must not replace.
RESERVED_IDS = ("doc_id", "unit", "text", "n_words", "n_items", "primary", "item", "hits", "terms", "period")
SPLIT_TEXT = re.compile(r"text_\d+")  # SPSS's pieces of a long text: text_2, text_3, ...


COMBINED = ("near", "all", "any", "context")  # the rule language's kinds, built from terms


@dataclass(frozen=True)
class Rule:
    """One rule of an item, as written in the codebook.

    A term or a pattern; or a rule of the rule language (see COMBINED) built from groups of
    terms: `near` (a term of the first group within `within` words of one of the second, in
    `scope`), `all` (a term of every group in one scope), `any` (a term of the group in a scope)
    and `context` (its terms count only beside a unit coded for the item `of`, within `window`
    units of the same document; None: anywhere in it). Any rule may carry a weight and date bounds.
    """

    kind: str  # "term", "pattern", or one of COMBINED
    text: str
    case_sensitive: bool = False
    language: str | None = None
    weight: float = 1.0
    since: datetime.date | None = None
    until: datetime.date | None = None
    groups: tuple[tuple[Rule, ...], ...] = ()
    within: int | None = None
    ordered: bool = False
    scope: str = "sentence"
    window: int | None = None
    of: str | None = None

    @property
    def combined(self) -> bool:
        return self.kind in COMBINED

    @property
    def plain(self) -> bool:
        """A term or pattern that counts as the engine's fast path counts it: no weight, no dates."""
        return not self.combined and self.weight == 1 and self.since is None and self.until is None

    @property
    def display(self) -> str:
        if self.kind == "pattern":
            return f"/{self.text}/"
        if not self.combined:
            return self.text
        groups = [" | ".join(r.text for r in group) for group in self.groups]
        if self.kind == "near":
            word = "BEFORE" if self.ordered else "NEAR"
            return f"{groups[0]} {word}/{self.within} {groups[1]} (in a {self.scope})"
        if self.kind == "context":
            where = "its document" if self.window is None else f"{self.window} units"
            return f"CONTEXT({groups[0]}) within {where} of {self.of}"
        return f"{self.kind.upper()}({'; '.join(groups)}) in a {self.scope}"


@dataclass(frozen=True)
class Item:
    """An agenda item: its identity, labels and rules."""

    id: str
    code: int
    label: str
    description: str = ""
    color: str | None = None
    parent: str | None = None
    rules: tuple[Rule, ...] = ()
    exclude: tuple[Rule, ...] = ()
    min_hits: int = 1
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()
    since: datetime.date | None = None
    until: datetime.date | None = None
    examples_documents: tuple[tuple[tuple[str, ...], tuple[int, ...], str | None], ...] = ()  # paragraphs, coded, date

    @property
    def dated(self) -> bool:
        """Whether the item or any of its rules has date bounds."""
        rules = self.rules + self.exclude
        return self.since is not None or self.until is not None or any(r.since or r.until for r in rules)

    @property
    def context_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "context")


@dataclass(frozen=True)
class Joins:
    """The codebook's `tokens:` options: which marks between two word characters keep a word one token."""

    hyphens: bool = False  # hyphens: join: "self-government"
    apostrophes: bool = False  # apostrophes: join: "won't", "nation's"

    def __bool__(self) -> bool:
        return self.hyphens or self.apostrophes


NO_JOINS = Joins()


@dataclass(frozen=True, eq=False)
class Codebook:
    """A validated codebook with its provenance."""

    id: str
    version: str
    title: str
    items: tuple[Item, ...]
    units: dict = field(default_factory=lambda: dict(DEFAULT_UNITS))
    languages: tuple[str, ...] = ()
    source: str = "<codebook>"
    sha256: str = ""
    joins: Joins = NO_JOINS  # tokens: {hyphens: join, apostrophes: join}

    @property
    def join_hyphens(self) -> bool:
        return self.joins.hyphens

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise AgendaError(f"{self.source}: no item {item_id!r} (items: {', '.join(self.item_ids)})")

    def provenance(self) -> dict[str, str]:
        from agenda import __version__

        return {
            "codebook": self.id,
            "codebook_version": self.version,
            "codebook_sha256": self.sha256,
            "agenda_version": __version__,
        }


@cache
def schema() -> dict:
    """The codebook JSON Schema shipped in agenda/schema/."""
    text = resources.files("agenda").joinpath("schema/codebook.schema.json").read_text("utf-8")
    return json.loads(text)


def load_codebook(path: str | Path) -> Codebook:
    """Read, validate and compile a YAML codebook; every error names the file and the place.

    A bare name that is no file, such as `us-russia-2021`, is the shipped codebook of that name.
    """
    from agenda.shipped import locate

    path = regular_file(locate(Path(path)), "codebook")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read codebook: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AgendaError(f"{path}: not valid UTF-8 at byte {exc.start}") from None
    return parse_codebook(text, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


def parse_codebook(text: str, source: str = "<codebook>", sha256: str | None = None) -> Codebook:
    """Validate and compile codebook YAML given as a string."""
    data = yamlsafe.load(text, source)  # bounded: aliases, depth and repeated keys are checked first
    if not isinstance(data, dict):
        raise AgendaError(f"{source}: a codebook is a YAML mapping with 'codebook', 'version', 'items'")
    data = _dates_as_text(data)
    validate(data, source)
    sha = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    codebook = build(data, source, sha)
    from agenda.engine.match import check_regex, compile_codebook, refuse_empty_matches

    for i, pattern in enumerate(codebook.units["drop"]):
        error = check_regex(f"(?i){pattern}")
        if error:
            raise AgendaError(f"{source}: units.drop[{i}]: invalid pattern {pattern!r}: {error}")
    refuse_empty_matches(
        [(f"(?i){p}", f"{source}: units.drop[{i}]: pattern {p!r}") for i, p in enumerate(codebook.units["drop"])]
    )
    compile_codebook(codebook)  # checks every pattern with polars' regex engine now
    return codebook


def _json_path(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def reserved_id(item_id: str) -> bool:
    """An id that is the name of a column the coded tables have besides the items' own."""
    return item_id in RESERVED_IDS or SPLIT_TEXT.fullmatch(item_id) is not None


def _cut(values):
    """A list of two or more plain, non-empty strings cut to its first: the schema says of each what it says of it."""
    plain = isinstance(values, list) and len(values) > 1 and all(isinstance(v, str) and v for v in values)
    return values[:1] if plain else values


def _skeleton(data: dict) -> dict:
    """The codebook with each item's lists of plain terms and patterns cut to their first.

    It is valid exactly when the codebook is (the schema bounds no list of terms or patterns in
    length), and the schema check of a big dictionary's thousands of terms is most of its load time.
    """
    items = data.get("items")
    if not isinstance(items, list):
        return data
    cut = []
    for item in items:
        if isinstance(item, dict):
            item = dict(item)
            for key in ("terms", "patterns"):
                values = item.get(key)
                if isinstance(values, dict):
                    item[key] = {language: _cut(v) for language, v in values.items()}
                elif values is not None:
                    item[key] = _cut(values)
        cut.append(item)
    return {**data, "items": cut}


def validate(data: dict, source: str) -> None:
    """Check the schema, then what a schema cannot say: unique ids and codes, known parents."""
    validator = jsonschema.Draft202012Validator(schema())
    best = jsonschema.exceptions.best_match(validator.iter_errors(_skeleton(data)))
    if best is not None:
        where = _json_path(best.absolute_path)
        item_id = _item_id_at(data, list(best.absolute_path))
        label = f" (item {item_id!r})" if item_id else ""
        raise AgendaError(f"{source}: {where}{label}: {_schema_message(best)}")
    seen_ids: dict[str, int] = {}
    seen_codes: dict[int, str] = {}
    for i, item in enumerate(data["items"]):
        if reserved_id(item["id"]):
            raise AgendaError(
                f"{source}: items[{i}].id: {item['id']!r} is the name of a column of the coded table; choose another id"
            )
        if item["id"] in seen_ids:
            raise AgendaError(f"{source}: items[{i}].id: duplicate item id {item['id']!r}")
        if item["code"] in seen_codes:
            raise AgendaError(
                f"{source}: items[{i}].code: code {item['code']} of {item['id']!r} is already "
                f"used by {seen_codes[item['code']]!r}"
            )
        seen_ids[item["id"]] = i
        seen_codes[item["code"]] = item["id"]
    for i, item in enumerate(data["items"]):
        parent = item.get("parent")
        if parent is not None and (parent not in seen_ids or parent == item["id"]):
            raise AgendaError(f"{source}: items[{i}].parent: unknown parent {parent!r} of {item['id']!r}")
    for i, item in enumerate(data["items"]):
        chain, current = set(), item
        while current.get("parent"):
            if current["id"] in chain:
                raise AgendaError(f"{source}: items[{i}].parent: parents form a cycle at {item['id']!r}")
            chain.add(current["id"])
            current = data["items"][seen_ids[current["parent"]]]
    _check_rule_language(data, source, seen_ids)


def _dates_as_text(node):
    """YAML reads `2015-07-14` as a date; the schema and the rules read dates as ISO strings."""
    if isinstance(node, dict):
        return {k: _dates_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_dates_as_text(v) for v in node]
    return node.isoformat() if isinstance(node, datetime.date) else node


def _check_rule_language(data: dict, source: str, seen_ids: dict[str, int]) -> None:
    """Context rules name known items; an item with context rules has a free `<id>_context` column name."""
    for i, item in enumerate(data["items"]):
        contexts = [(k, r) for k, r in enumerate(item.get("rules") or []) if "context" in r]
        for k, rule in contexts:
            of = rule.get("of", item["id"])
            if of not in seen_ids:
                raise AgendaError(f"{source}: items[{i}].rules[{k}].of (item {item['id']!r}): unknown item {of!r}")
        if contexts and f"{item['id']}_context" in seen_ids:
            raise AgendaError(
                f"{source}: items[{i}] (item {item['id']!r}): its context hits go to column "
                f"{item['id']}_context, which is the id of another item"
            )


def _item_id_at(data: dict, path: list) -> str | None:
    if len(path) >= 2 and path[0] == "items" and isinstance(path[1], int):
        item = data["items"][path[1]]
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            return item["id"]
    return None


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key")
    if error.validator == "pattern":
        return f"{error.instance!r} does not match {error.validator_value}"
    if error.validator == "oneOf":
        return f"{error.instance!r} is not a valid rule (a string, or a mapping with term/pattern)"
    return error.message


def _day(value, source: str, item_id: str, where: str) -> datetime.date | None:
    """A date bound of the codebook (YAML gives a date, or a string of one), or an error naming where."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise AgendaError(f"{source}: item {item_id!r}: {where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _control_character(term: str) -> str | None:
    """The first control character of a term that is not whitespace, as U+XXXX; words have none."""
    found = next((ch for ch in term if unicodedata.category(ch) == "Cc" and not ch.isspace()), None)
    return None if found is None else f"U+{ord(found):04X}"


def _rule(entry, kind: str, default_cs: bool, language: str | None, where: tuple) -> Rule:
    """One rule from its YAML entry: a string, or a mapping of a term, pattern or rule-language rule."""
    source, item_id, place = where
    term = entry if isinstance(entry, str) else entry.get("term")
    if kind == "term" and isinstance(term, str) and (control := _control_character(term)):
        raise AgendaError(f"{source}: item {item_id!r}: {place}: term {term!r} holds a control character ({control})")
    if isinstance(entry, str):
        return Rule(kind, entry, default_cs, language)
    cs = entry.get("case_sensitive", default_cs)
    bounds = {
        "weight": float(entry.get("weight", 1)),
        "since": _day(entry.get("from"), source, item_id, f"{place}.from"),
        "until": _day(entry.get("until"), source, item_id, f"{place}.until"),
    }
    if bounds["since"] and bounds["until"] and bounds["since"] > bounds["until"]:
        raise AgendaError(
            f"{source}: item {item_id!r}: {place}: 'from' {bounds['since']} is after 'until' {bounds['until']}"
        )
    combined = next((k for k in COMBINED if k in entry), None)
    if combined is None:
        entry_kind = "pattern" if "pattern" in entry else "term"
        return Rule(entry_kind, entry[entry_kind], cs, language, **bounds)
    operands = entry[combined]
    groups = [operands] if combined in ("any", "context") else operands
    groups = tuple(
        tuple(_rule(t, "term", cs, language, (source, item_id, f"{place}.{combined}")) for t in _listed(g))
        for g in groups
    )
    window = entry.get("window", "document")
    text = "; ".join(" | ".join(r.text for r in g) for g in groups)
    return Rule(
        combined,
        text,
        any(t.case_sensitive for g in groups for t in g),
        language,
        groups=groups,
        within=entry.get("within"),
        ordered=entry.get("ordered", False),
        scope=entry.get("scope", "unit" if combined == "any" else "sentence"),
        window=None if window == "document" else window,
        of=entry.get("of", item_id) if combined == "context" else None,
        **bounds,
    )


def _listed(group) -> list:
    return [group] if isinstance(group, (str, dict)) else list(group)


def _rules(
    entries, kind: str, default_cs: bool, language: str | None = None, where: tuple = ("", "", "")
) -> list[Rule]:
    source, item_id, place = where
    return [
        _rule(entry, kind, default_cs, language, (source, item_id, f"{place}[{i}]"))
        for i, entry in enumerate(entries or [])
    ]


def _documents(examples: dict) -> tuple:
    return tuple(
        (tuple(d["paragraphs"]), tuple(d.get("coded", [])), d.get("date")) for d in examples.get("documents", [])
    )


def build(data: dict, source: str, sha256: str) -> Codebook:
    """Turn validated YAML data into a Codebook."""
    items = []
    for item in data["items"]:
        cs = item.get("case_sensitive", False)
        terms = item.get("terms") or []
        at = (source, item["id"])
        if isinstance(terms, dict):
            rules = [
                r for lang, entries in terms.items() for r in _rules(entries, "term", cs, lang, (*at, f"terms.{lang}"))
            ]
        else:
            rules = _rules(terms, "term", cs, where=(*at, "terms"))
        rules += _rules(item.get("patterns"), "pattern", cs, where=(*at, "patterns"))
        rules += _rules(item.get("rules"), "term", cs, where=(*at, "rules"))
        examples = item.get("examples", {})
        items.append(
            Item(
                id=item["id"],
                code=int(item["code"]),  # 1.0 is an integer to JSON Schema, and a Stata code is an int
                label=item["label"],
                description=item.get("description", "").strip(),
                color=item.get("color"),
                parent=item.get("parent"),
                rules=tuple(rules),
                exclude=tuple(_rules(item.get("exclude"), "term", cs, where=(*at, "exclude"))),
                min_hits=int(item.get("min_hits", 1)),
                examples_match=tuple(examples.get("match", [])),
                examples_no_match=tuple(examples.get("no_match", [])),
                since=_day(item.get("from"), source, item["id"], "from"),
                until=_day(item.get("until"), source, item["id"], "until"),
                examples_documents=_documents(examples),
            )
        )
    units = {**DEFAULT_UNITS, **data.get("units", {})}
    units["min_words"] = int(units["min_words"])
    return Codebook(
        id=data["codebook"],
        version=str(data["version"]),
        title=data.get("title", data["codebook"]),
        items=tuple(items),
        units=units,
        languages=tuple(data.get("languages", [])),
        source=source,
        sha256=sha256,
        joins=Joins(
            hyphens=data.get("tokens", {}).get("hyphens", "split") == "join",
            apostrophes=data.get("tokens", {}).get("apostrophes", "split") == "join",
        ),
    )
