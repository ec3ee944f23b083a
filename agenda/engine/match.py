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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

import polars as pl

from agenda.codebook import NO_JOINS, Codebook, Item, Joins, Rule
from agenda.engine import vocabulary
from agenda.engine.context import rule_column
from agenda.engine.events import counted_together, item_hits
from agenda.engine.literals import literal_sets
from agenda.engine.normalize import add_tokens, escape, tokenize_strings
from agenda.engine.scan import ScreenBits, ScreenScanner, TermScanner, native
from agenda.errors import AgendaError

TEXT = "_agenda_tokens"  # lower-cased token string
TEXT_CS = "_agenda_tokens_cs"  # case-kept token string
DATE = "_agenda_date"  # the unit's date, for rules with date bounds
GAP = " +"  # between two tokens of a term
GLOB = "[^ \\x00]*"  # no term matches an excluded token (events.CUT)
ANY_TOKEN = "[^ \\x00]+"
MAX_TRIGGER_BIT = 62


@dataclass(frozen=True)
class Trigger:
    """Where some of an item's non-fast rules may match: a necessary condition, cheap to test.

    regex runs on the lower-cased string, only in units that hold a literal of each of its
    screens (sets of literals); a case-sensitive trigger is then confirmed by `confirm` on the
    case-kept string.
    """

    regex: str
    literals: tuple[frozenset[str], ...]  # its screens
    confirm: str | None
    rules: frozenset[Rule]  # the rules, or the exclusions, it stands for
    excludes: bool = False  # it stands for exclusions, which only matter where the item has hits
    counted: str | None = None  # natively: a column of the term scanner's, not 0 exactly where regex matches

    @property
    def screens(self) -> tuple[str, ...]:
        """Each screen as a regex."""
        return tuple(map(_any_of, self.literals))


@dataclass(frozen=True)
class Combined:
    """A rule of the rule language (near, all, any, context): a regex per group of its terms, per token string."""

    rule: Rule
    case_kept: tuple[str, ...]  # on the case-kept string
    lowered: tuple[str, ...]  # on the lower-cased string

    def groups(self, case_kept: bool) -> tuple[str, ...]:
        return self.case_kept if case_kept else self.lowered


def _any_of(literals: frozenset[str]) -> str:
    return "|".join(map(escape, sorted(literals)))


