"""A plain-Python `re` reference for agenda's matching semantics and rule language: same hits.

Written from README.md ("Matching semantics", "The rule language") and DESIGN.md, without
importing agenda, so that the two implementations can check each other:

- Text and terms: NFKC, typographic quotes/apostrophes folded (’‘‛ʼ′`´ -> ', “”„‟«» -> "),
  ё -> е, soft hyphen removed, then lower-cased unless the rule is case_sensitive.
- Tokens: runs of word characters (Unicode `\\w` as Rust's regex and UTS #18 define it: letters,
  marks, decimal digits, letter numbers, connector punctuation, join controls), or one other
  character that is neither whitespace nor a hyphen. Whitespace and the hyphens - U+2010 U+2011
  U+2012 U+2013 U+2212 separate tokens; the em dash U+2014 is a punctuation token.
- A term's words match consecutive tokens exactly; `*` inside a word matches any run of
  characters within one token; a lone `*` matches any one token.
- A scan (an item's terms and patterns, those in its `rules:` too; a group; the exclusions)
  finds non-overlapping matches left to right; at each position the first alternative that
  matches wins, terms ordered by number of words (descending), then by length without `*`
  (descending), then as listed; then patterns, as listed. Patterns are Python `re` on the
  token string (`" tok  tok "`), with a literal space matching any whitespace run: write them
  in the syntax Python and Rust share.
- Exclusions first: the exclude terms and patterns are one scan, and every token a match
  touches is cut (a pattern matching part of a word cuts the word); a near exclusion cuts each
  match of its first group with a match of its second group near it (see near). Exclusions read
  the whole unit; every other scan skips a match that holds a cut token (or, for a pattern,
  overlaps one) and tries the next alternative.
- Sentences end at `.`, `!`, `?`, except a `.` after a one-letter word or between two numbers.
- near: one hit per match of the first group with a match of the second group at most `within`
  words away (punctuation tokens between them not counted; cut words are), before or after it
  (after only when ordered), not overlapping, with no sentence end between them (scope sentence).
- all: one hit per scope with a match of every group; any: one hit per scope with a match.
  A match is in the sentence of its first token.
- context: its group's matches count where the unit or one within `window` kept units of the same
  document (`document`: any) is coded for `of` (default the item) by its other rules, that is,
  their weighted hits, inside the item's dates, reach its min_hits.
- Dates: a bounded term of a scan is absent outside its bounds; a bounded rule counts 0; an
  item's bounds make all its hits 0. A unit without a readable date (a date, or text that starts
  with YYYY-MM-DD) is outside every bound.
- Weights multiply a rule's hits (a term's, in a scan); an item's hits are the sum over its rules,
  context included, and count as 0 below min_hits (its context hits too).
- Units: paragraphs split on blank lines, numbered from 1 before anything is dropped, stripped;
  empty units, units under units.min_words words and units matching units.drop are dropped.

- `tokens: {hyphens: join}` / `{apostrophes: join}`: a hyphen (- U+2010 U+2011) / an apostrophe
  (' ’ ‘ ‛ ′ ` ´, not U+02BC) between two word characters (of the NFKC text) stays in the word, as
  "-" / "'".

Not covered: U+02BC beside a joined mark; patterns whose matches reach across a cut token's
neighbours in ways a token-confined pattern cannot. `strip_patterns` removes patterns, for
codebooks whose patterns use syntax only Rust has.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path

import yaml

FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u0451": "\u0435",
        "\u0401": "\u0415",
        "\u00ad": None,
        # zero-width characters are removed (README: "soft hyphens and zero-width characters removed")
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
# Unicode White_Space, plus the hyphens that separate tokens.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
HYPHENS = "-\u2010\u2011\u2012\u2013\u2212"
SEPARATORS = WHITESPACE + HYPHENS
# Other_Alphabetic characters outside the mark categories (circled and squared letters).
_OTHER_ALPHABETIC = [(0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189)]
_WORD_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Mn", "Mc", "Me", "Nd", "Pc"}


def _ranges_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


@cache
def word_class() -> str:
    """The body of a character class of Unicode word characters (UTS #18 `\\w`)."""
    ranges: list[tuple[int, int]] = []
    start = None
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) in _WORD_CATEGORIES or cp in (0x200C, 0x200D):
            if start is None:
                start = cp
        elif start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, sys.maxunicode))
    return _ranges_class(ranges + _OTHER_ALPHABETIC)


