"""Compile a codebook's rules into one regular expression per item, and count hits with polars.

Every rule is matched against the padded token string of `normalize.add_tokens`, where a term
becomes `" tok +tok "`: whole words by construction, no `\\b` and no `(?i)` on the fast path.
Alternatives are ordered longest first, so within an item a match is the leftmost, then longest,
and matches never overlap. Patterns, case-sensitive rules and exclusions are counted exactly
(on the case-kept string when a rule is case-sensitive) only in the units they may match; see
`CompiledItem` and `add_hits`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import polars as pl

from agenda.codebook import Codebook, Item, Rule
from agenda.errors import AgendaError
from agenda.literals import literal_sets
from agenda.normalize import add_tokens, escape, tokenize_strings

TEXT = "_agenda_tokens"  # lower-cased token string
TEXT_CS = "_agenda_tokens_cs"  # case-kept token string
GAP = " +"  # between two tokens of a term
GLOB = "[^ ]*"
ANY_TOKEN = "[^ ]+"
BLOCK = "  \x00  "  # an excluded span becomes a token no term spans across


@dataclass(frozen=True)
class CompiledItem:
    """An item's rules as regexes over the token strings.

    The exact count runs every rule and exclusion in one alternation, on the case-kept token
    string when the item has a case-sensitive rule (its other rules wrapped in `(?i:...)`).
    Most units are counted on the fast path instead: the case-insensitive terms alone on the
    lower-cased string, which gives the same count wherever no pattern, case-sensitive rule
    or exclusion (the triggers) matches.
    """

    item: Item
    case_sensitive: bool
    rules: tuple[tuple[Rule, str], ...]  # each rule with its own regex, in matching order
    exclude: tuple[tuple[Rule, str], ...]
    fast_terms: tuple[tuple[Rule, str], ...] = ()  # case-insensitive terms, on the lower-cased string
    # On the lower-cased string: where other rules or exclusions may match. Each trigger comes
    # with its screens, literal regexes that every match of it satisfies (all of them).
    triggers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    screen: str | None = None  # a literal regex every trigger match satisfies; None when unknown

    @property
    def regex(self) -> str | None:
        return _alternation(self.rules)

    @property
    def exclude_regex(self) -> str | None:
        return _alternation(self.exclude)

    @property
    def column(self) -> str:
        return TEXT_CS if self.case_sensitive else TEXT

    def _count(self, column: str, rules, exclude=()) -> pl.Expr:
        if not rules:
            return pl.lit(0, dtype=pl.UInt32)
        text = pl.col(column)
        if exclude:
            text = text.str.replace_all(_alternation(exclude), BLOCK)
        return text.str.count_matches(_alternation(rules)).cast(pl.UInt32)

    def fast_hits(self) -> pl.Expr:
        """Hits of the case-insensitive terms alone: the count wherever no trigger matches."""
        return self._count(TEXT, self.fast_terms)

    def exact_hits(self) -> pl.Expr:
        """Hits of every rule, with exclusions: right everywhere, slower."""
        return self._count(self.column, self.rules, self.exclude)

    def screened(self) -> pl.Expr:
        """Whether the unit holds a literal of the screen: a cheap pass that precedes the triggers.

        A regex of the literals, which Rust's engine scans with SIMD, is several times faster
        than `contains_any` here.
        """
        return pl.col(TEXT).str.contains(self.screen) if self.screen else pl.lit(True)

    def triggered(self, text: pl.Series) -> pl.Series:
        """Which units of a token-string column a pattern, case-sensitive rule or exclusion matches in.

        Each trigger runs only where its own screens hold, so a unit costs a few literal scans.
        """
        hit = pl.Series(values=[False] * len(text), dtype=pl.Boolean)
        for regex, screens in self.triggers:
            rows = pl.int_range(len(text), eager=True)
            part = text
            for screen in screens:
                keep = part.str.contains(screen)
                rows, part = rows.filter(keep), part.filter(keep)
            if len(part):
                hit = hit.scatter(rows.filter(part.str.contains(regex)), True)
        return hit

    def text(self) -> pl.Expr:
        """The exact token string of the item, excluded spans blanked out."""
        text = pl.col(self.column)
        return text.str.replace_all(self.exclude_regex, BLOCK) if self.exclude else text

    def matched(self) -> pl.Expr:
        """The matched text of each hit, as a list of strings."""
        if not self.rules:
            return pl.lit([], dtype=pl.List(pl.String))
        return self.text().str.extract_all(self.regex).list.eval(pl.element().str.strip_chars(" "))


def _alternation(rules: tuple[tuple[Rule, str], ...]) -> str | None:
    if not rules:
        return None
    return "|".join(regex for _, regex in rules)


def _term_length(rule: Rule) -> tuple[int, int]:
    return (len(rule.text.split()), len(rule.text.replace("*", "")))


def term_regex(words_tokens: list[list[list[str]]], wrap_ci: bool) -> str:
    """Regex for a term given, per word, the tokens of each piece between its `*`s."""
    words = []
    for pieces in words_tokens:
        if all(not tokens for tokens in pieces):
            if len(pieces) > 1:
                words.append(ANY_TOKEN)  # a lone `*` is any one token
            continue  # a word of separators only (a dash between words) is a gap
        words.append(GLOB.join(GAP.join(escape(t) for t in tokens) for tokens in pieces))
    body = f" {GAP.join(words)} "
    return f"(?i:{body})" if wrap_ci else body


def pattern_regex(pattern: str, case_sensitive: bool, lowered_text: bool = True) -> str:
    """A user pattern for the token string: literal spaces match any whitespace run.

    On the lower-cased string a pattern without capital letters needs no `(?i)`, which would
    only cost speed.
    """
    out, in_class, escaped = [], False, False
    for i, ch in enumerate(pattern):
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
            out.append(ch)
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class:
            quantified = pattern[i + 1 : i + 2] in ("?", "*", "+", "{")
            out.append(r"(?:\s+)" if quantified else r"\s+")
        else:
            out.append(ch)
    body = "".join(out)
    letters = _ESCAPES.sub("", pattern)
    if case_sensitive or (lowered_text and letters == letters.lower()):
        return f"(?:{body})"
    return f"(?i:{body})"


_ESCAPES = re.compile(r"\\[pP]\{[^}]*\}|\\[pP].|\\.")


def check_regex(regex: str) -> str | None:
    """The error polars' regex engine gives for a regex, or None when it compiles."""
    try:
        pl.select(pl.lit("").str.count_matches(regex))
    except Exception as exc:  # polars raises ComputeError subclasses; the message is what matters
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = next((ln for ln in lines if ln.startswith("error:")), lines[0] if lines else repr(exc))
        return reason.removeprefix("error: ")
    return None