@dataclass(frozen=True)
class CompiledItem:
    """An item's rules as regexes over the token strings.

    The exact count (`agenda.engine.events`) runs every rule in one alternation on what the
    exclusions leave, on the case-kept token string when the item has a case-sensitive rule (its
    other rules wrapped in `(?i:...)`). Most units are counted on the fast path instead: the
    case-insensitive terms alone on the lower-cased string, which gives the same count wherever
    no pattern, case-sensitive rule, exclusion or rule-language rule (the triggers) matches. Where
    triggers match, the exact count leaves out the rules of the triggers that did not: a rule that
    matches nowhere in a unit changes nothing.
    """

    item: Item
    case_sensitive: bool
    rules: tuple[tuple[Rule, str], ...]  # each rule with its own regex, in matching order
    exclude: tuple[tuple[Rule, str], ...]
    fast_terms: tuple[tuple[Rule, str], ...] = ()  # case-insensitive terms, on the lower-cased string
    triggers: tuple[Trigger, ...] = ()
    screen_literals: frozenset[str] | None = None  # one of them is in every match of a rule trigger; None: unknown
    folded: tuple[tuple[Rule, str], ...] = ()  # every rule and exclusion, case folded, on the lower-cased string
    fast_patterns: tuple[tuple[tuple[str, ...], ...], ...] = ()  # fast_terms as token patterns, for agenda.engine.scan
    combined: tuple[Combined, ...] = ()  # rules of the rule language
    near_excludes: tuple[Combined, ...] = ()  # exclusions of the rule language
    # Context rules of plain terms, counted by the native term scanner as its own columns: each
    # rule's column (`context.rule_column`), its weight, and its terms as token patterns in matching order.
    counted_contexts: tuple[tuple[str, float, tuple[tuple[str, ...], ...]], ...] = ()

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        """Every rule, in the order match events number them: terms and patterns, then the rule language."""
        return tuple(r for r, _ in self.rules) + tuple(c.rule for c in self.combined)

    @property
    def all_excludes(self) -> tuple[Rule, ...]:
        """Every exclusion, in the order match events number them."""
        return tuple(r for r, _ in self.exclude) + tuple(c.rule for c in self.near_excludes)

    @property
    def context_indices(self) -> list[int]:
        """The event rule numbers of the item's context rules, in codebook order."""
        return [len(self.rules) + k for k, c in enumerate(self.combined) if c.rule.kind == "context"]

    @property
    def integral(self) -> bool:
        """Whether its hits are whole numbers (no rule has a fractional weight)."""
        return all(float(r.weight).is_integer() for r in self.all_rules)

    @property
    def regex(self) -> str | None:
        return _alternation(self.rules)

    @property
    def screen(self) -> str | None:
        """The screen literals as a regex."""
        return _any_of(self.screen_literals) if self.screen_literals else None

    @property
    def exclude_regex(self) -> str | None:
        return _alternation(self.exclude)

    @property
    def column(self) -> str:
        return TEXT_CS if self.case_sensitive else TEXT

    def fast_hits(self) -> pl.Expr:
        """Hits of the case-insensitive terms alone: the count wherever no trigger matches."""
        if not self.fast_terms:
            return pl.lit(0, dtype=pl.UInt32)
        return pl.col(TEXT).str.count_matches(_alternation(self.fast_terms)).cast(pl.UInt32)

    @property
    def rule_triggers(self) -> bool:
        """Whether the item has triggers for rules (not only for exclusions)."""
        return any(not t.excludes for t in self.triggers)

    def triggered(
        self,
        units: pl.DataFrame,
        candidates: pl.Series,
        excludes: bool,
        joins: Joins = NO_JOINS,
        screens: ScreenBits | None = None,
    ) -> pl.Series:
        """Which rule triggers (or exclusion triggers) match in each candidate unit (of units, with TEXT and text).

        Bit i of the result is set for trigger i; triggers after the 62nd share the last bit.
        Each trigger runs only where its own screens hold (read from screens, the units' screen
        bits, when given), so a unit costs a few literal scans at most; a case-sensitive one is
        confirmed on the case-kept string of the units it matched (the only ones whose raw text
        is copied).
        """
        text = units[TEXT].gather(candidates)
        signature = pl.zeros(len(text), pl.Int64, eager=True)
        for i, trigger in enumerate(self.triggers):
            if trigger.excludes != excludes:
                continue
            if screens is not None and trigger.counted:
                rows = (units[trigger.counted].gather(candidates) != 0).arg_true()
                part = text.clear()  # the count is the regex's: nothing left to test
            elif screens is not None:
                rows = screens.holding(candidates, trigger.literals)
                part = text.gather(rows)
            else:
                rows = pl.int_range(len(text), eager=True)
                part = text
                for screen in trigger.screens:
                    keep = part.str.contains(screen)
                    rows, part = rows.filter(keep), part.filter(keep)
            rows = rows.filter(part.str.contains(trigger.regex)) if len(part) else rows
            if trigger.confirm and len(rows):
                raw = units["text"].gather(candidates.gather(rows)).to_frame("text").lazy()
                kept = add_tokens(raw, "text", TEXT_CS, True, joins).collect()
                rows = rows.filter(kept[TEXT_CS].str.contains(trigger.confirm))
            if len(rows):
                signature = signature.scatter(rows, signature.gather(rows) | (1 << min(i, MAX_TRIGGER_BIT)))
        return signature

    def counted_bits(self) -> int:
        """The signature bits that only counted triggers (see Trigger.counted) set: where a unit's signature holds
        no other bit, the term scanner's columns are its exact count (an integral item's)."""
        bits = [(1 << min(i, MAX_TRIGGER_BIT), t.counted is not None) for i, t in enumerate(self.triggers)]
        counted = sum({bit for bit, c in bits if c})
        return counted & ~sum({bit for bit, c in bits if not c}) if self.integral else 0

    def matched_rules(self, signature: int) -> set[Rule]:
        """The rules and exclusions of the triggers a signature of `triggered` holds."""
        bits = [1 << min(i, MAX_TRIGGER_BIT) for i in range(len(self.triggers))]
        return set().union(*(t.rules for t, bit in zip(self.triggers, bits) if signature & bit))


