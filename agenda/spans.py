"""Where rules match: which rule of an item fired, and at which tokens of the unit's text.

The audit tools (kwic, explain, rules) need more than counts. The engine (polars) gives, per unit
and item, the matched strings in order; which rule fired is the first rule whose regex matches the
whole string (exactly what leftmost-first alternation chose). Positions are found by searching
those strings in order in the token string; for rules without context assertions (every term)
this is exact, so counts always equal the engine's. Token positions are then mapped back to the
original text by tokenising each whitespace-separated chunk with the same expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, load_codebook
from agenda.corpus import read_corpus
from agenda.errors import AgendaError
from agenda.match import TEXT, TEXT_CS, CompiledItem, add_token_columns, compile_codebook
from agenda.normalize import SEPARATOR_CLASS, tokenize_strings
from agenda.segment import segment

_PIECE = re.compile(rf"\w+|[^\w{SEPARATOR_CLASS}]")
_JOINED_PIECE = re.compile(rf"\w+(?:[-\u2010\u2011]\w+)*|[^\w{SEPARATOR_CLASS}]")  # tokens: {hyphens: join}
_CHUNK = re.compile(r"\S+")


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
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    if not isinstance(corpus, (pl.DataFrame, pl.LazyFrame)):
        corpus = read_corpus(corpus, **read_options)
    split = unit or codebook.units["split"]
    if boilerplate:
        units = segment(corpus, split)
    else:
        units = segment(corpus, split, codebook.units["min_words"], codebook.units["drop"])
    return codebook, units.collect()


def rule_index(rules: tuple) -> pl.Expr:
    """On list elements (matched strings): the index of the first rule whose regex matches all of it."""
    expr = None
    for k, (_, regex) in enumerate(rules):
        hit = pl.element().str.contains(f"^(?:{regex})$")
        expr = pl.when(hit).then(pl.lit(k, dtype=pl.UInt32)) if expr is None else expr.when(hit).then(k)
    return expr.otherwise(pl.lit(None, dtype=pl.UInt32))


def with_tokens(units: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Units with the token strings the codebook matches against."""
    return add_token_columns(units.lazy(), codebook).collect()


def column(compiled: CompiledItem) -> str:
    """The token string an item's exact rules run on."""
    return TEXT_CS if compiled.case_sensitive else TEXT


def locate(text: str, found: list[str], start: int = 0) -> list[tuple[int, int]]:
    """Character spans of matched strings, found in order without overlap."""
    spans, pos = [], start
    for s in found:
        i = text.find(s, pos)
        if i < 0:  # cannot happen for strings the engine extracted from this text
            i = pos
        spans.append((i, i + len(s)))
        pos = i + len(s) if s else i + 1
    return spans


def token_bounds(token_string: str) -> list[tuple[int, int]]:
    """Character spans of the tokens in a padded token string."""
    return [(m.start(), m.end()) for m in re.finditer(r"[^ ]+", token_string)]


def tokens_of(span: tuple[int, int], bounds: list[tuple[int, int]]) -> tuple[int, int]:
    """The tokens [first, last+1) a character span covers."""
    a, b = span
    covered = [k for k, (s, e) in enumerate(bounds) if s < b and e > a]
    if not covered:  # a match of spaces only: place it before the next token
        k = next((k for k, (s, _) in enumerate(bounds) if s >= a), len(bounds))
        return k, k
    return covered[0], covered[-1] + 1


def unblank(span: tuple[int, int], excluded: list[tuple[int, int]], blank: int) -> tuple[int, int]:
    """Map a span of the text whose excluded spans were each replaced by `blank` characters back."""

    def back(p: int) -> int:
        shift = 0
        for s, e in excluded:
            start = s - shift  # where this blank starts in the blanked text
            if p < start + blank:
                return min(p - start, e - s) + s if p > start else p + shift
            shift += e - s - blank
        return p + shift

    return back(span[0]), back(span[1])


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


def align(texts: list[str], token_strings: list[str], join_hyphens: bool = False) -> list[Aligned]:
    """Align each unit's original text with its lower-cased token string, token by token.

    Each whitespace-separated chunk is tokenised on its own; within a chunk, tokens map to word runs
    and punctuation marks when their numbers agree, else to the whole chunk. When the chunks'
    tokens are not the unit's tokens (a rare Unicode normalisation across chunks), the unit is
    shown as its case-kept tokens instead.
    """
    chunks = [[(m.start(), m.end()) for m in _CHUNK.finditer(t)] for t in texts]
    flat = [t[a:b] for t, cs in zip(texts, chunks) for a, b in cs]
    flat_tokens = iter(tokenize_strings(flat, join_hyphens=join_hyphens))
    piece = _JOINED_PIECE if join_hyphens else _PIECE
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
            shown = tokenize_strings([text], case_sensitive=True, join_hyphens=join_hyphens)[0]
            shown = shown if len(shown) == len(want) else want
            joined = " ".join(shown)
            starts = [m.start() for m in re.finditer(r"[^ ]+", joined)]
            out.append(Aligned(joined, [(s, s + len(w)) for s, w in zip(starts, shown)], False))
    return out


