"""What each rule of a codebook does on a corpus: where it fires and what removing it would change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from agenda.codebook import Codebook
from agenda.match import CompiledItem, compile_codebook
from agenda.spans import column, load_units, no_units_error, rule_index, with_tokens

RULES_SCHEMA = {
    "item": pl.String,
    "kind": pl.String,
    "rule": pl.String,
    "language": pl.String,
    "units": pl.UInt32,
    "hits": pl.UInt32,
    "decisive": pl.UInt32,
    "never_fires": pl.Boolean,
}


def rules(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    unit: str | None = None,
    **read_options: str,
) -> pl.DataFrame:
    """One row per term, pattern and exclude of every item, in codebook order.

    units: units where the rule fires (a term or pattern: it made at least one of the item's hits;
    an exclude: it matched). hits: its matches. decisive: units whose coding for the item changes
    when the rule alone is removed and the unit is recoded (a term or pattern: coded units that
    would no longer be coded; an exclude: units it keeps from being coded). never_fires flags a
    rule with no match in the corpus.
    """
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    if units.height == 0:
        raise no_units_error()
    tokens = with_tokens(units, codebook)
    rows = []
    for compiled in compile_codebook(codebook):
        rows += _item_rows(tokens, compiled)
    table = pl.DataFrame(rows, schema=list(RULES_SCHEMA.items())[:-1], orient="row")
    return table.with_columns((pl.col("hits") == 0).alias("never_fires"))


def _item_rows(tokens: pl.DataFrame, compiled: CompiledItem) -> list[tuple]:
    """Counts for one item's rules and excludes.

    Removing a rule changes a unit only where the rule made a hit (elsewhere leftmost-first
    matching picks the same alternatives), and can uncode it only where the other rules' hits
    fall below min_hits; only those units are recounted, with the rules that match there at all.
    """
    item = compiled.item
    need = item.min_hits
    text, raw = compiled.text(), pl.col(column(compiled))
    n_rules = len(compiled.rules)
    units = [0] * n_rules
    hits = [0] * n_rules
    decisive = [0] * n_rules
    if compiled.rules:
        fired = tokens.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
            text.alias("_text"),
            text.str.extract_all(compiled.regex).list.eval(rule_index(compiled.rules)).alias("_rule"),
        ).with_columns(pl.col("_rule").list.len().alias("_hits"))
        per_rule = (
            fired.explode("_rule")
            .drop_nulls("_rule")
            .group_by("_row", "_rule")
            .agg(pl.len().alias("_n"), pl.col("_hits").first())
        )
        for rule, n_units, n_hits in (
            per_rule.group_by("_rule").agg(pl.len(), pl.col("_n").sum()).select("_rule", "len", "_n").iter_rows()
        ):
            units[rule], hits[rule] = n_units, n_hits
        candidates = per_rule.filter((pl.col("_hits") >= need) & (pl.col("_hits") - pl.col("_n") < need))
        if candidates.height:
            rows = candidates["_row"].unique().sort()
            texts = fired.filter(pl.col("_row").is_in(rows.implode())).select(
                "_row",
                "_text",
                *[pl.col("_text").str.contains(r).alias(f"r{k}") for k, (_, r) in enumerate(compiled.rules)],
            )
            standalone = {row["_row"]: row for row in texts.iter_rows(named=True)}
            for row, rule in candidates.select("_row", "_rule").iter_rows():
                record = standalone[row]
                others = [r for k, (_, r) in enumerate(compiled.rules) if k != rule and record[f"r{k}"]]
                left = 0
                if others:
                    frame = pl.DataFrame({"t": [record["_text"]]})
                    left = frame.select(pl.col("t").str.count_matches("|".join(others))).item()
                decisive[rule] += left < need
    out = [
        (item.id, rule.kind, rule.display, rule.language, units[k], hits[k], decisive[k])
        for rule in item.rules
        for k in [next(j for j, (r, _) in enumerate(compiled.rules) if r == rule)]
    ]
    for k, (rule, regex) in enumerate(compiled.exclude):
        matches = raw.str.count_matches(regex)
        gained = pl.lit(False)
        if compiled.rules:
            others = tuple(x for j, x in enumerate(compiled.exclude) if j != k)
            kept = replace(compiled, exclude=others).text()
            # Only units the exclude matches in and the item does not code can be gained.
            gained = pl.when((matches > 0) & (text.str.count_matches(compiled.regex) < need)).then(
                kept.str.count_matches(compiled.regex) >= need
            )
        counts = tokens.select(
            (matches > 0).sum().cast(pl.UInt32).alias("units"),
            matches.sum().cast(pl.UInt32).alias("hits"),
            gained.sum().cast(pl.UInt32).alias("decisive"),
        ).row(0)
        out.append((item.id, "exclude", rule.display, rule.language, *counts))
    return out