def _word_pieces(term: str) -> list[list[str]]:
    return [word.split("*") for word in term.split()]


@cache
def compile_codebook(codebook: Codebook) -> tuple[CompiledItem, ...]:
    """Compile every item once; an invalid pattern is an AgendaError naming item and pattern."""
    pieces = {
        (piece, cs)
        for item in codebook.items
        for rule in item.rules + item.exclude
        if rule.kind == "term"
        for cs in {False, rule.case_sensitive}
        for word in _word_pieces(rule.text)
        for piece in word
    }
    tokens: dict[tuple[str, bool], list[str]] = {}
    for cs in (False, True):
        strings = sorted(p for p, c in pieces if c == cs)
        tokens.update({(s, cs): toks for s, toks in zip(strings, tokenize_strings(strings, cs, codebook.join_hyphens))})

    def rule_regex(item: Item, rule: Rule, case_kept_text: bool, fold: bool = False) -> str:
        """The rule's regex for the case-kept or the lower-cased string; fold ignores case_sensitive."""
        cs = rule.case_sensitive and not fold
        if rule.kind == "pattern":
            regex = pattern_regex(rule.text, cs, lowered_text=not case_kept_text)
            error = check_regex(regex)
            if error:
                raise AgendaError(f"{codebook.source}: item {item.id!r}: invalid pattern {rule.text!r}: {error}")
            return regex
        words = [[tokens[(p, cs)] for p in word] for word in _word_pieces(rule.text)]
        if not any(len(word) > 1 or word[0] for word in words):
            raise AgendaError(f"{codebook.source}: item {item.id!r}: empty term {rule.text!r}")
        return term_regex(words, wrap_ci=case_kept_text and not cs)

    compiled = []
    for item in codebook.items:
        item_cs = any(r.case_sensitive for r in item.rules + item.exclude)
        ordered = sorted(item.rules, key=lambda r: (r.kind != "term", tuple(-n for n in _term_length(r))))
        rules = tuple((r, rule_regex(item, r, item_cs)) for r in ordered)
        excluded = sorted(item.exclude, key=lambda r: (r.kind != "term", tuple(-n for n in _term_length(r))))
        exclude = tuple((r, rule_regex(item, r, item_cs)) for r in excluded)
        # The fast path takes case-insensitive terms that start with a literal, which the regex
        # engine finds with SIMD; one term that starts with `*` would make it scan every byte.
        folded = [(r, rule_regex(item, r, False)) for r in ordered if r.kind == "term" and not r.case_sensitive]
        fast_terms = tuple((r, regex) for r, regex in folded if not regex[1:].startswith((GLOB, ANY_TOKEN)))
        # A trigger is a necessary condition, checked on the lower-cased string: a case-sensitive
        # rule cannot match where its case-folded form does not.
        slow = {r for r, regex in folded} - {r for r, _ in fast_terms}
        others = [r for r in ordered if r.kind == "pattern" or r.case_sensitive or r in slow] + list(item.exclude)
        literal = [rule_regex(item, r, False, fold=True) for r in others if r.kind == "term"]
        regexes = (["|".join(literal)] if literal else []) + [
            rule_regex(item, r, False, fold=True) for r in others if r.kind == "pattern"
        ]
        sets = [literal_sets(regex) for regex in regexes]
        triggers = tuple(
            (regex, tuple("|".join(map(escape, sorted(s))) for s in found)) for regex, found in zip(regexes, sets)
        )
        screen = None
        if regexes and all(sets):
            screen = "|".join(map(escape, sorted(set().union(*(found[0] for found in sets)))))
        result = CompiledItem(item, item_cs, rules, exclude, fast_terms, triggers, screen)
        for regex in (result.regex, result.exclude_regex):
            error = regex and check_regex(regex)
            if error:
                raise AgendaError(f"{codebook.source}: item {item.id!r}: rules do not compile: {error}")
        compiled.append(result)
    return tuple(compiled)


