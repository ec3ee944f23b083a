"""A plain-Python `re` reference for agenda's matching semantics: same units, same hit counts.

Written from the semantics in DESIGN.md and the benchmark brief, without importing agenda's
matcher or normaliser, so that the two implementations can check each other:

- Text and terms: NFKC, typographic quotes/apostrophes folded (’‘‛ʼ′`´ -> ', “”„‟«» -> "),
  ё -> е, soft hyphen removed, then lower-cased unless the rule is case_sensitive.
- Tokens: runs of word characters (Unicode `\\w` as Rust's regex and UTS #18 define it: letters,
  marks, decimal digits, letter numbers, connector punctuation, join controls), or one other
  character that is neither whitespace nor a hyphen. Whitespace and the hyphens - U+2010 U+2011
  U+2012 U+2013 U+2212 separate tokens; the em dash U+2014 is a punctuation token.
- A term's words match consecutive tokens exactly; `*` inside a word matches any run of
  characters within one token; a lone `*` matches any one token.
- Within an item, hits are non-overlapping, scanning tokens left to right; at each position the
  first alternative that matches wins, alternatives ordered by number of words (descending), then
  by length of the term without `*` (descending), then as listed.
- Exclusions first: the item's exclude terms are scanned like its terms (left to right,
  non-overlapping, longest first) and every token they match is cut out; a hit may not
  include a cut token (so a hit that overlaps an excluded span does not count either).
- Hits below the item's min_hits count as 0.
- Units: paragraphs split on blank lines, numbered from 1 before anything is dropped, stripped;
  empty units, units under units.min_words words and units matching units.drop are dropped.

Not covered: items' `patterns` (regular expressions) are ignored here; compare codebooks without
them (`strip_patterns`), or compare only the items that have none.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
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


@cache
def token_re() -> re.Pattern:
    word = word_class()
    return re.compile(f"[{word}]+|[^{word}{re.escape(SEPARATORS)}]")


def normalize(text: str, case_sensitive: bool = False) -> str:
    out = unicodedata.normalize("NFKC", text.replace("\u00b4", "'")).translate(FOLD)  # ´ folds before NFKC
    return out if case_sensitive else out.lower()


def tokens(text: str, case_sensitive: bool = False) -> list[str]:
    return token_re().findall(normalize(text, case_sensitive))


# ---------------------------------------------------------------- terms


@dataclass(frozen=True)
class Term:
    text: str
    case_sensitive: bool
    matchers: tuple  # per token: a str (exact) or a compiled regex (fullmatch)

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


def compile_term(text: str, case_sensitive: bool = False) -> Term:
    """Token matchers for a term: its words split on whitespace, each word's pieces between `*`s."""
    matchers: list = []
    for word in normalize(text, case_sensitive).split():
        parts: list[list[str]] = []  # per token: literal fragments joined by "any run of characters"
        for j, piece in enumerate(word.split("*")):
            ptoks = [[t] for t in token_re().findall(piece)]
            if j == 0:
                parts = ptoks
                continue
            last = parts.pop() if parts else [""]
            first, rest = (ptoks[0], ptoks[1:]) if ptoks else ([""], [])
            parts.append(last + first)
            parts.extend(rest)
        for fragments in parts:
            if len(fragments) == 1:
                matchers.append(fragments[0])
            else:
                matchers.append(re.compile(".*".join(map(re.escape, fragments)), re.DOTALL))
    if not matchers:
        raise ValueError(f"empty term {text!r}")
    return Term(text, case_sensitive, tuple(matchers))


@dataclass(frozen=True)
class RefItem:
    id: str
    terms: tuple[Term, ...]  # ordered longest first
    exclude: tuple[Term, ...]
    min_hits: int = 1
    has_patterns: bool = False
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def candidates(self, lower: str, kept: str) -> tuple[Term, ...]:
        """The terms (in order) whose first token matches this token: a speed-up only."""
        key = (lower, kept)
        found = self._cache.get(key)
        if found is None:
            found = tuple(t for t in self.terms if _first_matches(t, kept if t.case_sensitive else lower))
            self._cache[key] = found
        return found


def _first_matches(term: Term, tok: str) -> bool:
    m = term.matchers[0]
    return tok == m if isinstance(m, str) else m.fullmatch(tok) is not None


@dataclass(frozen=True)
class RefCodebook:
    items: tuple[RefItem, ...]
    min_words: int = 0
    drop: tuple[str, ...] = ()

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]


