"""Count items' single-token terms through a batch's vocabulary of token types (the polars path).

An item's fast count is one regex scan of the corpus, whose cost grows with its terms; a big
dictionary's items hold hundreds of single-token terms and globs each. Here the token strings are
split into tokens once per batch, each item's single-token terms are resolved once against the
batch's unique token types (one anchored regex over a few ten thousand short strings), and each
unit's count is a join of its tokens with the types each item matched.

The counts are those of the item's alternation (leftmost-first, non-overlapping, longest first):
its multi-token terms come first in matching order, so their matches do not depend on the
single-token ones (a single-token match takes one token, as not matching does). They are counted
by their own alternation, left out where a token of theirs does not occur in the batch, and cut
out of the text; the tokens left are counted by type. An item whose matching order puts a
single-token term before a multi-token term it could take the first token of keeps its regex
(see `vocabulary_terms`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from agenda.codebook import Codebook

if TYPE_CHECKING:
    from agenda.engine.match import CompiledItem

# Measured on the polars path (benchmarks/README.md, "Big dictionaries"): a single-token term costs
# a regex scan about 1.5 ms per 48 MB batch, the vocabulary about 0.9 s whatever the terms, so a
# codebook with fewer such terms keeps its regexes.
MIN_SINGLE_TERMS = 600
# Tokens joined with the types they match at once, and units split into tokens at once: they bound the memory taken.
JOINED_TOKENS = 1 << 19
TOKENIZED_ROWS = 8192


@dataclass(frozen=True)
class MultiTerm:
    """A multi-token term: its regex, and per token its regex and its fragments between `*`s."""

    regex: str
    tokens: tuple[str, ...]
    patterns: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class VocabularyTerms:
    """An item's fast terms, split for counting through the vocabulary."""

    types: str  # matches the whole of a token type exactly where one of the single-token terms matches it
    multi: tuple[MultiTerm, ...]  # in matching order
    singles: int  # how many single-token terms types stands for


def vocabulary_terms(compiled: CompiledItem) -> VocabularyTerms | None:
    """The item's fast terms for `fast_counts`, or None where its regex stays (no single-token term, or a
    single-token term ahead of a multi-token one in matching order that may take its first token).

    Term regexes are `" tok +tok "` (see match.term_regex): a single-token term's regex less its
    spaces is its regex on one token.
    """
    from agenda.engine.match import GAP

    single: list[str] = []
    multi: list[MultiTerm] = []
    for (_, regex), patterns in zip(compiled.fast_terms, compiled.fast_patterns):
        if len(patterns) == 1:
            single.append(regex[1:-1])
            continue
        first = patterns[0]
        if single and (len(first) > 1 or any(re.fullmatch(s, first[0]) for s in single)):
            return None
        multi.append(MultiTerm(regex, tuple(regex[1:-1].split(GAP)), patterns))
    if not single:
        return None
    return VocabularyTerms(_whole(single), tuple(multi), len(single))


def _whole(alternatives: Iterable[str]) -> str:
    """A regex that matches a whole token type where one of the alternatives does."""
    return f"^(?:{'|'.join(alternatives)})$"


def tokens_of(text: pl.Series) -> pl.DataFrame:
    """Every token of each padded token string: _row (its index in text) and type, in order.

    Extracted, not split on spaces: a split would hold an empty string between every two tokens.
    """
    parts = [
        pl.DataFrame({"type": text.slice(start, TOKENIZED_ROWS).str.extract_all("[^ ]+")})
        .with_row_index("_row", offset=start)
        .explode("type")
        .drop_nulls()
        for start in range(0, len(text), TOKENIZED_ROWS)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"_row": pl.UInt32, "type": pl.String})


def matched_types(vocabulary: pl.Series, types: list[str]) -> pl.DataFrame:
    """Each type of vocabulary that a regex of types matches whole, with k, the regex's index: a row a match."""
    found = [vocabulary.filter(vocabulary.str.contains(regex)).to_frame("type") for regex in types]
    return pl.concat(part.with_columns(pl.lit(k, pl.UInt32).alias("k")) for k, part in enumerate(found))