# The marks `tokens:` joins, each held in the word as a private-use character until tokens are found.
JOIN_MARKS = {"hyphens": ("-\u2010\u2011", "\ue000", "-"), "apostrophes": ("'\u2019\u2018\u201b\u2032`", "\ue001", "'")}


@cache
def token_re(joined: bool = False) -> re.Pattern:
    word = word_class()
    inner = f"(?:[\ue000\ue001][{word}]+)*" if joined else ""
    return re.compile(f"[{word}]+{inner}|[^{word}{re.escape(SEPARATORS)}]")


@cache
def _joinable(marks: str) -> re.Pattern:
    word = word_class()
    return re.compile(f"(?<=[{word}])[{re.escape(marks)}](?=[{word}])")


def normalize(text: str, case_sensitive: bool = False, joins: tuple[str, ...] = ()) -> str:
    out = unicodedata.normalize("NFKC", text.replace("\u00b4", "'"))  # ´ folds before NFKC
    for kind in joins:
        marks, held, _ = JOIN_MARKS[kind]
        out = _joinable(marks).sub(held, out)
    out = out.translate(FOLD)
    return out if case_sensitive else out.lower()


def find_tokens(text: str, joins: tuple[str, ...] = ()) -> list[str]:
    """The tokens of normalised text, joined marks written as themselves."""
    found = token_re(bool(joins)).findall(text)
    return [t.replace("\ue000", "-").replace("\ue001", "'") for t in found] if joins else found


def tokens(text: str, case_sensitive: bool = False, joins: tuple[str, ...] = ()) -> list[str]:
    return find_tokens(normalize(text, case_sensitive, joins), joins)


# ---------------------------------------------------------------- terms, patterns, dates


def holds(since: str | None, until: str | None, day: str | None) -> bool:
    """Whether a unit dated `day` (ISO text, or None) is inside the bounds [since, until]."""
    if since is None and until is None:
        return True
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_date(value) -> str | None:
    """A date column's value as YYYY-MM-DD: a date, a datetime, or text that starts with a date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return datetime.strptime(value[:10], "%Y-%m-%d").date().isoformat()
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Term:
    text: str
    case_sensitive: bool
    matchers: tuple  # per token: a str (exact) or a compiled regex (fullmatch)
    weight: float = 1
    since: str | None = None
    until: str | None = None
    head: str = ""  # what the first token starts with (its text before the first `*`)

    @property
    def order(self) -> tuple[int, int]:
        return (-len(self.text.split()), -len(self.text.replace("*", "")))

    def match_at(self, toks: list[str], i: int) -> bool:
        if i + len(self.matchers) > len(toks):
            return False
        for k, m in enumerate(self.matchers):
            tok = toks[i + k]
            if isinstance(m, str):
                if tok != m:
                    return False
            elif m.fullmatch(tok) is None:
                return False
        return True


def compile_term(
    text: str, case_sensitive: bool = False, weight: float = 1, since=None, until=None, joins: tuple[str, ...] = ()
) -> Term:
    """Token matchers for a term: its words split on whitespace, each word's pieces between `*`s."""
    matchers: list = []
    for word in normalize(text, case_sensitive, joins).split():
        parts: list[list[str]] = []  # per token: literal fragments joined by "any run of characters"
        for j, piece in enumerate(word.split("*")):
            ptoks = [[t] for t in find_tokens(piece, joins)]
            if j == 0:
                parts = ptoks
                continue
            last = parts.pop() if parts else [""]
            first, rest = (ptoks[0], ptoks[1:]) if ptoks else ([""], [])
            parts.append(last + first)
            parts.extend(rest)
        for fragments in parts:
            if not matchers:
                first_fragment = fragments[0]
            if len(fragments) == 1:
                matchers.append(fragments[0])
            else:
                matchers.append(re.compile(".*".join(map(re.escape, fragments)), re.DOTALL))
    if not matchers:
        raise ValueError(f"empty term {text!r}")
    head = matchers[0] if isinstance(matchers[0], str) else first_fragment
    return Term(text, case_sensitive, tuple(matchers), weight, _day(since), _day(until), head)


@dataclass(frozen=True)
class Pattern:
    text: str
    case_sensitive: bool
    regex: re.Pattern
    weight: float = 1
    since: str | None = None
    until: str | None = None


def compile_pattern(text: str, case_sensitive: bool = False, weight: float = 1, since=None, until=None) -> Pattern:
    """A pattern for the token string: a literal space (outside a class) matches any whitespace run."""
    body = re.sub(r"(?<!\\) +(?![^\[]*\])", r"\\s+", text)
    flags = 0 if case_sensitive else re.IGNORECASE
    return Pattern(text, case_sensitive, re.compile(body, flags), weight, _day(since), _day(until))