def select_items(codebook: Codebook, item: str | list[str] | tuple[str, ...] | None) -> list[CompiledItem]:
    """The compiled items chosen by id (every item with rules when None); unknown ids are errors."""
    compiled = compile_codebook(codebook)
    if item is None:
        return [c for c in compiled if c.rules]
    ids = [item] if isinstance(item, str) else list(item)
    for item_id in ids:
        codebook.item(item_id)  # raises, naming the codebook and its items
    return [c for c in compiled if c.item.id in ids and c.rules]


MATCH_SCHEMA = {
    "_row": pl.UInt32,
    "item": pl.String,
    "rule": pl.UInt32,  # index into CompiledItem.rules
    "first": pl.UInt32,
    "last": pl.UInt32,  # token after the match
    "excluded_by": pl.UInt32,  # index into CompiledItem.exclude, null when the match counts
}


def find_matches(tokens: pl.DataFrame, items: list[CompiledItem], removed: bool = False) -> pl.DataFrame:
    """Every match of the items in units with token strings (see `with_tokens`), one row each.

    Rows that count (excluded_by null) are exactly the engine's hits before min_hits. With
    removed=True, matches an exclude removed are listed too, with the exclude that removed them.
    """
    if not items:
        return pl.DataFrame(schema=MATCH_SCHEMA)
    exprs = [pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row")]
    columns = sorted({column(c) for c in items})
    for c in items:
        p = f"_{c.item.id}"
        raw = pl.col(column(c))
        exprs += [
            c.text().alias(f"{p}_text"),
            c.text().str.extract_all(c.regex).alias(f"{p}_m"),
            c.text().str.extract_all(c.regex).list.eval(rule_index(c.rules)).alias(f"{p}_mr"),
        ]
        if removed:
            exprs.append(raw.str.extract_all(c.regex).alias(f"{p}_raw"))
        if c.exclude:
            exprs += [
                raw.str.extract_all(c.exclude_regex).alias(f"{p}_x"),
                raw.str.extract_all(c.exclude_regex).list.eval(rule_index(c.exclude)).alias(f"{p}_xr"),
            ]
    frame = tokens.select(*exprs, *columns)
    any_match = pl.any_horizontal(pl.col(f"_{c.item.id}_{'raw' if removed else 'm'}").list.len() > 0 for c in items)
    frame = frame.filter(any_match)
    rows: dict[str, list] = {name: [] for name in MATCH_SCHEMA}

    def add(row, item_id, rule, first, last, excluded_by):
        for name, value in zip(MATCH_SCHEMA, (row, item_id, rule, first, last, excluded_by)):
            rows[name].append(value)

    for record in frame.iter_rows(named=True):
        for c in items:
            p = f"_{c.item.id}"
            raw = record[column(c)]
            bounds = token_bounds(raw)
            x_spans = locate(raw, record[f"{p}_x"]) if c.exclude else []
            blanked = record[f"{p}_text"]
            blank = (len(blanked) - len(raw) + sum(e - s for s, e in x_spans)) // max(len(x_spans), 1)
            for span, rule in zip(locate(blanked, record[f"{p}_m"]), record[f"{p}_mr"]):
                first, last = tokens_of(unblank(span, x_spans, blank), bounds)
                add(record["_row"], c.item.id, rule, first, last, None)
            if removed and x_spans:
                x_rules = record[f"{p}_xr"]
                for span in locate(raw, record[f"{p}_raw"]):
                    hit = next((k for k, (s, e) in enumerate(x_spans) if s < span[1] and e > span[0]), None)
                    if hit is not None:
                        first, last = tokens_of(span, bounds)
                        rule = _first_rule(c, raw[span[0] : span[1]])
                        add(record["_row"], c.item.id, rule, first, last, x_rules[hit])
    return pl.DataFrame(rows, schema=MATCH_SCHEMA)


def _first_rule(compiled: CompiledItem, matched: str) -> int | None:
    frame = pl.DataFrame({"m": [[matched]]}, schema={"m": pl.List(pl.String)})
    return frame.select(pl.col("m").list.eval(rule_index(compiled.rules)))["m"][0][0]


def rule_label(compiled: CompiledItem, index: int | None, exclude: bool = False) -> str:
    """How a rule is written in the codebook (a pattern between slashes)."""
    if index is None:
        return "?"
    rules = compiled.exclude if exclude else compiled.rules
    return rules[index][0].display


def no_units_error() -> AgendaError:
    """The error for a corpus with no units left."""
    return AgendaError("the corpus is empty: no units left after splitting and dropping boilerplate")
