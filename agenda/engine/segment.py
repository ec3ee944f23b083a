"""Units: split documents into paragraphs, sentences or whole documents, and drop boilerplate.

Units are numbered by their position in the document before boilerplate is dropped, so a
unit keeps its number when the codebook's drop rules change.
"""

from __future__ import annotations

import polars as pl

from agenda.corpus import check_columns
from agenda.engine import scan
from agenda.engine.normalize import native_normalizer
from agenda.errors import AgendaError

SPLITS = ("paragraph", "sentence", "document")
# Every break between units is rewritten as exactly one blank line, and the text split there. No
# character is reserved: a blank line inside a stripped unit is itself a paragraph break, and each
# break takes all the whitespace around it, so "\n\n" is found at the breaks and nowhere else.
_BREAK = "\n\n"
_PARAGRAPH_BREAK = r"\n[^\S\n]*\n\s*"
_SENTENCE_END = r"([.!?\u2026]+[\"')\]\u201d\u00bb]*)\s+"
# The start of each whitespace-separated token that holds a letter or digit, up to its first one:
# one match a word, and a fifth faster than matching whole words.
WORD_START = r"(?:^|\s)[^\s\w]*\w"
WORDS = "_agenda_n_words"
DROPPED = "_agenda_dropped"  # why a unit is dropped: one of DROP_REASONS
DROP_REASONS = ("empty", "boilerplate", "min_words")  # no text; a drop pattern; fewer words than min_words


def dropped_provenance(dropped: dict[str, int]) -> dict[str, str]:
    """Units dropped by reason as the provenance keys every coded table carries (dropped_empty, ...)."""
    return {f"dropped_{r}": str(dropped.get(r, 0)) for r in DROP_REASONS}


def n_words(text: pl.Expr) -> pl.Expr:
    """Words: whitespace-separated tokens that hold a letter or digit."""
    return text.map_batches(_word_counts, return_dtype=pl.UInt32, is_elementwise=True)


def _word_counts(text: pl.Series) -> pl.Series:
    """Counted natively where agenda.engine.scan is built (units of simple characters), by regex otherwise."""
    if not scan.native():
        return text.str.count_matches(WORD_START).cast(pl.UInt32)
    counts, rows = native_normalizer().words(text)
    if len(rows):
        counts = counts.scatter(rows, text.gather(rows).str.count_matches(WORD_START).cast(pl.UInt32))
    return counts


def drop_regex(drop: list[str] | tuple[str, ...]) -> str | None:
    """One case-insensitive regex for the codebook's boilerplate patterns."""
    return "(?i)" + "|".join(f"(?:{p})" for p in drop) if drop else None


def segment(
    corpus: pl.LazyFrame | pl.DataFrame,
    split: str = "paragraph",
    min_words: int = 0,
    drop: list[str] | tuple[str, ...] = (),
    word_counts: bool = False,
    reasons: bool = False,
) -> pl.LazyFrame:
    """One row per unit: doc_id, unit, the corpus's metadata, text (boilerplate removed).

    A corpus with a `unit` column is already one row a unit (`--unit-column`): it is not split,
    and its units keep their numbers.

    With word_counts=True the units keep their word counts in a column WORDS, counted once
    for min_words and the coded table alike. With reasons=True no unit is dropped: the column
    DROPPED says why a unit would be (null for a unit that is kept).
    """
    if split not in SPLITS:
        raise AgendaError(f"unknown unit {split!r}: use one of {', '.join(SPLITS)}")
    text = pl.col("text").fill_null("").str.replace_all(r"\r\n?", "\n").str.strip_chars()
    if split == "document":
        pieces = pl.concat_list([text])
    else:
        marked = text.str.replace_all(_PARAGRAPH_BREAK, _BREAK)
        if split == "sentence":  # the whitespace after a sentence (with any paragraph break in it) is one break
            marked = marked.str.replace_all(_SENTENCE_END, "${1}" + _BREAK)
        pieces = marked.str.split(_BREAK, inclusive=False)
    lazy = corpus.lazy()
    columns = lazy.collect_schema().names()
    given = "unit" in columns  # a corpus of units (--unit-column): each row is one, with its number
    check_columns([c for c in columns if c != "unit"] if given else columns)
    if given:
        units = lazy.with_columns(text, pl.col("unit").cast(pl.UInt32))
    else:
        units = (
            lazy.with_columns(pieces.alias("text"))
            .with_columns(pl.int_ranges(1, pl.col("text").list.len() + 1, dtype=pl.UInt32).alias("unit"))
            .explode("text", "unit")
            .with_columns(pl.col("text").str.strip_chars())
        )
    units = units.select("doc_id", "unit", *[c for c in columns if c not in ("doc_id", "unit", "text")], "text")
    if word_counts or min_words:
        units = units.with_columns(n_words(pl.col("text")).alias(WORDS))
    keep = pl.col("text") != ""
    reason = pl.when(pl.col("text") == "").then(pl.lit("empty"))
    pattern = drop_regex(drop)
    if pattern:
        keep &= ~pl.col("text").str.contains(pattern)
        reason = reason.when(pl.col("text").str.contains(pattern)).then(pl.lit("boilerplate"))
    if min_words:
        keep &= pl.col(WORDS) >= min_words
        reason = reason.when(pl.col(WORDS) < min_words).then(pl.lit("min_words"))
    units = units.with_columns(reason.otherwise(None).alias(DROPPED)) if reasons else units.filter(keep)
    return units if word_counts else units.drop(WORDS, strict=False)