def _day(value) -> str | None:
    """A bound as written in YAML (text, or a date YAML already read) as YYYY-MM-DD."""
    return None if value is None else read_date(value if isinstance(value, date) else str(value))


class Scan:
    """Terms (matched longest first) then patterns: one left-to-right, non-overlapping scan."""

    def __init__(self, terms: list[Term], patterns: list[Pattern] = ()):
        self.terms = tuple(sorted(terms, key=lambda t: t.order))  # stable: ties keep the listed order
        self.patterns = tuple(patterns)
        self._cache: dict = {}
        self._by_head: dict[tuple[bool, str], list[int]] = {}  # (case-sensitive, head): terms, by position
        for i, term in enumerate(self.terms):
            self._by_head.setdefault((term.case_sensitive, term.head), []).append(i)

    def candidates(self, lower: str, kept: str) -> tuple[Term, ...]:
        """The terms (in order) whose first token matches this token: a speed-up only."""
        key = (lower, kept)
        found = self._cache.get(key)
        if found is None:
            heads = [(False, lower[:n]) for n in range(len(lower) + 1)] + [
                (True, kept[:n]) for n in range(len(kept) + 1)
            ]
            maybe = sorted(i for h in heads for i in self._by_head.get(h, ()))
            found = tuple(
                t for t in map(self.terms.__getitem__, maybe) if _first_matches(t, kept if t.case_sensitive else lower)
            )
            self._cache[key] = found
        return found

    def matches(self, unit: Unit, cut: list[bool] | None = None, day: str | None = None) -> list[tuple]:
        """(first token, last token + 1, rule) of each match; cut tokens are never inside a match."""
        if not self.terms and not self.patterns:
            return []
        lower = unit.toks(False)
        kept = unit.toks(True) if any(r.case_sensitive for r in self.terms + self.patterns) else lower
        assert len(kept) == len(lower), "case folding changed the number of tokens"
        patterns = [p for p in self.patterns if holds(p.since, p.until, day)]
        cut = cut or [False] * len(lower)
        text, starts = unit.token_string(False)
        if any(p.case_sensitive for p in patterns):
            text_cs, starts_cs = unit.token_string(True)
            assert starts_cs == starts, "case folding changed the token string's offsets"
        at_token = {s: k for k, s in enumerate(starts)}
        found, p = [], 0
        while p < len(text):
            k, hit = at_token.get(p), None
            if k is not None:
                for term in self.candidates(lower[k], kept[k]):
                    end = k + len(term.matchers)
                    if holds(term.since, term.until, day) and term.match_at(kept if term.case_sensitive else lower, k):
                        if not any(cut[k:end]):
                            hit = (k, end, term, starts[end - 1] + len(lower[end - 1]))
                            break
            for pattern in [] if hit else patterns:
                m = pattern.regex.match(text_cs if pattern.case_sensitive else text, p)
                if m and m.end() > p:
                    first, last = unit.tokens_touched(m.start(), m.end())
                    if not any(cut[first:last]):
                        hit = (first, last, pattern, m.end())
                        break
            if hit:
                found.append(hit[:3])
                p = hit[3]
            elif patterns:
                p += 1
            else:  # terms start at tokens only
                nxt = bisect_right(starts, p)
                p = starts[nxt] if nxt < len(starts) else len(text)
        return found


def _first_matches(term: Term, tok: str) -> bool:
    m = term.matchers[0]
    return tok == m if isinstance(m, str) else m.fullmatch(tok) is not None


# ---------------------------------------------------------------- units of text