def single_counts(tokens: pl.DataFrame, n_rows: int, matched: pl.DataFrame, width: int) -> np.ndarray:
    """Per row and per k below width, how many of the row's tokens (from `tokens_of`) have a type matched with k."""
    counts = np.zeros((n_rows, width), np.uint32)
    for start in range(0, tokens.height, JOINED_TOKENS):
        part = tokens.slice(start, JOINED_TOKENS)
        first, last = part["_row"][0], part["_row"][-1]
        cell = (pl.col("_row") - first).cast(pl.UInt64) * width + pl.col("k")
        cells = part.lazy().join(matched.lazy(), on="type").select(cell).collect().to_series().to_numpy()
        found = np.bincount(cells, minlength=(last - first + 1) * width)
        counts[first : last + 1] += found.reshape(-1, width).astype(np.uint32)
    return counts


class Vocabulary:
    """A batch's token types, asked whether a token of a term occurs in the batch at all."""

    def __init__(self, types: pl.Series):
        self.types = types
        self._set = set(types.to_list())
        self._sorted = sorted(self._set)
        self._found: dict[str, bool] = {}

    def holds(self, regex: str, pattern: tuple[str, ...]) -> bool:
        """Whether some type matches a token's regex, whose fragments between `*`s are pattern."""
        if len(pattern) == 1:
            return pattern[0] in self._set
        if not any(pattern):
            return bool(self._set)
        if len(pattern) == 2 and not pattern[1]:  # a prefix: the first type not below it starts with it
            at = bisect_left(self._sorted, pattern[0])
            return at < len(self._sorted) and self._sorted[at].startswith(pattern[0])
        if regex not in self._found:
            self._found[regex] = bool(self.types.str.contains(_whole([regex])).any())
        return self._found[regex]

    def live(self, terms: tuple[MultiTerm, ...]) -> str | None:
        """The alternation of the terms each of whose tokens occurs in the batch (the others match nowhere)."""
        kept = [t.regex for t in terms if all(map(self.holds, t.tokens, t.patterns))]
        return "|".join(kept) or None


def fast_counts(text: pl.Series, items: list[tuple[str, VocabularyTerms]]) -> list[pl.Series]:
    """Each item's fast count in each token string of text, as a UInt32 series named by the item's id.

    Where an item's multi-token terms match, its single-token terms are counted again in what
    they leave.
    """
    if not items:
        return []
    tokens = tokens_of(text)
    types = [tokens["type"].slice(start, JOINED_TOKENS).unique() for start in range(0, tokens.height, JOINED_TOKENS)]
    vocabulary = Vocabulary(pl.concat(types).unique() if types else pl.Series("type", [], pl.String))
    matched = matched_types(vocabulary.types, [v.types for _, v in items])
    counts = single_counts(tokens, len(text), matched, len(items))
    del tokens
    out = []
    for k, (item_id, terms) in enumerate(items):
        count = counts[:, k].copy()
        multi = vocabulary.live(terms.multi)
        if multi:
            found = text.str.count_matches(multi).cast(pl.UInt32).to_numpy()
            rows = np.flatnonzero(found)
            if len(rows):
                left = text.gather(rows).str.replace_all(multi, "")
                own = matched.filter(pl.col("k") == k).with_columns(pl.lit(0, pl.UInt32).alias("k"))
                count[rows] = single_counts(tokens_of(left), len(rows), own, 1)[:, 0]
            count += found
        out.append(pl.Series(item_id, count, dtype=pl.UInt32))
    return out


@cache
def _split(codebook: Codebook, min_terms: int) -> tuple[tuple[CompiledItem, VocabularyTerms | None], ...]:
    """Each item with its terms for the vocabulary, or None: all None below min_terms single-token terms."""
    from agenda.engine.match import compile_codebook

    split = [(c, vocabulary_terms(c)) for c in compile_codebook(codebook)]
    if sum(v.singles for _, v in split if v) < min_terms:
        return tuple((c, None) for c, _ in split)
    return tuple(split)


def fast_hits(text: pl.Series, codebook: Codebook) -> list[pl.Series | pl.Expr]:
    """Every item's fast count of text (the lower-cased token strings), in the codebook's order.

    Through the vocabulary where the codebook has MIN_SINGLE_TERMS single-token terms or more (in
    the items `vocabulary_terms` takes); by its regex (`CompiledItem.fast_hits`, an expression) for
    the other items, and for every item of a smaller codebook.
    """
    split = _split(codebook, MIN_SINGLE_TERMS)
    counted = {s.name: s for s in fast_counts(text, [(c.item.id, v) for c, v in split if v is not None])}
    return [counted.get(c.item.id, c.fast_hits().alias(c.item.id)) for c, _ in split]