def _alternation(rules: tuple[tuple[Rule, str], ...]) -> str | None:
    if not rules:
        return None
    return "|".join(regex for _, regex in rules)


def _term_length(rule: Rule) -> tuple[int, int]:
    return (len(rule.text.split()), len(rule.text.replace("*", "")))


def term_patterns(words_tokens: list[list[list[str]]]) -> tuple[tuple[str, ...], ...]:
    """A term as token patterns, given per word the tokens of each piece between its `*`s.

    A token pattern is the fragments of one token between `*`s: `("sanction", "")` is a token
    that starts with "sanction", `("", "")` any token. The tokens of a piece follow one another,
    and a `*` joins the last token of a piece with the first of the next. A word of separators
    only (a dash between words) is no token: a gap.
    """
    patterns: list[tuple[str, ...]] = []
    for pieces in words_tokens:
        if len(pieces) == 1 and not pieces[0]:
            continue
        word = [[pieces[0][0]] if pieces[0] else [""], *([t] for t in pieces[0][1:])]
        for tokens in pieces[1:]:
            word[-1].append(tokens[0] if tokens else "")
            word.extend([t] for t in tokens[1:])
        patterns.extend(map(tuple, word))
    return tuple(patterns)


# On the case-kept string, `(?i)` is simple case folding, which lower-casing is not everywhere:
# İ lower-cases to i and a combining dot (two characters), and Σ to ς at the end of a word.
_FOLDED_ON_CASE_KEPT = {
    "i\u0307": "(?:i\u0307|\u0130)",
    "\u03c2": "(?-i:[\u03c2\u03a3])",
    "\u03c3": "(?-i:[\u03c3\u03a3])",
}
_FOLDS_DIFFER = re.compile("|".join(_FOLDED_ON_CASE_KEPT))


def _escape_folded(fragments: tuple[str, ...]) -> str:
    """A token pattern (lower-cased fragments between `*`s) that `(?i)` on the case-kept string
    matches exactly where it matches the lower-cased string.

    An i before a `*` also matches İ there: lower-cased, İ is that i and a dot the `*` takes.
    """
    out = []
    for k, fragment in enumerate(fragments):
        quoted = _FOLDS_DIFFER.sub(lambda m: _FOLDED_ON_CASE_KEPT[m.group()], escape(fragment))
        if k < len(fragments) - 1 and quoted.endswith("i"):
            quoted = quoted[:-1] + "(?:i|\u0130)"
        out.append(quoted)
    return GLOB.join(out)


def term_regex(words_tokens: list[list[list[str]]], wrap_ci: bool) -> str:
    """Regex for a term given, per word, the tokens of each piece between its `*`s (see term_patterns).

    With wrap_ci the term (lower-cased) is matched case-insensitively on the case-kept string.
    """
    quote = _escape_folded if wrap_ci else (lambda p: GLOB.join(map(escape, p)))
    tokens = [ANY_TOKEN if not any(p) else quote(p) for p in term_patterns(words_tokens)]
    body = f" {GAP.join(tokens)} "
    return f"(?i:{body})" if wrap_ci else body