class Unit:
    """A unit's tokens, lower-cased and case-kept, its sentences and token string (computed lazily)."""

    def __init__(self, text: str, joins: tuple[str, ...] = ()):
        self.text = text
        self.joins = joins
        self._toks: dict[bool, list[str]] = {}
        self._strings: dict[bool, tuple[str, list[int]]] = {}
        self._sentences: list[int] | None = None
        self._words: list[int] | None = None

    def toks(self, case_sensitive: bool) -> list[str]:
        if case_sensitive not in self._toks:
            self._toks[case_sensitive] = tokens(self.text, case_sensitive, self.joins)
        return self._toks[case_sensitive]

    def token_string(self, case_sensitive: bool) -> tuple[str, list[int]]:
        """`" tok  tok "` and the offset of each token in it."""
        if case_sensitive not in self._strings:
            starts, pos = [], 1
            for tok in self.toks(case_sensitive):
                starts.append(pos)
                pos += len(tok) + 2
            self._strings[case_sensitive] = (" " + "  ".join(self.toks(case_sensitive)) + " ", starts)
        return self._strings[case_sensitive]

    def tokens_touched(self, start: int, end: int) -> tuple[int, int]:
        """The tokens (first, last + 1) that the characters [start, end) of the token string touch."""
        toks = self.toks(False)
        starts = self.token_string(False)[1]
        first = bisect_right(starts, start) - 1
        if first < 0 or starts[first] + len(toks[first]) <= start:
            first += 1
        return first, max(first, bisect_left(starts, end))

    def sentences(self) -> list[int]:
        """The sentence of each token: a `.`, `!` or `?` ends one, except `.` after a one-letter word or in 3.5."""
        if self._sentences is None:
            toks, out, n = self.toks(False), [], 0
            for k, tok in enumerate(toks):
                out.append(n)
                prev, nxt = toks[k - 1] if k else "", toks[k + 1] if k + 1 < len(toks) else ""
                abbreviation = len(prev) == 1 and prev.isalpha()
                decimal = prev.isdecimal() and nxt.isdecimal()
                if tok in ("!", "?") or (tok == "." and not abbreviation and not decimal):
                    n += 1
            self._sentences = out
        return self._sentences

    def words_before(self) -> list[int]:
        """words_before[k]: how many of the tokens before token k are words (not punctuation)."""
        if self._words is None:
            wc = re.compile(f"[{word_class()}]")
            self._words = [0]
            for tok in self.toks(False):
                self._words.append(self._words[-1] + (1 if wc.match(tok) else 0))
        return self._words


# ---------------------------------------------------------------- rules and items


@dataclass(frozen=True)
class Rule:
    """A rule of an item's `rules:` or a near exclusion: groups of terms and what to do with them."""

    kind: str  # near, all, any, context
    groups: tuple[Scan, ...]
    within: int = 0
    ordered: bool = False
    scope: str = "sentence"
    window: int | None = None  # context: units before and after; None: the whole document
    of: str | None = None
    weight: float = 1
    since: str | None = None
    until: str | None = None

    def near_matches(self, unit: Unit, cut: list[bool] | None, day: str | None) -> list[tuple]:
        """The first group's matches that have a match of the second group near them."""
        first, second = (g.matches(unit, cut, day) for g in self.groups)
        starts, ends = [m[0] for m in second], [m[1] for m in second]
        words, sentence = unit.words_before(), unit.sentences()
        same = (lambda a, b: sentence[a] == sentence[b - 1]) if self.scope == "sentence" else (lambda a, b: True)
        kept = []
        for a in first:
            j = bisect_left(starts, a[1])  # the nearest match after a (not overlapping it)
            after = j < len(second) and words[starts[j]] - words[a[1]] <= self.within and same(a[0], ends[j])
            j = bisect_right(ends, a[0]) - 1  # the nearest match before a
            before = j >= 0 and words[a[0]] - words[ends[j]] <= self.within and same(starts[j], a[1])
            if after or (before and not self.ordered):
                kept.append(a)
        return kept

    def hits(self, unit: Unit, cut: list[bool], day: str | None) -> float:
        """This rule's weighted hits in a unit (a context rule's unlicensed ones)."""
        if not holds(self.since, self.until, day):
            return 0
        if self.kind == "near":
            n = len(self.near_matches(unit, cut, day))
        elif self.kind in ("all", "any"):
            sentence = unit.sentences()
            scopes = [
                {sentence[m[0]] if self.scope == "sentence" else 0 for m in g.matches(unit, cut, day)}
                for g in self.groups
            ]
            n = len(set.intersection(*scopes)) if self.kind == "all" else len(scopes[0])
        else:  # context
            return sum(m[2].weight * self.weight for m in self.groups[0].matches(unit, cut, day))
        return n * self.weight


@dataclass(frozen=True)
class RefItem:
    id: str
    scan: Scan  # the item's terms and patterns
    rules: tuple[Rule, ...] = ()
    exclude: Scan = field(default_factory=lambda: Scan([]))
    exclude_near: tuple[Rule, ...] = ()
    min_hits: int = 1
    since: str | None = None
    until: str | None = None
    has_patterns: bool = False

    @property
    def context_rules(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "context")

    def cut(self, unit: Unit, day: str | None) -> list[bool]:
        """Tokens the exclusions cut: every token of their matches, read on the whole unit."""
        cut = [False] * len(unit.toks(False))
        spans = self.exclude.matches(unit, None, day)
        spans += [m for r in self.exclude_near for m in r.near_matches(unit, None, day)]
        for first, last, _ in spans:
            cut[first:last] = [True] * (last - first)
        return cut


