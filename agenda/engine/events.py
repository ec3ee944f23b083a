"""Match events: where each rule of an item matched in a unit, as token positions.

An event is one match: the unit's row, the item, the rule (an index into `CompiledItem.all_rules`),
its first token and the token after its last, the sentence of its first token, its weight, whether
it is a context hit, and the exclusion that removed it (an index into `CompiledItem.all_excludes`;
null when it counts). Counts, the long table's terms, kwic, explain and the rule report are views
of these events.

Everything is computed with polars over all the units at once. A regex's matches come with their
byte offsets from two `extract_all` passes (the matches, and each match with the text before it:
their lengths give the offsets), which are mapped to tokens by an as-of join on the tokens' offsets.
Exclusions are cut token by token: every token an exclusion touches becomes a placeholder that no
term matches, so the token positions of what is left stay those of the unit. Rules of the rule
language (near, all, any, context) are then sorted token positions and as-of joins (two-pointer
merges): linear in the text, with no backtracking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from agenda.codebook import Rule

if TYPE_CHECKING:
    from agenda.engine.match import Combined, CompiledItem

CUT = "\x00"  # an excluded token: no term matches it (see match.GLOB and match.ANY_TOKEN)
SENTENCE_END = (".", "!", "?")

EVENT_SCHEMA = {
    "_row": pl.UInt32,
    "item": pl.String,
    "rule": pl.UInt32,
    "first": pl.UInt32,
    "last": pl.UInt32,
    "sentence": pl.UInt32,
    "weight": pl.Float64,
    "context": pl.Boolean,
    "excluded_by": pl.UInt32,
    "matched": pl.String,
}


def regex_matches(text: pl.Series, regex: str) -> pl.DataFrame:
    """Every match of regex in each string, leftmost-first and non-overlapping: _row, start, end, matched.

    Offsets are in bytes. `.*?R` matches the text from the end of one match of R to the end of
    the next, so the two lists of matches line up one to one.
    """
    frame = pl.DataFrame(
        {"_p": text.str.extract_all(f"(?s).*?(?:{regex})"), "matched": text.str.extract_all(regex)}
    ).with_row_index("_row")
    found = frame.explode("_p", "matched").drop_nulls("matched")
    end = pl.col("_p").str.len_bytes().cast(pl.Int64).cum_sum().over("_row")
    return found.select(
        "_row",
        (end - pl.col("matched").str.len_bytes()).alias("start"),
        end.alias("end"),
        "matched",
    )


def token_table(text: pl.Series) -> pl.DataFrame:
    """One row a token of each token string: _row, tok (its index), start and end bytes, word, sentence.

    wordpos is the number of words (tokens with a letter or digit) before the token. A sentence
    ends at a `.`, `!` or `?` token, except a `.` after a one-letter word (U.S.) or between two
    numbers (3.5). Sums within a unit are running sums less the sum before the unit's first
    token, which costs a fraction of a window expression (`over`).
    """
    row, tok, first, last = pl.col("_row"), pl.col("token"), pl.col("_first"), pl.col("_last")
    pieces = text.str.extract_all(r" *[^ ]+").to_frame("_p").with_row_index("_row").explode("_p").drop_nulls("_p")
    tokens = pieces.select(
        "_row",
        pl.col("_p").str.strip_chars_start(" ").alias("token"),
        pl.col("_p").str.len_bytes().cast(pl.Int64).alias("_len"),
        (row != row.shift(1)).fill_null(True).alias("_first"),
        (row != row.shift(-1)).fill_null(True).alias("_last"),
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
    ).with_columns(
        tok.str.contains(r"\w").alias("word"),
        tok.str.contains(r"^\p{L}$").alias("_letter"),
        tok.str.contains(r"^\d+$").alias("_digits"),
    )

    def before(flag: str) -> pl.Expr:
        return pl.when(first).then(None).otherwise(pl.col(flag).shift(1))

    def after(flag: str) -> pl.Expr:
        return pl.when(last).then(None).otherwise(pl.col(flag).shift(-1))

    def within(x: pl.Expr) -> pl.Expr:
        total = x.cum_sum()
        return total - pl.when(first).then(total - x).forward_fill()

    ends = tok.is_in(SENTENCE_END) & ~(
        (tok == ".") & (before("_letter") | before("_digits") & after("_digits")).fill_null(False)
    )
    tokens = tokens.with_columns(ends.cast(pl.UInt32).alias("_ends"), pl.col("word").cast(pl.UInt32).alias("_word"))
    end = within(pl.col("_len"))
    return tokens.select(
        "_row",
        (pl.col("_i") - pl.when(first).then(pl.col("_i")).forward_fill()).alias("tok"),
        (end - tok.str.len_bytes()).alias("start"),
        end.alias("end"),
        "token",
        (within(pl.col("_word")) - pl.col("_word")).alias("wordpos"),
        "word",
        (within(pl.col("_ends")) - pl.col("_ends")).alias("sentence"),
    )


def _asof(left: pl.DataFrame, right: pl.DataFrame, left_on: str, right_on: str, by, strategy: str) -> pl.DataFrame:
    """An as-of join within groups: both sides sorted by their key within each group."""
    return left.join_asof(right, left_on=left_on, right_on=right_on, by=by, strategy=strategy, check_sortedness=False)


def on_tokens(matches: pl.DataFrame, tokens: pl.DataFrame) -> pl.DataFrame:
    """Matches with the tokens they cover, [first, last), and the sentence and word positions at their ends.

    A match that starts inside a token starts at that token; one that starts in the spaces before a
    token, at that token. Tokens are found by binary search on (unit, start byte), the order
    token_table lists them in.
    """
    if matches.height == 0:
        extra = {"first": pl.UInt32, "last": pl.UInt32, "sentence": pl.UInt32, "wp_first": pl.UInt32}
        return matches.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in {**extra, "wp_last": pl.UInt32}.items())
    matches = matches.sort("_row", "start", maintain_order=True)
    unit, start, end = (matches[c].to_numpy().astype(np.int64) for c in ("_row", "start", "end"))
    n = tokens.height
    # Each token's columns, and past the last token a unit of none (-1) with zeros.
    of = {
        c: np.append(tokens[c].to_numpy().astype(np.int64), 0)
        for c in ("start", "end", "tok", "sentence", "wordpos", "word")
    }
    of["_row"] = np.append(tokens["_row"].to_numpy().astype(np.int64), -1)
    keys = (of["_row"][:n] << 32) + of["start"][:n]

    def at(index: np.ndarray, column: str) -> np.ndarray:
        """column of the token at index where it is a token of the match's unit, else 0."""
        index = np.where((index >= 0) & (index < n), index, n)
        return np.where(of["_row"][index] == unit, of[column][index], 0)

    def search(offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The index of the unit's last token that starts at or before offset (-1: none), and of the token after it."""
        after = np.searchsorted(keys, (unit << 32) + offset, side="right")
        found = np.where(of["_row"][np.where(after > 0, after - 1, n)] == unit, after - 1, -1)
        return found, after

    i, after = search(start)
    j, _ = search(end - 1)
    t = at(i, "tok")
    first = np.where(i < 0, 0, np.where(start >= at(i, "end"), t + 1, t))
    last = np.maximum(at(j, "tok") + 1, first)
    base = np.where(i < 0, after, i - t)  # the index of the unit's first token
    return matches.with_columns(
        pl.Series("first", first, dtype=pl.UInt32),
        pl.Series("last", last, dtype=pl.UInt32),
        pl.Series("sentence", at(base + first, "sentence"), dtype=pl.UInt32),
        pl.Series("wp_first", at(base + first, "wordpos"), dtype=pl.UInt32),
        pl.Series("wp_last", at(base + last - 1, "wordpos") + at(base + last - 1, "word"), dtype=pl.UInt32),
    )


def cut_tokens(text: pl.Series, tokens: pl.DataFrame, cuts: pl.DataFrame) -> pl.Series:
    """The token strings with every token in a cut span ([first, last) of _row) replaced by CUT."""
    if cuts.height == 0:
        return text
    cut = (
        cuts.select("_row", pl.int_ranges("first", "last", dtype=pl.UInt32).alias("tok"))
        .explode("tok")
        .drop_nulls()
        .unique()
        .with_columns(pl.lit(True).alias("_cut"))
    )
    rebuilt = (
        tokens.join(cut, on=["_row", "tok"], how="left")
        .group_by("_row", maintain_order=True)
        .agg(pl.when(pl.col("_cut")).then(pl.lit(CUT)).otherwise(pl.col("token")).str.join("  ").alias("_t"))
        .filter(pl.col("_row").is_in(cut["_row"].unique().implode()))
    )
    rows = rebuilt["_row"].cast(pl.UInt32)
    return text.clone().scatter(rows, " " + rebuilt["_t"] + " ")


def occurrences(text: pl.Series, tokens: pl.DataFrame, regex: str, scope: str) -> pl.DataFrame:
    """Matches of a group of terms with their tokens and the scope they fall in (the sentence, or 0 for the unit)."""
    found = on_tokens(regex_matches(text, regex), tokens)
    return found.with_columns((pl.col("sentence") if scope == "sentence" else pl.lit(0, pl.UInt32)).alias("_scope"))


def _partners(b: pl.DataFrame, prefix: str, wordpos: str) -> pl.DataFrame:
    """The occurrences of b as near partners: their span, the word position near the other match, the text."""
    return b.select(
        "_row",
        "_scope",
        pl.col("first").alias(f"{prefix}_first"),
        pl.col("last").alias(f"{prefix}_last"),
        pl.col(wordpos).alias(f"{prefix}_wp"),
        pl.col("matched").alias(f"{prefix}_matched"),
    )


def near(a: pl.DataFrame, b: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """The occurrences of a with an occurrence of b within rule.within words in the same scope, b not overlapping a.

    Each such occurrence of a is one event, spanning it and the nearest such occurrence of b
    (before it, or after it; the one after only when rule.ordered).
    """
    keys = ["_row", "_scope"]
    a = a.sort("_row", "_scope", "first")
    b_after = _partners(b, "b", "wp_first").sort(*keys, "b_first")
    after = _asof(a, b_after, "last", "b_first", keys, "forward").with_columns(
        (pl.col("b_wp").cast(pl.Int64) - pl.col("wp_last").cast(pl.Int64)).alias("_d_after")
    )
    found = after
    if not rule.ordered:
        b_before = _partners(b, "c", "wp_last").sort(*keys, "c_last")
        found = _asof(after.sort(*keys, "first"), b_before, "first", "c_last", keys, "backward").with_columns(
            (pl.col("wp_first").cast(pl.Int64) - pl.col("c_wp").cast(pl.Int64)).alias("_d_before")
        )
    else:
        found = found.with_columns(
            pl.lit(None, pl.Int64).alias("_d_before"),
            *(
                pl.lit(None, t).alias(c)
                for c, t in (("c_first", pl.UInt32), ("c_last", pl.UInt32), ("c_matched", pl.String))
            ),
        )
    before_wins = pl.col("_d_before").is_not_null() & (
        pl.col("_d_after").is_null() | (pl.col("_d_before") <= pl.col("_d_after"))
    )
    distance = pl.when(before_wins).then(pl.col("_d_before")).otherwise(pl.col("_d_after"))
    partner = {
        "first": pl.min_horizontal("first", pl.when(before_wins).then("c_first").otherwise("b_first")),
        "last": pl.max_horizontal("last", pl.when(before_wins).then("c_last").otherwise("b_last")),
        "matched": pl.when(before_wins)
        .then(pl.concat_str("c_matched", pl.lit(" ~ "), "matched"))
        .otherwise(pl.concat_str("matched", pl.lit(" ~ "), "b_matched")),
    }
    return (
        found.filter(distance.is_not_null() & (distance <= rule.within))
        .with_columns(pl.col("first").alias("a_first"), pl.col("last").alias("a_last"))
        .with_columns(**partner)
        .select("_row", "first", "last", "sentence", "matched", "a_first", "a_last")
    )


def all_of(groups: list[pl.DataFrame]) -> pl.DataFrame:
    """One event per scope in which every group occurs, spanning their first and last occurrences there."""
    keys = ["_row", "_scope"]
    present = groups[0].select(keys).unique()
    for g in groups[1:]:
        present = present.join(g.select(keys).unique(), on=keys, how="semi")
    every = pl.concat([g.select(*keys, "first", "last", "sentence", "matched") for g in groups])
    return (
        every.join(present, on=keys, how="semi")
        .sort("_row", "first")
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("first").min(),
            pl.col("last").max(),
            pl.col("sentence").first(),
            pl.col("matched").unique(maintain_order=True).str.join(" ~ "),
        )
        .select("_row", "first", "last", "sentence", "matched")
    )


def _which(indexed: list[tuple[int, str]]) -> pl.Expr:
    """On the matched strings: the index of the first rule whose regex matches all of it (what alternation chose)."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.UInt32))
    for k, regex in indexed:
        expr = expr.when(pl.col("matched").str.contains(f"^(?:{regex})$")).then(pl.lit(k, dtype=pl.UInt32))
    return expr.otherwise(pl.lit(None, dtype=pl.UInt32))


def _events(found: pl.DataFrame, rule: pl.Expr, weight: pl.Expr, context: bool = False) -> pl.DataFrame:
    return found.select(
        pl.col("_row").cast(pl.UInt32),
        rule.cast(pl.UInt32).alias("rule"),
        "first",
        "last",
        "sentence",
        weight.cast(pl.Float64).alias("weight"),
        pl.lit(context).alias("context"),
        pl.lit(None, dtype=pl.UInt32).alias("excluded_by"),
        pl.col("matched").str.strip_chars(" ").str.replace_all(" +", " "),
    )


def _weights(rules: list[Rule], index: pl.Expr) -> pl.Expr:
    weights = [r.weight for r in rules]
    if all(w == 1 for w in weights):
        return pl.lit(1.0)
    return index.replace_strict(list(range(len(weights))), weights, return_dtype=pl.Float64)


@dataclass(frozen=True)
class Selection:
    """The rules of an item that may match in some units, with the token string they run on."""

    compiled: CompiledItem
    case_kept: bool
    rules: list[tuple[int, str]]  # index into all_rules, regex
    excludes: list[tuple[int, str]]  # index into all_excludes, regex
    combined: list[tuple[int, Combined]]
    near_excludes: list[tuple[int, Combined]]

    @property
    def needs_positions(self) -> bool:
        """Whether counting needs the events' positions and rules (rule language, weights, date bounds)."""
        rules = self.compiled.all_rules
        return bool(self.combined) or any(not rules[k].plain for k, _ in self.rules)


def select(compiled: CompiledItem, matched: set[Rule] | None = None, present: set[Rule] | None = None) -> Selection:
    """The item's rules that may match where its triggers `matched` matched (every rule when None).

    Rules no trigger stands for always may; a triggered rule that matches nowhere in a unit
    changes nothing there, so leaving it out keeps the events. present, when given, is the set of
    rules and exclusions known to match somewhere in the units: the others are left out too.
    """
    triggered = set().union(*(t.rules for t in compiled.triggers))

    def kept(rule: Rule) -> bool:
        return (matched is None or rule not in triggered or rule in matched) and (present is None or rule in present)

    cs = compiled.case_sensitive if matched is None else any(r.case_sensitive for r in matched)
    folded = dict(compiled.folded)

    def regex(rule: Rule, own: str) -> str:
        return own if cs else folded[rule]

    base, offset = len(compiled.rules), len(compiled.exclude)
    return Selection(
        compiled,
        cs,
        [(k, regex(r, x)) for k, (r, x) in enumerate(compiled.rules) if kept(r)],
        [(k, regex(r, x)) for k, (r, x) in enumerate(compiled.exclude) if kept(r)],
        [(base + k, c) for k, c in enumerate(compiled.combined) if kept(c.rule)],
        [(offset + k, c) for k, c in enumerate(compiled.near_excludes) if kept(c.rule)],
    )


def counted_together(compiled: CompiledItem, signature: pl.Series) -> list[tuple[pl.Series, set[Rule]]]:
    """The units where triggers matched (signature > 0, see `CompiledItem.triggered`), in groups counted at once:
    each group's rows, and the rules that may match in them.

    Units go together when their rules run on the same token string (case-kept, or lower-cased)
    and the same patterns matched there, with the rules of every trigger that matched in one of
    them: a rule added where it matches nowhere changes nothing (see `select`), and each call of
    the exact count costs more than the few thousand units it takes. Patterns stay where they
    matched: one slow pattern can slow the whole alternation it joins. Units where only rules
    of the rule language matched stay apart too: their terms need no second count (see `tallies`).
    """
    own = {c.rule for c in compiled.combined}
    groups: dict[tuple, tuple[set[Rule], list[int]]] = {}
    for value in signature.filter(signature > 0).unique(maintain_order=True):
        matched = compiled.matched_rules(value)
        key = (
            any(r.case_sensitive for r in matched),
            frozenset(r for r in matched if r.kind == "pattern"),
            matched <= own,
        )
        rules, values = groups.setdefault(key, (set(), []))
        rules |= matched
        values.append(value)
    return [(signature.is_in(values).arg_true(), rules) for rules, values in groups.values()]


CUT_SCHEMA = {"_row": pl.UInt32, "first": pl.UInt32, "last": pl.UInt32, "excluded_by": pl.UInt32}


def _cuts(text: pl.Series, chosen: Selection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The token spans the exclusions cut (_row, first, last, excluded_by), and the tokens of the units they cut in.

    Exclusions are tried only in the units where one may match (an exclusion matches, or every
    group of a near exclusion occurs), so tokens are made for those alone.
    """
    screens = [pl.col("_t").str.contains("|".join(x for _, x in chosen.excludes))] if chosen.excludes else []
    screens += [
        pl.all_horizontal(pl.col("_t").str.contains(g) for g in c.groups(chosen.case_kept))
        for _, c in chosen.near_excludes
    ]
    if not screens:
        return pl.DataFrame(schema=CUT_SCHEMA), pl.DataFrame()
    rows = text.to_frame("_t").select(pl.any_horizontal(screens)).to_series().arg_true()
    if len(rows) == 0:
        return pl.DataFrame(schema=CUT_SCHEMA), pl.DataFrame()
    part = text.gather(rows)
    tokens = token_table(part)
    cuts = []
    if chosen.excludes:
        found = on_tokens(regex_matches(part, "|".join(x for _, x in chosen.excludes)), tokens)
        cuts.append(found.select("_row", "first", "last", _which(chosen.excludes).alias("excluded_by")))
    for k, c in chosen.near_excludes:
        a, b = (occurrences(part, tokens, g, c.rule.scope) for g in c.groups(chosen.case_kept))
        pairs = near(a, b, c.rule)
        cuts.append(
            pairs.select(
                "_row",
                pl.col("a_first").alias("first"),
                pl.col("a_last").alias("last"),
                pl.lit(k, dtype=pl.UInt32).alias("excluded_by"),
            )
        )
    cut = pl.concat(cuts).select(list(CUT_SCHEMA)).cast(CUT_SCHEMA)
    to_global = pl.col("_row").replace_strict(pl.int_range(len(rows), eager=True), rows, return_dtype=pl.UInt32)
    return cut.with_columns(to_global), tokens.with_columns(to_global)


def item_hits(
    units: pl.DataFrame,
    compiled: CompiledItem,
    matched: set[Rule] | None = None,
    dates: pl.Series | None = None,
    fast: pl.Series | None = None,
) -> tuple[pl.Series, list[pl.Series]]:
    """One item's hits in units, and each of its context rules' raw hits: the sums of `item_events`' counting events.

    The same sums from fewer events (see `tallies`). Where a weight is not a whole number, the
    sums are those of the events themselves, added in their order. fast, when given, is the
    fast path's count of these units (`CompiledItem.fast_hits`).
    """
    chosen = select(compiled, matched)
    if chosen.needs_positions and not compiled.integral:
        events = item_events(units, compiled, matched, dates=dates)
    else:
        events = tallies(units[column(chosen)], chosen, fast)
        if dates is not None:
            events = _in_dates(events, compiled.all_rules, dates)
    contexts = [hits(events.filter(pl.col("rule") == k), units.height, context=True) for k in compiled.context_indices]
    return hits(events, units.height), contexts


def tallies(text: pl.Series, chosen: Selection, fast: pl.Series | None = None) -> pl.DataFrame:
    """What the counting events of the chosen rules weigh in each unit of text, in few rows (as EVENT_SCHEMA, less
    the positions and the matched text).

    Everything is counted in what the exclusions leave, with no positions: the matches of the
    terms and patterns (one row a match when the rule of each is needed for its weight or date
    bounds, else one row a unit) and of each context rule (one row a unit). A near, all or any
    rule is one row an event, matched on token positions only in the units where each of its
    groups occurs. Where no exclusion may cut and the terms are those of the fast path (on the
    lower-cased string), fast (its count of text, when given) is their count.
    """
    cut, tokens = _cuts(text, chosen)
    left = cut_tokens(text, tokens, cut)
    rules = chosen.compiled.all_rules
    units = left.to_frame("_t").with_row_index("_row")
    parts = [pl.DataFrame(schema=TALLY_SCHEMA)]
    if chosen.rules:
        alternation = "|".join(x for _, x in chosen.rules)
        fast_terms = {r for r, _ in chosen.compiled.fast_terms}
        uncut = not chosen.excludes and not chosen.near_excludes and not chosen.case_kept
        if fast is not None and uncut and all(rules[k] in fast_terms for k, _ in chosen.rules):
            parts.append(_tally(units, pl.lit(None), pl.lit(fast)))
        elif all(rules[k].plain for k, _ in chosen.rules):
            parts.append(_tally(units, pl.lit(None), pl.col("_t").str.count_matches(alternation)))
        else:
            found = units.select("_row", pl.col("_t").str.extract_all(alternation).alias("matched"))
            index = _which(chosen.rules)
            parts.append(_tally(found.explode("matched").drop_nulls("matched"), index, _weights(list(rules), index)))
    positional = []
    for k, c in chosen.combined:
        groups = c.groups(chosen.case_kept)
        if c.rule.kind == "context":
            parts.append(_tally(units, pl.lit(k), pl.col("_t").str.count_matches(groups[0]) * c.rule.weight, True))
        else:
            positional.append((k, c, pl.all_horizontal(pl.col("_t").str.contains(g) for g in groups)))
    rows = units.filter(pl.any_horizontal(p for _, _, p in positional))["_row"] if positional else []
    if len(rows):
        part = left.gather(rows)
        part_tokens = _left_tokens(part, token_table(text.gather(rows)), cut)
        for k, c, _ in positional:
            found = rule_events(part, part_tokens, k, c, chosen.case_kept)
            parts.append(_tally(found.with_columns(rows.gather(found["_row"])), pl.col("rule"), pl.col("weight")))
    return pl.concat(parts)


TALLY_SCHEMA = {k: EVENT_SCHEMA[k] for k in ("_row", "rule", "weight", "context", "excluded_by")}


def _tally(found: pl.DataFrame, rule: pl.Expr, weight: pl.Expr, context: bool = False) -> pl.DataFrame:
    return found.select(
        pl.col("_row").cast(pl.UInt32),
        rule.cast(pl.UInt32).alias("rule"),
        weight.cast(pl.Float64).alias("weight"),
        pl.lit(context).alias("context"),
        pl.lit(None, dtype=pl.UInt32).alias("excluded_by"),
    )


def column(chosen: Selection) -> str:
    """The token string the chosen rules run on."""
    from agenda.engine.match import TEXT, TEXT_CS

    return TEXT_CS if chosen.case_kept else TEXT


def item_events(
    units: pl.DataFrame,
    compiled: CompiledItem,
    matched: set[Rule] | None = None,
    removed: bool = False,
    dates: pl.Series | None = None,
    present: set[Rule] | None = None,
) -> pl.DataFrame:
    """The match events of one item in units (with the token strings of `match.add_token_columns`).

    matched, when given, is the set of the item's triggered rules that may match in these units
    (see `CompiledItem.triggered` and `select`); present, the rules and exclusions that match in
    some of them (see `select`). With removed=True the matches an exclusion
    removed are listed too, with excluded_by set. dates (one a unit) drop the events of rules whose
    date bounds do not admit the unit's date.
    """
    chosen = select(compiled, matched, present)
    text = units[column(chosen)]
    tokens = token_table(text)
    cut, _ = _cuts(text, chosen)
    left = cut_tokens(text, tokens, cut)
    left_tokens = _left_tokens(left, tokens, cut)
    all_rules = compiled.all_rules
    parts = []
    if chosen.rules:
        alternation = "|".join(x for _, x in chosen.rules)
        found = on_tokens(regex_matches(left, alternation), left_tokens)
        index = _which(chosen.rules)
        parts.append(_events(found, index, _weights(list(all_rules), index)))
        if removed and cut.height:
            raw = on_tokens(regex_matches(text, alternation), tokens).with_columns(index.alias("rule"))
            hit = raw.join(cut, on="_row", suffix="_x").filter(
                (pl.col("first") < pl.col("last_x")) & (pl.col("first_x") < pl.col("last"))
            )
            hit = hit.group_by("_row", "first", maintain_order=True).agg(pl.all().sort_by("excluded_by").first())
            parts.append(
                _events(hit, pl.col("rule"), pl.lit(1.0)).with_columns(hit["excluded_by"].alias("excluded_by"))
            )
    parts += [rule_events(left, left_tokens, k, c, chosen.case_kept) for k, c in chosen.combined]
    if not parts:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    events = pl.concat(parts).with_columns(pl.lit(compiled.item.id).alias("item")).select(list(EVENT_SCHEMA))
    if dates is not None:
        events = _in_dates(events, all_rules, dates)
    return events.sort("_row", "first", "rule")


def _left_tokens(left: pl.Series, tokens: pl.DataFrame, cut: pl.DataFrame) -> pl.DataFrame:
    """The token table of left, the text with cut tokens (tokens: the text's, with the same rows)."""
    if cut.height:  # cut words are still words, and a cut mark still ends its sentence: only offsets change
        return token_table(left).with_columns(tokens.select("wordpos", "word", "sentence"))
    return tokens


def rule_events(left: pl.Series, tokens: pl.DataFrame, k: int, c: Combined, case_kept: bool) -> pl.DataFrame:
    """The events of a rule of the rule language (rule number k) in left, the text the exclusions leave."""
    rule = c.rule
    groups = [occurrences(left, tokens, g, rule.scope) for g in c.groups(case_kept)]
    if rule.kind == "near":
        found = near(groups[0], groups[1], rule)
    elif rule.kind == "context":
        found = groups[0]
    else:
        found = all_of(groups)
    return _events(found, pl.lit(k), pl.lit(rule.weight), context=rule.kind == "context")


def _in_dates(events: pl.DataFrame, rules: tuple[Rule, ...], dates: pl.Series) -> pl.DataFrame:
    """Events whose rule's date bounds admit the unit's date."""
    bounded = [(k, r) for k, r in enumerate(rules) if r.since or r.until]
    if not bounded:
        return events
    bounds = pl.DataFrame(
        {
            "rule": [k for k, _ in bounded],
            "_since": [r.since for _, r in bounded],
            "_until": [r.until for _, r in bounded],
        },
        schema={"rule": pl.UInt32, "_since": pl.Date, "_until": pl.Date},
    )
    day = dates.cast(pl.Date).to_frame("_day").with_row_index("_row")
    admitted = pl.col("_since").is_null() & pl.col("_until").is_null() | pl.col("_day").is_not_null() & (
        (pl.col("_since").is_null() | (pl.col("_day") >= pl.col("_since")))
        & (pl.col("_until").is_null() | (pl.col("_day") <= pl.col("_until")))
    )
    return (
        events.join(bounds, on="rule", how="left")
        .join(day, on="_row", how="left")
        .filter(admitted)
        .select(events.columns)
    )


def hits(events: pl.DataFrame, n: int, context: bool = False) -> pl.Series:
    """Per unit (n of them), the summed weights of the events that count (context hits with context=True)."""
    counting = events.filter(pl.col("excluded_by").is_null() & (pl.col("context") == context))
    summed = counting.group_by("_row").agg(pl.col("weight").sum())
    out = pl.zeros(n, pl.Float64, eager=True)
    return out.scatter(summed["_row"], summed["weight"]) if summed.height else out