def pattern_regex(pattern: str, case_sensitive: bool, lowered_text: bool = True, narrowed: bool = True) -> str:
    r"""A user pattern for the token string: literal spaces match any whitespace run.

    Every character class (`.`, `\S`, `[^a]`, `\p{..}` ...) is narrowed to leave out the placeholder
    of an excluded token (events.CUT), so that no pattern matches excluded text or reaches across it.
    On the lower-cased string a pattern without capital letters needs no `(?i)`, which would
    only cost speed. With narrowed=False the classes stay as written (but `.`): what the narrowed
    regex matches, and more, in a syntax `literals.literal_sets` can read.
    """
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "[":
            end = _class_end(pattern, i)
            out.append(f"[{pattern[i:end]}&&{NOT_CUT}]" if narrowed else pattern[i:end])
            i = end
            continue
        if ch == "\\":
            escape = _CLASS_ESCAPE.match(pattern, i)
            if escape:
                out.append(f"[{escape.group()}&&{NOT_CUT}]" if narrowed else escape.group())
                i = escape.end()
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == ".":
            out.append(NOT_CUT)
        elif ch == " ":
            quantified = pattern[i + 1 : i + 2] in ("?", "*", "+", "{")
            out.append(r"(?:\s+)" if quantified else r"\s+")
        else:
            out.append(ch)
        i += 1
    body = "".join(out)
    letters = _ESCAPES.sub("", pattern)
    cased = _CASED_CLASSES.search(pattern)  # \p{Lu} or [[:upper:]] must fold to match the lower-cased string
    if case_sensitive or (lowered_text and letters == letters.lower() and not cased):
        return f"(?:{body})"
    return f"(?i:{body})"


NOT_CUT = r"[^\x00]"  # token strings hold no newline, so `.` is this class
# Escapes that stand for a class or for a character given by its code (which could be the placeholder).
_CLASS_ESCAPE = re.compile(
    r"\\(?:[pP](?:\{[^}]*\}|.)|[SWD]|x(?:\{[^}]*\}|[0-9a-fA-F]{2})|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})"
)


def _class_end(pattern: str, start: int) -> int:
    """The index after the `]` that closes the bracketed class opened at start (classes nest)."""
    depth, i = 0, start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
            i += 1
            # A `]` first in a class (after an optional `^`) is a literal.
            i += pattern[i : i + 1] == "^"
            i += pattern[i : i + 1] == "]"
            continue
        if ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(pattern)  # unclosed: the regex engine reports it


_ESCAPES = re.compile(r"\\[pP]\{[^}]*\}|\\[pP].|\\.")
_CASED_CLASSES = re.compile(r"\\[pP]|\[:\^?(?:upper|lower):\]")


def check_regex(regex: str) -> str | None:
    """The error polars' regex engine gives for a regex, or None when it compiles."""
    try:
        pl.select(pl.lit("").str.count_matches(regex))
    except Exception as exc:  # polars raises ComputeError subclasses; the message is what matters
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        reason = next((ln for ln in lines if ln.startswith("error:")), lines[0] if lines else repr(exc))
        return reason.removeprefix("error: ")
    return None