@dataclass(frozen=True)
class RefCodebook:
    items: tuple[RefItem, ...]
    min_words: int = 0
    drop: tuple[str, ...] = ()
    joins: tuple[str, ...] = ()  # the kinds of marks `tokens:` joins

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @property
    def context_columns(self) -> list[str]:
        return [f"{i.id}_context" for i in self.items if i.context_rules]


def _entry(entry, default_cs: bool, joins: tuple[str, ...] = ()) -> Term | Pattern:
    """A term or a pattern, as written in `terms`, `patterns`, `exclude`, `rules` or a group."""
    if isinstance(entry, str):
        return compile_term(entry, default_cs, joins=joins)
    args = (entry.get("case_sensitive", default_cs), entry.get("weight", 1), entry.get("from"), entry.get("until"))
    if "pattern" in entry:
        return compile_pattern(entry["pattern"], *args)
    return compile_term(entry["term"], *args, joins=joins)


def _group(group, cs: bool, joins: tuple[str, ...] = ()) -> Scan:
    return Scan([_entry(e, cs, joins) for e in (group if isinstance(group, list) else [group])])


def _scan(entries: list) -> Scan:
    return Scan([e for e in entries if isinstance(e, Term)], [e for e in entries if isinstance(e, Pattern)])


def _rule(data: dict, item_id: str, default_cs: bool, joins: tuple[str, ...] = ()) -> Rule:
    cs = data.get("case_sensitive", default_cs)
    common = {"weight": data.get("weight", 1), "since": _day(data.get("from")), "until": _day(data.get("until"))}
    if "near" in data:
        groups = tuple(_group(g, cs, joins) for g in data["near"])
        return Rule("near", groups, data["within"], data.get("ordered", False), data.get("scope", "sentence"), **common)
    if "all" in data:
        return Rule(
            "all", tuple(_group(g, cs, joins) for g in data["all"]), scope=data.get("scope", "sentence"), **common
        )
    if "any" in data:
        return Rule("any", (_group(data["any"], cs, joins),), scope=data.get("scope", "unit"), **common)
    if "context" in data:
        window = data.get("window", "document")
        return Rule(
            "context",
            (_group(data["context"], cs, joins),),
            window=None if window == "document" else window,
            of=data.get("of", item_id),
            **common,
        )
    raise ValueError(f"not a rule of the rule language: {data!r}")


def codebook_from_data(data: dict) -> RefCodebook:
    joins = tuple(kind for kind in JOIN_MARKS if (data.get("tokens") or {}).get(kind) == "join")
    items = []
    for item in data["items"]:
        cs = item.get("case_sensitive", False)
        terms = item.get("terms") or []
        terms = [e for lang in terms.values() for e in lang] if isinstance(terms, dict) else terms
        patterns = [e if isinstance(e, dict) else {"pattern": e} for e in item.get("patterns") or []]
        listed = item.get("rules") or []
        rules = [_rule(r, item["id"], cs, joins) for r in listed if r.keys() & {"near", "all", "any", "context"}]
        terms = terms + [r for r in listed if "term" in r]
        patterns += [r for r in listed if "pattern" in r]
        excludes = item.get("exclude") or []
        near = [e for e in excludes if isinstance(e, dict) and "near" in e]
        items.append(
            RefItem(
                id=item["id"],
                scan=_scan([_entry(e, cs, joins) for e in terms + patterns]),
                rules=tuple(rules),
                exclude=_scan([_entry(e, cs, joins) for e in excludes if e not in near]),
                exclude_near=tuple(_rule(e, item["id"], cs, joins) for e in near),
                min_hits=item.get("min_hits", 1),
                since=_day(item.get("from")),
                until=_day(item.get("until")),
                has_patterns=bool(patterns) or any(isinstance(e, dict) and "pattern" in e for e in excludes),
            )
        )
    units = data.get("units") or {}
    return RefCodebook(tuple(items), units.get("min_words", 0), tuple(units.get("drop", [])), joins)


def load(path: str | Path) -> RefCodebook:
    return codebook_from_data(yaml.safe_load(Path(path).read_text("utf-8")))


