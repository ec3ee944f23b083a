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
    item = compiled.item
    if not compiled.rules and not compiled.exclude:
        return []
    need = item.min_hits
    text, raw = compiled.text(), pl.col(column(compiled))
    exprs: list[pl.Expr] = []
    if compiled.rules:
        fired = text.str.extract_all(compiled.regex).list.eval(rule_index(compiled.rules))
        coded = text.str.count_matches(compiled.regex) >= need
        for k, (_, _regex) in enumerate(compiled.rules):
            per_unit = fired.list.eval((pl.element() == k).cast(pl.UInt32)).list.sum()
            others = [r for j, r in enumerate(compiled.rules) if j != k]
            without = text.str.count_matches("|".join(r for _, r in others)) if others else pl.lit(0)
            exprs += [
                (per_unit > 0).sum().cast(pl.UInt32).alias(f"u{k}"),
                per_unit.sum().cast(pl.UInt32).alias(f"h{k}"),
                (coded & (without < need)).sum().cast(pl.UInt32).alias(f"d{k}"),
            ]
    for k, (_, regex) in enumerate(compiled.exclude):
        matches = raw.str.count_matches(regex)
        if compiled.rules:
            others = [x for j, x in enumerate(compiled.exclude) if j != k]
            kept = replace(compiled, exclude=tuple(others)).text()
            gained = (kept.str.count_matches(compiled.regex) >= need) & (text.str.count_matches(compiled.regex) < need)
        else:
            gained = pl.lit(False)
        exprs += [
            (matches > 0).sum().cast(pl.UInt32).alias(f"xu{k}"),
            matches.sum().cast(pl.UInt32).alias(f"xh{k}"),
            gained.sum().cast(pl.UInt32).alias(f"xd{k}"),
        ]
    counts = tokens.select(exprs).row(0, named=True)
    # Report rules in the order the codebook lists them (compiled rules are sorted longest first).
    position = {rule: k for k, (rule, _) in enumerate(compiled.rules)}
    out = [
        (item.id, rule.kind, rule.display, rule.language, counts[f"u{k}"], counts[f"h{k}"], counts[f"d{k}"])
        for rule in item.rules
        for k in [position[rule]]
    ]
    out += [
        (item.id, "exclude", rule.display, rule.language, counts[f"xu{k}"], counts[f"xh{k}"], counts[f"xd{k}"])
        for k, (rule, _) in enumerate(compiled.exclude)
    ]
    return out
