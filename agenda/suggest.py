"""Suggest new terms for an item: words and two-word phrases over-represented in the units it codes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from agenda.audit import load_units, no_units_error, with_tokens
from agenda.code import code_units
from agenda.codebook import Codebook
from agenda.engine.match import TEXT, compile_codebook
from agenda.errors import AgendaError

SUGGEST_SCHEMA = {
    "term": pl.String,
    "words": pl.UInt8,
    "target": pl.UInt32,
    "reference": pl.UInt32,
    "target_units": pl.UInt32,
    "reference_units": pl.UInt32,
    "g2": pl.Float64,
    "other_items": pl.String,
}


def g2(a: pl.Expr, b: pl.Expr, total_a: pl.Expr, total_b: pl.Expr) -> pl.Expr:
    """Dunning's log-likelihood G2 of the 2x2 table (a, b / total_a - a, total_b - b), no correction."""
    n = total_a + total_b
    cells = [
        (a, total_a, a + b),
        (b, total_b, a + b),
        (total_a - a, total_a, n - a - b),
        (total_b - b, total_b, n - a - b),
    ]
    terms = [pl.when(o > 0).then(o * (o / (row * col / n)).log()).otherwise(0.0) for o, row, col in cells]
    return 2 * pl.sum_horizontal(terms)


def suggest(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    item: str,
    top: int = 20,
    min_count: int = 3,
    unit: str | None = None,
    **read_options: str,
) -> pl.DataFrame:
    """Candidate terms for `item`, by keyness of units coded for it (target) against all others.

    Words (tokens with a letter) and two-word phrases (adjacent words) are counted in both sets;
    those used at least `min_count` times in the target and relatively more often there than in
    the reference are ranked by G2, highest first. Candidates the item's own rules already match
    are left out; other_items names other items whose rules match the candidate.
    """
    if top < 1:
        raise AgendaError(f"--top must be 1 or more, not {top}")
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    if units.height == 0:
        raise no_units_error()
    compiled = {c.item.id: c for c in compile_codebook(codebook)}
    target_item = codebook.item(item)
    coded = code_units(units, codebook).collect()  # same rows, same order
    tokens = with_tokens(units, codebook).with_columns((coded[item] > 0).alias("_target"))
    n_target = int(tokens["_target"].sum())
    if n_target == 0:
        raise AgendaError(f"item {item!r} codes no unit of this corpus: nothing to learn from")
    if n_target == tokens.height:
        raise AgendaError(f"item {item!r} codes every unit of this corpus: no other units to compare with")
    words = (
        tokens.select(pl.int_range(pl.len()).alias("_row"), "_target", pl.col(TEXT).str.extract_all("[^ ]+").alias("t"))
        .explode("t")
        .drop_nulls("t")
        .with_columns(pl.col("t").str.contains(r"\p{L}").alias("w"))
        .with_columns(pl.col("t").shift(-1).over("_row").alias("t2"), pl.col("w").shift(-1).over("_row").alias("w2"))
    )
    grams = pl.concat(
        [
            words.filter("w").select("_row", "_target", pl.col("t").alias("term"), pl.lit(1, pl.UInt8).alias("words")),
            words.filter(pl.col("w") & pl.col("w2").fill_null(False)).select(
                "_row",
                "_target",
                pl.concat_str("t", "t2", separator=" ").alias("term"),
                pl.lit(2, pl.UInt8).alias("words"),
            ),
        ]
    )
    totals = grams.group_by("words").agg(pl.col("_target").sum().alias("_ta"), (~pl.col("_target")).sum().alias("_tb"))
    counts = (
        grams.group_by("term", "words")
        .agg(
            pl.col("_target").sum().cast(pl.UInt32).alias("target"),
            (~pl.col("_target")).sum().cast(pl.UInt32).alias("reference"),
            pl.col("_row").filter("_target").n_unique().cast(pl.UInt32).alias("target_units"),
            pl.col("_row").filter(~pl.col("_target")).n_unique().cast(pl.UInt32).alias("reference_units"),
        )
        .filter(pl.col("target") >= min_count)
        .join(totals, on="words")
    )
    a, b = pl.col("target").cast(pl.Float64), pl.col("reference").cast(pl.Float64)
    ta, tb = pl.col("_ta").cast(pl.Float64), pl.col("_tb").cast(pl.Float64)
    counts = counts.filter(a * tb > b * ta).with_columns(g2(a, b, ta, tb).alias("g2"))
    padded = pl.concat_str(pl.lit(" "), pl.col("term").str.replace_all(" ", "  ", literal=True), pl.lit(" "))
    own = compiled[item]
    if own.rules:
        counts = counts.filter(~padded.str.contains(f"(?i){own.regex}"))
    others = [c for c in compiled.values() if c.rules and c.item.id != target_item.id]
    listed = [pl.when(padded.str.contains(f"(?i){c.regex}")).then(pl.lit(c.item.id)) for c in others]
    counts = counts.with_columns(
        pl.concat_str(listed, separator=",", ignore_nulls=True).alias("other_items")
        if listed
        else pl.lit("").alias("other_items")
    ).with_columns(pl.col("other_items").replace("", None))
    return (
        counts.sort(["g2", "term"], descending=[True, False])
        .head(top)
        .select(list(SUGGEST_SCHEMA))
        .cast(SUGGEST_SCHEMA)
    )
