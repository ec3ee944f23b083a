"""One roll-up rule for parent items (CAP major topics over subtopics), used by every table and measure.

A parent is coded when it or any of its descendants is. In the wide coded table (and so in the long
table, the .dta and the .sav) a parent's hits column holds its own hits plus the hits of all its
descendants, so `tab` in Stata, `mean(x > 0)` in R and `agenda shares` give the same share. The
parent's own hits are recoverable: the parent's column minus its direct children's columns. The
primary item is chosen from the items' own hits (the most specific item wins).
"""

from __future__ import annotations

import polars as pl

from agenda.codebook import Codebook


def descendants(codebook: Codebook) -> dict[str, list[str]]:
    """Each item with itself and all its descendants, in codebook order."""
    children: dict[str, list[str]] = {}
    for item in codebook.items:
        if item.parent:
            children.setdefault(item.parent, []).append(item.id)

    def walk(item_id: str) -> list[str]:
        return [item_id] + [d for child in children.get(item_id, []) for d in walk(child)]

    return {item.id: walk(item.id) for item in codebook.items}


def parents(codebook: Codebook) -> dict[str, list[str]]:
    """The items that have descendants, each with itself and them."""
    return {item_id: members for item_id, members in descendants(codebook).items() if len(members) > 1}


def rolled_up(codebook: Codebook) -> list[pl.Expr]:
    """Expressions that replace each parent's hits column by the sum of its own and its descendants' hits.

    Apply them to a table of own hits (agree should, to a gold table coded without roll-up: a table
    already rolled up would count the children twice).
    """
    return [pl.sum_horizontal(members).alias(item_id) for item_id, members in parents(codebook).items()]


def whole_counts(codebook: Codebook, integral: set[str]) -> set[str]:
    """The items whose rolled-up hits are whole numbers: the item and all its descendants count whole hits."""
    return {item_id for item_id, members in descendants(codebook).items() if set(members) <= integral}


def rolled_up_long(long: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """A long table of own hits (one row a unit and coded item) with each parent's rows rolled up.

    A parent gets a row in every unit coded for it or a descendant: hits summed, the matched terms
    (and any context hits) of them all. Rows are keyed by `_row` (the unit) and keep its other columns.
    """
    families = parents(codebook)
    if not families or long.height == 0:
        return long
    keys = [c for c in long.columns if c not in ("item", "hits", "terms", "context")]
    sums = [pl.col("hits").sum()] + ([pl.col("context").fill_null(0).sum()] if "context" in long.columns else [])
    terms = pl.col("terms").str.split("; ").explode()
    rolled = [
        long.filter(pl.col("item").is_in(members))
        .group_by(keys, maintain_order=True)
        .agg(
            *sums,
            terms.filter(terms != "").unique().sort().str.join("; "),
        )
        .with_columns(pl.lit(parent).alias("item"))
        for parent, members in families.items()
    ]
    own = long.filter(~pl.col("item").is_in(list(families)))
    return pl.concat([own, *rolled], how="diagonal_relaxed").select(long.columns)