def add_hits(units: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Add one column of raw hits per item, named by item id, to units with token columns.

    Every unit gets the fast count. Units that hold a literal of an item's screen (one
    literal scan) are tested with its triggers; the few where a trigger matches are
    counted exactly and written back. Filtering rows, rather than a when/then, is what saves the
    time: polars evaluates both branches of a when/then on every row.
    """
    compiled = compile_codebook(codebook)
    screens = [f"_screen_{c.item.id}" for c in compiled]
    units = units.with_columns(
        *[c.fast_hits().alias(c.item.id) for c in compiled],
        *[c.screened().alias(name) for c, name in zip(compiled, screens) if c.triggers],
    )
    for c, name in zip(compiled, screens):
        if not c.triggers:
            continue
        candidates = units[name].arg_true()
        rows = candidates.gather(c.triggered(units[TEXT].gather(candidates)).arg_true())
        if len(rows):
            subset = units[rows]
            if c.case_sensitive and TEXT_CS not in subset.columns:
                subset = add_tokens(subset.lazy(), "text", TEXT_CS, True, codebook.join_hyphens).collect()
            exact = subset.select(c.exact_hits()).to_series()
            units = units.with_columns(units[c.item.id].scatter(rows, exact))
    return units.drop(screens, strict=False)


def add_token_columns(
    units: pl.LazyFrame, codebook: Codebook, text: str = "text", case_kept: bool = True
) -> pl.LazyFrame:
    """Add the token strings the codebook's items need, computed once per unit.

    With case_kept=False the case-kept string is left for `add_hits` to make where needed.
    """
    units = add_tokens(units, text, TEXT, join_hyphens=codebook.join_hyphens)
    if case_kept and any(c.case_sensitive for c in compile_codebook(codebook)):
        units = add_tokens(units, text, TEXT_CS, True, codebook.join_hyphens)
    return units
