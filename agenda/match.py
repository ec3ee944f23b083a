"""Compile a codebook's rules into one regular expression per item, and count hits with polars.

Every rule is matched against the padded token string of `normalize.tokenized`, where a term
becomes `" tok  tok "`: whole words by construction, no `\\b` and no `(?i)` on the fast path.
Items with a case-sensitive rule run on the case-kept token string instead, their other rules
wrapped in `(?i:...)`. Alternatives are ordered longest first, so within an item a match is
the leftmost, then longest, and matches never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from agenda.codebook import Codebook, Item, Rule
from agenda.errors import AgendaError
from agenda.normalize import TOKEN_GAP, tokenize_strings, tokenized

TEXT = "_agenda_tokens"  # lower-cased token string
TEXT_CS = "_agenda_tokens_cs"  # case-kept token string
GLOB = "[^ ]*"
ANY_TOKEN = "[^ ]+"
_META = set("\\.+*?()|[]{}^$#&-~")


def escape(literal: str) -> str:
    """Escape a literal for Rust's regex syntax."""
    return "".join("\\" + ch if ch in _META else ch for ch in literal)


@dataclass(frozen=True)
class CompiledItem:
    """An item's rules as regexes over one of the two token strings."""

    item: Item
    case_sensitive: bool
    rules: tuple[tuple[Rule, str], ...]  # each rule with its own regex
    exclude: tuple[tuple[Rule, str], ...]

    @property
    def column(self) -> str:
        return TEXT_CS if self.case_sensitive else TEXT

    @property
    def regex(self) -> str | None:
        return _alternation(self.rules)

    @property
    def exclude_regex(self) -> str | None:
        return _alternation(self.exclude)

    def text(self) -> pl.Expr:
        """The item's token string with excluded spans blanked out."""
        text = pl.col(self.column)
        return text.str.replace_all(self.exclude_regex, " ") if self.exclude else text

    def hits(self) -> pl.Expr:
        """Non-overlapping rule matches per unit (before min_hits)."""
        if not self.rules:
            return pl.lit(0, dtype=pl.UInt32)
        return self.text().str.count_matches(self.regex).cast(pl.UInt32)

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
            words.append(ANY_TOKEN)  # a lone `*` is any one token
            continue
        words.append(GLOB.join(TOKEN_GAP.join(escape(t) for t in tokens) for tokens in pieces))
    body = f" {TOKEN_GAP.join(words)} "
    return f"(?i:{body})" if wrap_ci else body


def pattern_regex(pattern: str, case_sensitive: bool) -> str:
    """A user pattern for the token string: literal spaces match any whitespace run."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
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
            out.append(r"\s+")
        else:
            out.append(ch)
    body = "".join(out)
    return f"(?:{body})" if case_sensitive else f"(?i:{body})"


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
        (piece, rule.case_sensitive)
        for item in codebook.items
        for rule in item.rules + item.exclude
        if rule.kind == "term"
        for word in _word_pieces(rule.text)
        for piece in word
    }
    tokens: dict[tuple[str, bool], list[str]] = {}
    for cs in (False, True):
        strings = sorted(p for p, c in pieces if c == cs)
        tokens.update({(s, cs): toks for s, toks in zip(strings, tokenize_strings(strings, cs))})

    def rule_regex(item: Item, rule: Rule, item_cs: bool) -> str:
        wrap = item_cs and not rule.case_sensitive
        if rule.kind == "pattern":
            regex = pattern_regex(rule.text, rule.case_sensitive)
            error = check_regex(regex)
            if error:
                raise AgendaError(f"{codebook.source}: item {item.id!r}: invalid pattern {rule.text!r}: {error}")
            return regex
        words = [[tokens[(p, rule.case_sensitive)] for p in word] for word in _word_pieces(rule.text)]
        if not words:
            raise AgendaError(f"{codebook.source}: item {item.id!r}: empty term {rule.text!r}")
        return term_regex(words, wrap)

    compiled = []
    for item in codebook.items:
        item_cs = any(r.case_sensitive for r in item.rules + item.exclude)
        ordered = sorted(item.rules, key=lambda r: (r.kind != "term", tuple(-n for n in _term_length(r))))
        rules = tuple((r, rule_regex(item, r, item_cs)) for r in ordered)
        exclude = tuple((r, rule_regex(item, r, item_cs)) for r in item.exclude)
        result = CompiledItem(item, item_cs, rules, exclude)
        for regex in (result.regex, result.exclude_regex):
            error = regex and check_regex(regex)
            if error:
                raise AgendaError(f"{codebook.source}: item {item.id!r}: rules do not compile: {error}")
        compiled.append(result)
    return tuple(compiled)


def token_columns(text: pl.Expr, codebook: Codebook) -> list[pl.Expr]:
    """The token strings the codebook's items need, computed once per unit."""
    cols = [tokenized(text).alias(TEXT)]
    if any(c.case_sensitive for c in compile_codebook(codebook)):
        cols.append(tokenized(text, case_sensitive=True).alias(TEXT_CS))
    return cols