def _entries(entries, default_cs: bool) -> list[tuple[str, str, bool]]:
    out = []
    for e in entries or []:
        if isinstance(e, str):
            out.append(("term", e, default_cs))
        elif "pattern" in e:
            out.append(("pattern", e["pattern"], e.get("case_sensitive", default_cs)))
        else:
            out.append(("term", e["term"], e.get("case_sensitive", default_cs)))
    return out


def codebook_from_data(data: dict) -> RefCodebook:
    items = []
    for item in data["items"]:
        cs = item.get("case_sensitive", False)
        terms = item.get("terms") or []
        entries = (
            [e for lang_entries in terms.values() for e in _entries(lang_entries, cs)]
            if isinstance(terms, dict)
            else _entries(terms, cs)
        )
        compiled = [compile_term(text, c) for kind, text, c in entries if kind == "term"]
        compiled.sort(key=lambda t: t.order)  # stable: ties keep the listed order
        exclude = [compile_term(text, c) for kind, text, c in _entries(item.get("exclude"), cs) if kind == "term"]
        exclude.sort(key=lambda t: t.order)
        items.append(
            RefItem(
                id=item["id"],
                terms=tuple(compiled),
                exclude=tuple(exclude),
                min_hits=item.get("min_hits", 1),
                has_patterns=bool(item.get("patterns"))
                or any(k == "pattern" for k, _, _ in _entries(item.get("exclude"), cs)),
            )
        )
    units = data.get("units") or {}
    return RefCodebook(tuple(items), units.get("min_words", 0), tuple(units.get("drop", [])))


def load(path: str | Path) -> RefCodebook:
    return codebook_from_data(yaml.safe_load(Path(path).read_text("utf-8")))


def strip_patterns(data: dict) -> dict:
    """A copy of codebook data without `patterns` (and pattern excludes), for equivalence checks."""
    out = dict(data)
    out["items"] = []
    for item in data["items"]:
        item = {k: v for k, v in item.items() if k != "patterns"}
        if "exclude" in item:
            item["exclude"] = [e for e in item["exclude"] if isinstance(e, str) or "pattern" not in e]
            if not item["exclude"]:
                del item["exclude"]
        out["items"].append(item)
    return out


# ---------------------------------------------------------------- counting


class Unit:
    """A unit's tokens, lower-cased and case-kept (computed lazily)."""

    def __init__(self, text: str):
        self.text = text
        self._lower: list[str] | None = None
        self._kept: list[str] | None = None

    def toks(self, case_sensitive: bool) -> list[str]:
        if case_sensitive:
            if self._kept is None:
                self._kept = tokens(self.text, True)
            return self._kept
        if self._lower is None:
            self._lower = tokens(self.text, False)
        return self._lower


def _match(term: Term, unit: Unit, i: int) -> bool:
    return term.match_at(unit.toks(term.case_sensitive), i)


def item_hits(item: RefItem, unit: Unit) -> int:
    lower = unit.toks(False)
    n = len(lower)
    kept = lower
    if item.terms and any(t.case_sensitive for t in item.terms + item.exclude):
        kept = unit.toks(True)
        assert len(kept) == n, "case folding changed the number of tokens"
    cut = [False] * n
    i = 0
    while i < n and item.exclude:
        for term in item.exclude:
            if _match(term, unit, i):
                cut[i : i + len(term.matchers)] = [True] * len(term.matchers)
                i += len(term.matchers)
                break
        else:
            i += 1
    count, i = 0, 0
    while i < n:
        for term in item.candidates(lower[i], kept[i]):
            if _match(term, unit, i) and not any(cut[i : i + len(term.matchers)]):
                count += 1
                i += len(term.matchers)
                break
        else:
            i += 1
    return count if count >= item.min_hits else 0


def code_text(text: str, codebook: RefCodebook) -> dict[str, int]:
    """Hits per item for one unit's text."""
    unit = Unit(text)
    return {item.id: item_hits(item, unit) for item in codebook.items}


def primary(hits: dict[str, int], item_ids: list[str]) -> str | None:
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


def code_document(doc_id: str, text: str, codebook: RefCodebook) -> list[dict]:
    """The coded rows (doc_id, unit, hits per item, n_items, primary) of one document."""
    rows = []
    for n, piece in units(text, codebook.min_words, codebook.drop):
        hits = code_text(piece, codebook)
        rows.append(
            {
                "doc_id": doc_id,
                "unit": n,
                **hits,
                "n_items": sum(1 for v in hits.values() if v > 0),
                "primary": primary(hits, codebook.item_ids),
            }
        )
    return rows
