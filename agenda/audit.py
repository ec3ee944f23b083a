"""What the audit verbs (kwic, explain, rules) share: units as `code` splits them, their match
events judged as `code` counts them, and each token's place in the original text.

The events are those of `agenda.engine.events`, the same the coded table's hits are summed from. An
event counts when no exclusion removed it, when (a context hit) a neighbouring unit licenses it
(see `agenda.engine.context`), and when its unit is coded for the item (min_hits, the item's dates):
so the counting events of a unit and item are exactly its hits. All of it is polars joins over
the events, linear in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda.code import with_dates
from agenda.codebook import NO_JOINS, Codebook, Joins, Rule, load_codebook
from agenda.corpus import read_corpus
from agenda.engine.context import licensing
from agenda.engine.events import EVENT_SCHEMA, column, item_events, select
from agenda.engine.match import DATE, CompiledItem, add_token_columns, compile_codebook
from agenda.engine.normalize import (
    JOINED_APOSTROPHES,
    JOINED_HYPHENS,
    SEPARATOR_CLASS,
    as_joins,
    tokenize_strings,
)
from agenda.engine.segment import segment
from agenda.errors import AgendaError


def _pieces(joins: Joins) -> re.Pattern:
    """Word runs (with the marks the codebook's `tokens:` joins between word characters) and punctuation."""
    marks = (JOINED_HYPHENS if joins.hyphens else "") + (JOINED_APOSTROPHES if joins.apostrophes else "")
    word = rf"\w+(?:[{re.escape(marks)}]\w+)*" if marks else r"\w+"
    return re.compile(rf"{word}|[^\w{SEPARATOR_CLASS}]")


_CHUNK = re.compile(r"\S+")

# Why an event does not count (the column `fate`; null: it counts).
EXCLUDED = "excluded"  # an exclusion removed it
UNLICENSED = "unlicensed"  # a context hit no neighbouring unit licenses
OUTSIDE_DATES = "outside_dates"  # its unit's date is outside the item's dates
BELOW_MIN_HITS = "below_min_hits"  # its unit is not coded for the item


def read_units(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    **read_options: str,
) -> tuple[Codebook, pl.LazyFrame]:
    """The codebook (loaded when a path) and the corpus as a frame of doc_id, text and metadata."""
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    if not isinstance(corpus, (pl.DataFrame, pl.LazyFrame)):
        corpus = read_corpus(corpus, **read_options)
    return codebook, corpus.lazy()


def split_units(corpus: pl.LazyFrame, codebook: Codebook, unit: str | None, boilerplate: bool = False) -> pl.DataFrame:
    """The corpus split into units as `code` splits it; with boilerplate=True no unit is dropped."""
    split = unit or codebook.units["split"]
    if boilerplate:
        return segment(corpus, split).collect()
    return segment(corpus, split, codebook.units["min_words"], codebook.units["drop"]).collect()


def load_units(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    unit: str | None = None,
    boilerplate: bool = False,
    **read_options: str,
) -> tuple[Codebook, pl.DataFrame]:
    """The codebook and the corpus split into units (doc_id, unit, metadata, text) as `code` splits it.

    With boilerplate=True no unit is dropped (for telling a user why a unit is missing).
    """
    from agenda.code import check_item_columns

    codebook, frame = read_units(corpus, codebook, **read_options)
    check_item_columns(frame.lazy().collect_schema().names(), codebook)  # refused as `code` refuses it
    return codebook, split_units(frame, codebook, unit, boilerplate)


def with_tokens(units: pl.DataFrame, codebook: Codebook, date_column: str | None = None) -> pl.DataFrame:
    """Units with the token strings the codebook matches against, and the dates its date bounds read."""
    return with_dates(add_token_columns(units.lazy(), codebook), codebook, date_column).collect()


def select_items(codebook: Codebook, item: str | list[str] | tuple[str, ...] | None) -> list[CompiledItem]:
    """The compiled items chosen by id (every item with rules when None); unknown ids are errors."""
    compiled = compile_codebook(codebook)
    if item is None:
        return [c for c in compiled if c.all_rules]
    ids = [item] if isinstance(item, str) else list(item)
    for item_id in ids:
        codebook.item(item_id)  # raises, naming the codebook and its items
    return [c for c in compiled if c.item.id in ids and c.all_rules]


def licensing_items(codebook: Codebook, items: list[CompiledItem]) -> list[CompiledItem]:
    """The items, and the items whose coding licenses their context rules (their events are needed too)."""
    ids = {c.item.id for c in items}
    ids |= {r.of for c in items for r in c.item.context_rules}
    return [c for c in compile_codebook(codebook) if c.item.id in ids]


def unit_events(
    tokens: pl.DataFrame,
    items: list[CompiledItem],
    removed: bool = False,
    dated: bool = True,
    presences: dict[str, Presence] | None = None,
) -> pl.DataFrame:
    """The match events of the items in units with token strings (see `with_tokens`), in unit order.

    With removed=True the matches an exclusion removed are listed too; with dated=False the
    events of rules whose date bounds do not admit the unit's date are kept. presences (by item
    id) are the items' `Presence` in tokens, when already found.
    """
    dated = dated and DATE in tokens.columns
    parts = []
    for c in items:
        presence = presences[c.item.id] if presences else Presence.of(tokens, c)
        rows = presence.rows
        dates = tokens[DATE].gather(rows) if dated and c.item.dated else None
        events = item_events(tokens[rows], c, removed=removed, dates=dates, present=presence.present(rows))
        parts.append(events.with_columns(rows.gather(events["_row"]).alias("_row")))
    if not parts:
        return pl.DataFrame(schema=EVENT_SCHEMA)
    return pl.concat(parts).sort("_row", "first", "item", "rule")


@dataclass(frozen=True)
class Presence:
    """Where an item's rules and exclusions match: the rows where some rule does, and which match in each.

    Only those rows can hold the item's events, and the rules that match nowhere in some rows
    change nothing there. Each regex (each group's, for the rule language) is tested alone: the
    events' one alternation of an item's hundreds of rules loses the regex engine's DFA and runs
    some 20 times slower, so it runs only in these rows, on the rules that match in them.
    """

    rows: pl.Series  # the rows of tokens where some rule matches
    found: pl.DataFrame  # one row each of rows, one column a test: whether it matches there
    tests: list[Rule]  # the rule or exclusion of each column

    @staticmethod
    def of(tokens: pl.DataFrame, compiled: CompiledItem) -> Presence:
        chosen = select(compiled)
        rules, excludes, kept = compiled.all_rules, compiled.all_excludes, chosen.case_kept
        tests = [(rules[k], x, True) for k, x in chosen.rules]
        tests += [(rules[k], g, True) for k, c in chosen.combined for g in c.groups(kept)]
        tests += [(excludes[k], x, False) for k, x in chosen.excludes]
        tests += [(excludes[k], g, False) for k, c in chosen.near_excludes for g in c.groups(kept)]
        text = pl.col(column(chosen))
        found = tokens.select(
            [text.str.contains(x).fill_null(False).alias(str(i)) for i, (_, x, _) in enumerate(tests)]
        )
        positive = [str(i) for i, (_, _, rule) in enumerate(tests) if rule]
        hit = found.select(pl.any_horizontal(positive) if positive else pl.repeat(False, found.height))
        rows = hit.to_series().arg_true().cast(pl.UInt32)
        return Presence(rows, found[rows].with_columns(rows.alias("_row")), [rule for rule, _, _ in tests])

    def present(self, rows: pl.Series) -> set[Rule]:
        """The rules and exclusions that match in some of rows (rows of tokens, among self.rows)."""
        anywhere = self.found.filter(pl.col("_row").is_in(rows.implode())).drop("_row").select(pl.all().any())
        return {rule for rule, hit in zip(self.tests, anywhere.row(0) if anywhere.width else ()) if hit}


def judge(
    tokens: pl.DataFrame, events: pl.DataFrame, codebook: Codebook, compiled: dict[str, CompiledItem] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events with `licensed_by` (a context hit: the unit that licenses it) and `fate` (null: it counts).

    Also returned: per item and unit with events, `_total` (its hits before min_hits) and `coded`.
    tokens are rows of whole documents in order (doc_id, unit, and DATE where the codebook has
    date bounds); events must include those of every item whose coding licenses a context rule
    of the events' items (see `licensing_items`). compiled (by item id) overrides the codebook's
    compiled items, for events of a changed item.
    """
    by_id = {c.item.id: c for c in compile_codebook(codebook)} | (compiled or {})
    n = tokens.height
    kept = pl.col("excluded_by").is_null()
    own = events.filter(kept & ~pl.col("context")).group_by("item", "_row").agg(pl.col("weight").sum().alias("_raw"))
    lic = [pl.DataFrame(schema={"item": pl.String, "rule": pl.UInt32, "_row": pl.UInt32, "licensed_by": pl.UInt32})]
    context = events.filter(pl.col("context"))
    for item_id in context["item"].unique(maintain_order=True):
        c = by_id[item_id]
        for index in c.context_indices:
            rows = context.filter((pl.col("item") == item_id) & (pl.col("rule") == index))["_row"].unique()
            if rows.len() == 0:
                continue
            rule = c.all_rules[index]
            source = by_id[rule.of].item
            raw = own.filter(pl.col("item") == source.id)
            hits = pl.zeros(n, pl.Float64, eager=True).scatter(raw["_row"], raw["_raw"])
            by = licensing(tokens, (hits >= source.min_hits) & (hits > 0), rule.window)
            found = pl.DataFrame({"_row": rows, "licensed_by": by.gather(rows).cast(pl.UInt32)})
            lic.append(found.select(pl.lit(item_id).alias("item"), pl.lit(index, pl.UInt32).alias("rule"), pl.all()))
    events = events.join(pl.concat(lic), on=["item", "rule", "_row"], how="left")
    counted = kept & (~pl.col("context") | pl.col("licensed_by").is_not_null())
    totals = events.filter(counted).group_by("item", "_row").agg(pl.col("weight").sum().alias("_total"))
    ids = list(by_id)
    items = pl.DataFrame(
        {
            "item": ids,
            "_min": [by_id[i].item.min_hits for i in ids],
            "_since": [by_id[i].item.since for i in ids],
            "_until": [by_id[i].item.until for i in ids],
        },
        schema={"item": pl.String, "_min": pl.UInt32, "_since": pl.Date, "_until": pl.Date},
    )
    day = tokens[DATE] if DATE in tokens.columns else pl.Series([None] * n, dtype=pl.Date)
    days = day.cast(pl.Date).to_frame("_day").with_row_index("_row")
    inside = pl.col("_since").is_null() & pl.col("_until").is_null() | pl.col("_day").is_not_null() & (
        (pl.col("_since").is_null() | (pl.col("_day") >= pl.col("_since")))
        & (pl.col("_until").is_null() | (pl.col("_day") <= pl.col("_until")))
    )
    reached = pl.when(pl.col("_min") > 1).then(pl.col("_total") >= pl.col("_min")).otherwise(pl.col("_total") > 0)
    coding = (
        events.select("item", "_row")
        .unique()
        .join(totals, on=["item", "_row"], how="left")
        .join(items, on="item", how="left")
        .join(days, on="_row", how="left")
        .with_columns(pl.col("_total").fill_null(0.0), inside.alias("_inside"))
        .with_columns((reached & pl.col("_inside")).alias("coded"))
        .select("item", "_row", "_total", "_inside", "coded")
    )
    fate = (
        pl.when(~kept)
        .then(pl.lit(EXCLUDED))
        .when(pl.col("context") & pl.col("licensed_by").is_null())
        .then(pl.lit(UNLICENSED))
        .when(~pl.col("_inside"))
        .then(pl.lit(OUTSIDE_DATES))
        .when(~pl.col("coded"))
        .then(pl.lit(BELOW_MIN_HITS))
    )
    judged = (
        events.join(coding, on=["item", "_row"], how="left")
        .with_columns(fate.alias("fate"))
        .drop("_total", "_inside", "coded")
        .sort("_row", "first", "item", "rule")
    )
    return judged, coding.drop("_inside")


def counting_events(tokens: pl.DataFrame, codebook: Codebook, items: list[CompiledItem]) -> pl.DataFrame:
    """The events of the items that count, in unit order: the matches behind the coded table's hits."""
    judged, _ = judge(tokens, unit_events(tokens, licensing_items(codebook, items)), codebook)
    chosen = [c.item.id for c in items]
    return judged.filter(pl.col("fate").is_null() & pl.col("item").is_in(chosen))


@dataclass(frozen=True)
class Aligned:
    """A unit's display text and, per token of its token string, its character span in that text."""

    text: str
    spans: list[tuple[int, int]]
    exact: bool  # False when the original text could not be aligned and its tokens are shown instead

    def slice(self, first: int, last: int) -> str:
        """The display text of tokens [first, last), whitespace collapsed."""
        last = min(last, len(self.spans))
        if first >= last:
            return ""
        return " ".join(self.text[self.spans[first][0] : self.spans[last - 1][1]].split())


def align(texts: list[str], token_strings: list[str], joins: Joins | bool = NO_JOINS) -> list[Aligned]:
    """Align each unit's original text with its lower-cased token string, token by token.

    Each whitespace-separated chunk is tokenised on its own; within a chunk, tokens map to word runs
    and punctuation marks when their numbers agree, else to the whole chunk. When the chunks'
    tokens are not the unit's tokens (a rare Unicode normalisation across chunks), the unit is
    shown as its case-kept tokens instead.
    """
    chunks = [[(m.start(), m.end()) for m in _CHUNK.finditer(t)] for t in texts]
    flat = [t[a:b] for t, cs in zip(texts, chunks) for a, b in cs]
    joins = as_joins(joins)
    flat_tokens = iter(tokenize_strings(flat, joins=joins))
    piece = _pieces(joins)
    out = []
    for text, cs, token_string in zip(texts, chunks, token_strings):
        want = token_string.split()
        got: list[str] = []
        spans: list[tuple[int, int]] = []
        for a, b in cs:
            toks = next(flat_tokens)
            got += toks
            pieces = [(a + m.start(), a + m.end()) for m in piece.finditer(text[a:b])]
            spans += pieces if len(pieces) == len(toks) else [(a, b)] * len(toks)
        if got == want:
            out.append(Aligned(text, spans, True))
        else:
            shown = tokenize_strings([text], case_sensitive=True, joins=joins)[0]
            shown = shown if len(shown) == len(want) else want
            joined = " ".join(shown)
            starts = [m.start() for m in re.finditer(r"[^ ]+", joined)]
            out.append(Aligned(joined, [(s, s + len(w)) for s, w in zip(starts, shown)], False))
    return out


def rule_label(compiled: CompiledItem, index: int | None, exclude: bool = False) -> str:
    """How a rule (an event's rule, or its excluded_by) is written in the codebook (see Rule.display)."""
    if index is None:
        return "?"
    return (compiled.all_excludes if exclude else compiled.all_rules)[index].display


def rule_number(compiled: CompiledItem, rule: Rule) -> int:
    """The event number of one of the item's rules (the rule itself, not an equal one)."""
    return next(k for k, r in enumerate(compiled.all_rules) if r is rule)


def no_units_error() -> AgendaError:
    """The error for a corpus with no units left."""
    return AgendaError("the corpus is empty: no units left after splitting and dropping boilerplate")