def _terms_of(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """The terms among rules, and the terms of their groups (the rule language's)."""
    return tuple(t for r in rules for t in ((r,) if r.kind == "term" else sum(r.groups, ())))


def _word_pieces(term: str) -> list[list[str]]:
    return [word.split("*") for word in term.split()]


@cache
def compile_codebook(codebook: Codebook) -> tuple[CompiledItem, ...]:
    """Compile every item once; an invalid pattern is an AgendaError naming item and pattern."""
    pieces = {
        (piece, cs)
        for item in codebook.items
        for rule in _terms_of(item.rules + item.exclude)
        for cs in {False, rule.case_sensitive}
        for word in _word_pieces(rule.text)
        for piece in word
    }
    checks: list[tuple[str, str]] = []  # each regex to compile, with what its error would say
    user_patterns: list[tuple[str, str]] = []  # each pattern's regex, with what names it
    tokens: dict[tuple[str, bool], list[str]] = {}
    for cs in (False, True):
        strings = sorted(p for p, c in pieces if c == cs)
        tokens.update({(s, cs): toks for s, toks in zip(strings, tokenize_strings(strings, cs, codebook.joins))})

    # A big dictionary's terms recur (in several items, and as rules, folded rules and fast terms
    # of one item): each term's tokens, token patterns and regexes are made once.
    words: dict[tuple[str, bool], list[list[list[str]]]] = {}
    term_regexes: dict[tuple[str, bool, bool], str] = {}
    patterns_of: dict[str, tuple[tuple[str, ...], ...]] = {}

    def words_of(rule: Rule, cs: bool) -> list[list[list[str]]]:
        key = (rule.text, cs)
        if key not in words:
            words[key] = [[tokens[(p, cs)] for p in word] for word in _word_pieces(rule.text)]
        return words[key]

    def rule_regex(item: Item, rule: Rule, case_kept_text: bool, fold: bool = False) -> str:
        """The rule's regex for the case-kept or the lower-cased string; fold ignores case_sensitive."""
        cs = rule.case_sensitive and not fold
        if rule.kind == "pattern":
            regex = pattern_regex(rule.text, cs, lowered_text=not case_kept_text)
            checks.append((regex, f"{codebook.source}: item {item.id!r}: invalid pattern {rule.text!r}"))
            user_patterns.append((regex, f"{codebook.source}: item {item.id!r}: pattern {rule.text!r}"))
            return regex
        key = (rule.text, cs, case_kept_text and not cs)
        if key not in term_regexes:
            pieces = words_of(rule, cs)
            if not any(len(word) > 1 or word[0] for word in pieces):
                raise AgendaError(f"{codebook.source}: item {item.id!r}: empty term {rule.text!r}")
            term_regexes[key] = term_regex(pieces, wrap_ci=key[2])
        return term_regexes[key]

    def token_patterns(rule: Rule) -> tuple[tuple[str, ...], ...]:
        if rule.text not in patterns_of:
            patterns_of[rule.text] = term_patterns(words_of(rule, False))
        return patterns_of[rule.text]

    def group_regex(item: Item, group: tuple[Rule, ...], case_kept_text: bool) -> str:
        """On the case-kept string, or case folded on the lower-cased string (as a trigger must be)."""
        ordered = sorted(group, key=lambda r: tuple(-n for n in _term_length(r)))
        return "|".join(rule_regex(item, r, case_kept_text, fold=not case_kept_text) for r in ordered)

    def combined_of(item: Item, rules: tuple[Rule, ...]) -> tuple[Combined, ...]:
        return tuple(
            Combined(
                r,
                tuple(group_regex(item, g, True) for g in r.groups),
                tuple(group_regex(item, g, False) for g in r.groups),
            )
            for r in rules
            if r.combined
        )

    compiled = []
    for item in codebook.items:
        item_cs = any(r.case_sensitive for r in _terms_of(item.rules + item.exclude) + item.rules + item.exclude)
        own = [r for r in item.rules if not r.combined]
        ordered = sorted(own, key=lambda r: (r.kind != "term", tuple(-n for n in _term_length(r))))
        rules = tuple((r, rule_regex(item, r, item_cs)) for r in ordered)
        excluded = sorted(
            (r for r in item.exclude if not r.combined),
            key=lambda r: (r.kind != "term", tuple(-n for n in _term_length(r))),
        )
        exclude = tuple((r, rule_regex(item, r, item_cs)) for r in excluded)
        combined, near_excludes = combined_of(item, item.rules), combined_of(item, item.exclude)
        # The fast path takes case-insensitive terms that start with a literal, which the regex
        # engine finds with SIMD; one term that starts with `*` would make it scan every byte.
        # Terms with weights or date bounds are counted with the match events.
        folded = [(r, rule_regex(item, r, False)) for r in ordered if r.kind == "term" and not r.case_sensitive]
        fast_terms = tuple((r, regex) for r, regex in folded if r.plain and not regex[1:].startswith((GLOB, ANY_TOKEN)))
        # A trigger is a necessary condition, checked on the lower-cased string: a case-sensitive
        # rule cannot match where its case-folded form does not. Where the folded form matches,
        # the rule itself is tried on the case-kept string of those units: capitalised START is
        # rare where the word start is common.
        slow = {r for r, regex in folded} - {r for r, _ in fast_terms}
        slow_rules = [r for r in ordered if r.kind == "pattern" or r.case_sensitive or r in slow]
        groups = [
            group
            for part in (slow_rules, excluded)
            for group in (
                [r for r in part if r.kind == "term" and not r.case_sensitive],
                [r for r in part if r.kind == "term" and r.case_sensitive],
                *[[r] for r in part if r.kind == "pattern"],
            )
        ]
        folded_all = {r: rule_regex(item, r, False, fold=True) for r in ordered + excluded}
        # A pattern's screens are the literals of the pattern as written: it matches wherever its
        # narrowed form does, and the narrowed classes (`[a&&b]`) are a syntax literal_sets refuses.
        screened_as = {
            r: pattern_regex(r.text, False, narrowed=False) if r.kind == "pattern" else folded_all[r]
            for r in ordered + excluded
        }
        triggers, best = [], []
        for group in filter(None, groups):
            regex = "|".join(folded_all[r] for r in group)
            confirm = "|".join(rule_regex(item, r, True) for r in group) if group[0].case_sensitive else None
            found = tuple(map(frozenset, literal_sets("|".join(screened_as[r] for r in group))))
            excludes = group[0] in excluded
            triggers.append(Trigger(regex, found, confirm, frozenset(group), excludes))
            if not excludes:
                best.append(found[0] if found else None)
        # A rule of the rule language may match where its first group matches and every group's
        # best literals are present.
        counted_contexts = []
        context_number = iter(range(len(combined)))  # of the context rules, in order (see CompiledItem.context_indices)
        for c, excludes in [(c, False) for c in combined] + [(c, True) for c in near_excludes]:
            screens = [literal_sets(g) for g in c.lowered]
            found = tuple(frozenset(sets[0]) for sets in screens if sets)
            counted = None
            if not excludes and c.rule.kind == "context":
                column = rule_column(item.id, next(context_number))
                terms = _countable(c.rule, partial(rule_regex, item, case_kept_text=False))
                if terms:
                    counted = column
                    counted_contexts.append((counted, c.rule.weight, tuple(map(token_patterns, terms))))
            triggers.append(Trigger(c.lowered[0], found, None, frozenset([c.rule]), excludes, counted))
            if not excludes:
                best.append(found[0] if found else None)
        screen = frozenset().union(*best) if best and all(best) else None
        folded_rules = tuple(folded_all.items())
        patterns = tuple(token_patterns(r) for r, _ in fast_terms)
        result = CompiledItem(
            item,
            item_cs,
            rules,
            exclude,
            fast_terms,
            tuple(triggers),
            screen,
            folded_rules,
            patterns,
            combined,
            near_excludes,
            tuple(counted_contexts),
        )
        for c in combined + near_excludes:
            for regex in c.case_kept + c.lowered:
                checks.append((regex, f"{codebook.source}: item {item.id!r}: rule {c.rule.display!r} does not compile"))
        plain = not item_cs and all(r.kind == "term" for r, _ in rules + exclude)
        for regex in filter(None, (result.regex, result.exclude_regex)):
            if not plain or _may_be_too_big(regex):
                checks.append((regex, f"{codebook.source}: item {item.id!r}: rules do not compile"))
        compiled.append(result)
    _raise_first_invalid(checks)
    refuse_empty_matches(user_patterns)
    return tuple(compiled)


def _countable(rule: Rule, regex_of: Callable[[Rule], str]) -> list[Rule]:
    """A context rule's terms in matching order when the term scanner can count them as the rule's regex
    does (case-insensitive terms that start with a literal; no weight of 0, no date bounds), else []."""
    terms = sorted(rule.groups[0], key=lambda r: tuple(-n for n in _term_length(r)))  # as group_regex orders them
    fits = all(
        t.kind == "term" and not t.case_sensitive and not regex_of(t)[1:].startswith((GLOB, ANY_TOKEN)) for t in terms
    )
    return terms if fits and rule.weight != 0 and rule.since is None and rule.until is None else []


# An alternation of case-insensitive terms compiles to about 1.4 KB per `*` (a class of all but two
# characters), so polars' limit of 10 MB is reached at about 7,000 of them; the literals add little
# (300,000 words compile). Below MAX_UNCHECKED_GLOBS such an alternation needs no check at load time,
# which is most of a big dictionary's checking time.
MAX_UNCHECKED_GLOBS = 1000


def _may_be_too_big(regex: str) -> bool:
    """Whether an alternation of terms may exceed polars' regex size limit."""
    return regex.count(GLOB) + regex.count(ANY_TOKEN) >= MAX_UNCHECKED_GLOBS


def _raise_first_invalid(checks: list[tuple[str, str]]) -> None:
    """Compile every regex with polars at once; where one fails, raise the first failure's error."""
    try:
        pl.select(pl.lit("").str.count_matches(regex).alias(str(i)) for i, (regex, _) in enumerate(checks))
        return
    except Exception:  # which one failed, and why, comes from checking them one by one
        pass
    for regex, message in checks:
        error = check_regex(regex)
        if error:
            raise AgendaError(f"{message}: {error}")


# Token strings with every kind of position an empty match can need: the start and end of a string
# and of a line, and each combination of word and non-word characters on either side.
EMPTY_MATCH_PROBES = ["", " ", "a", "ab  cd", "  .  ,  ", "1", "ыы  é", "a\nb", "\n"]


def refuse_empty_matches(patterns: list[tuple[str, str]]) -> None:
    """Refuse a regex that can match the empty string: it would count a hit between every two characters."""
    if not patterns:
        return
    probes = pl.DataFrame({"t": EMPTY_MATCH_PROBES})
    empty = probes.select(
        pl.col("t").str.extract_all(regex).list.contains("").any().alias(str(i))
        for i, (regex, _) in enumerate(patterns)
    ).row(0)
    for (_, message), matches_empty in zip(patterns, empty):
        if matches_empty:
            raise AgendaError(f"{message} matches the empty string, so it would count a hit at every position")


@cache
def screen_scanner(codebook: Codebook) -> ScreenScanner:
    """The native test of every screen of the codebook's triggers and items (see agenda.engine.scan), compiled once."""
    compiled = compile_codebook(codebook)
    found = {s for c in compiled for t in c.triggers for s in t.literals}
    found |= {c.screen_literals for c in compiled if c.screen_literals}
    return ScreenScanner(sorted(found, key=sorted))


@cache
def term_scanner(codebook: Codebook) -> TermScanner:
    """The native counter of every item's fast terms (see agenda.engine.scan), compiled once."""
    compiled = compile_codebook(codebook)
    contexts = [(column, patterns) for c in compiled for column, _, patterns in c.counted_contexts]
    return TermScanner([(c.item.id, c.fast_patterns) for c in compiled] + contexts)


def add_hits(units: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Add one column of raw hits per item, named by item id, to units with token columns.

    Every unit gets the fast count. Units that hold a literal of an item's screen are tested
    with its rule triggers, and units with hits with its exclusion triggers; the few where a
    trigger matches are counted exactly, with the rules of the triggers that matched, and
    written back. Filtering rows, rather than a when/then, is what saves the time: polars
    evaluates both branches of a when/then on every row. Natively, context rules of plain
    terms are counted with the terms: their triggers need no regex, and units where no other
    trigger matched need no exact count.
    """
    compiled = compile_codebook(codebook)
    screens = None
    if native():
        weights = {column: weight for c in compiled for column, weight, _ in c.counted_contexts}
        counts = term_scanner(codebook).count(units[TEXT])
        units = units.with_columns(s.cast(pl.Float64) * weights[s.name] if s.name in weights else s for s in counts)
        screens = screen_scanner(codebook).screen(units[TEXT])
    else:
        units = units.with_columns(vocabulary.fast_hits(units[TEXT], codebook))
    screened = _screened(units, [c for c in compiled if c.screen_literals and c.rule_triggers], screens)
    everywhere = pl.int_range(units.height, eager=True)
    for c in compiled:
        contexts = c.context_indices
        columns = (rule_column(c.item.id, k) for k in range(len(contexts)))
        units = units.with_columns(pl.lit(0.0).alias(column) for column in columns if column not in units.columns)
        if not c.triggers:
            continue
        signature = pl.zeros(units.height, pl.Int64, eager=True)
        if c.rule_triggers:
            candidates = screened.get(c.item.id, everywhere)
            found = c.triggered(units, candidates, False, codebook.joins, screens)
            signature = signature.scatter(candidates, found)
        if c.all_excludes:  # only where the item has hits
            candidates = ((units[c.item.id] > 0) | (signature > 0)).arg_true()
            found = c.triggered(units, candidates, True, codebook.joins, screens)
            signature = signature.scatter(candidates, signature.gather(candidates) | found)
        if not c.integral:
            units = units.with_columns(pl.col(c.item.id).cast(pl.Float64))
        counted = c.counted_bits() if screens is not None else 0
        if counted:  # where only counted triggers matched, the counts are exact already
            signature = signature.zip_with((signature & ~counted) != 0, pl.zeros(units.height, pl.Int64, eager=True))
        for rows, matched in counted_together(c, signature):
            subset = units.select(TEXT, "text")[rows]
            if any(r.case_sensitive for r in matched):
                subset = add_tokens(subset.lazy(), "text", TEXT_CS, True, codebook.joins).collect()
            dates = units[DATE].gather(rows) if c.item.dated else None
            exact, context = item_hits(subset, c, matched, dates, units[c.item.id].gather(rows))
            units = units.with_columns(units[c.item.id].scatter(rows, exact.cast(units[c.item.id].dtype)))
            for k, own in enumerate(context):
                units = units.with_columns(units[rule_column(c.item.id, k)].scatter(rows, own))
    return units


def _screened(
    units: pl.DataFrame, compiled: list[CompiledItem], screens: ScreenBits | None = None
) -> dict[str, pl.Series]:
    """Per item, the indices of the units that hold a literal of its screen.

    Read from screens, the units' screen bits, when given. Else one scan for the literals of
    all screens first: the items' own screens then run only in the units it finds.
    """
    if not compiled:
        return {}
    rows = pl.int_range(units.height, eager=True)
    if screens is not None:
        return {c.item.id: rows.gather(screens.holding(rows, [c.screen_literals])) for c in compiled}
    text = units[TEXT]
    if len(compiled) > 1:
        found = text.str.contains("|".join(c.screen for c in compiled))
        rows, text = rows.filter(found), text.filter(found)
    flags = text.to_frame().select(pl.col(TEXT).str.contains(c.screen).alias(c.item.id) for c in compiled)
    return {c.item.id: rows.filter(flags[c.item.id]) for c in compiled}


def add_token_columns(
    units: pl.LazyFrame, codebook: Codebook, text: str = "text", case_kept: bool = True
) -> pl.LazyFrame:
    """Add the token strings the codebook's items need, computed once per unit.

    With case_kept=False the case-kept string is left for `add_hits` to make where needed.
    """
    units = add_tokens(units, text, TEXT, joins=codebook.joins)
    if case_kept and any(c.case_sensitive for c in compile_codebook(codebook)):
        units = add_tokens(units, text, TEXT_CS, True, codebook.joins)
    return units