def strip_patterns(data: dict) -> dict:
    """A copy of codebook data without `patterns` (and pattern excludes and rules), for equivalence checks."""
    out = dict(data)
    out["items"] = []
    for item in data["items"]:
        item = {k: v for k, v in item.items() if k != "patterns"}
        for key in ("exclude", "rules"):
            if key in item:
                item[key] = [e for e in item[key] if isinstance(e, str) or "pattern" not in e]
                if not item[key]:
                    del item[key]
        out["items"].append(item)
    return out


# ---------------------------------------------------------------- counting


def base_hits(item: RefItem, unit: Unit, day: str | None) -> tuple[float, list[float]]:
    """An item's weighted hits from its rules other than context rules, and its context rules' unlicensed hits."""
    if not holds(item.since, item.until, day):
        return 0, [0] * len(item.context_rules)
    cut = item.cut(unit, day)
    total = sum(m[2].weight for m in item.scan.matches(unit, cut, day))
    total += sum(r.hits(unit, cut, day) for r in item.rules if r.kind != "context")
    return total, [r.hits(unit, cut, day) for r in item.context_rules]


def code_units(texts: list[str], codebook: RefCodebook, days: list[str | None] | None = None) -> list[dict]:
    """Hits per item (and `<item>_context`) of the kept units of one document, in order."""
    days = days or [None] * len(texts)
    units = [Unit(t, codebook.joins) for t in texts]
    base = {item.id: [base_hits(item, u, d) for u, d in zip(units, days)] for item in codebook.items}
    coded = {item.id: [total >= item.min_hits and total > 0 for total, _ in base[item.id]] for item in codebook.items}
    rows = []
    for k in range(len(units)):
        row = {}
        for item in codebook.items:
            total, unlicensed = base[item.id][k]
            context = 0
            for rule, hits in zip(item.context_rules, unlicensed):
                lo, hi = (0, len(units)) if rule.window is None else (max(0, k - rule.window), k + rule.window + 1)
                if any(coded[rule.of][lo:hi]):
                    context += hits
            total += context
            if total < item.min_hits:
                total = context = 0
            row[item.id] = total
            if item.context_rules:
                row[f"{item.id}_context"] = context
        rows.append(row)
    return rows


def code_text(text: str, codebook: RefCodebook, day: str | None = None) -> dict[str, float]:
    """Hits per item for one unit's text, a document of its own."""
    return {i: v for i, v in code_units([text], codebook, [day])[0].items() if i in codebook.item_ids}


def primary(hits: dict[str, float], item_ids: list[str]) -> str | None:
    best = max((hits[i] for i in item_ids), default=0)
    if best == 0:
        return None
    return next(i for i in item_ids if hits[i] == best)


# ---------------------------------------------------------------- units

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_WORD = re.compile(r"\S+")


def n_words(text: str) -> int:
    """Whitespace-separated words that hold a letter or digit."""
    wc = re.compile(f"[{word_class()}]")
    return sum(1 for w in _WORD.findall(text) if wc.search(w))


def units(text: str, min_words: int = 0, drop: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """(unit number, text) of each kept paragraph; numbers count every paragraph from 1."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip(WHITESPACE)
    pieces = _BLANK_LINE.split(text)
    drop_re = re.compile("|".join(f"(?:{p})" for p in drop), re.IGNORECASE) if drop else None
    out = []
    for n, piece in enumerate(pieces, start=1):
        piece = piece.strip(WHITESPACE)
        if not piece:
            continue
        if min_words and n_words(piece) < min_words:
            continue
        if drop_re is not None and drop_re.search(piece):
            continue
        out.append((n, piece))
    return out


def code_document(doc_id: str, text: str, codebook: RefCodebook, day=None) -> list[dict]:
    """The coded rows (doc_id, unit, hits per item, `<item>_context`, n_items, primary) of one document.

    day is the document's value in the date column (a date, a datetime, text or None)."""
    kept = units(text, codebook.min_words, codebook.drop)
    day = read_date(day)
    coded = code_units([piece for _, piece in kept], codebook, [day] * len(kept))
    rows = []
    for (n, _), hits in zip(kept, coded):
        items = {i: hits[i] for i in codebook.item_ids}
        rows.append(
            {
                "doc_id": doc_id,
                "unit": n,
                **hits,
                "n_items": sum(1 for v in items.values() if v > 0),
                "primary": primary(items, codebook.item_ids),
            }
        )
    return rows
