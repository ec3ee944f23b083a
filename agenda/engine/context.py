"""Context rules: hits that count for an item only beside a unit its other rules code.

A coder reads a paragraph in its document (Krippendorff's context unit); a context rule says so.
Its terms count in a unit only when a unit of the same document within `window` units of it (the
unit itself included), or anywhere in the document when the window is `document`, is coded for
the rule's item (`of`, the rule's own item by default) by that item's rules other than context
rules. Units are counted in the order they are coded (boilerplate dropped first), and a window
stops at the document's edges. A unit coded only through context licenses nothing, so context
never chains. Licensed hits are added to the item's hits before `min_hits`, so they count
toward min_hits and the primary item, and are also kept in the column `<item>_context`.
"""

from __future__ import annotations

import polars as pl

from agenda.codebook import Codebook

POSITION = "_agenda_position"


def rule_column(item_id: str, k: int) -> str:
    """The column of the raw hits of an item's k-th context rule (see match.add_hits)."""
    return f"_agenda_context_{item_id}_{k}"


def positions(units: pl.DataFrame) -> pl.DataFrame:
    """doc_id, unit, and each unit's position in its document (rows of whole documents, in order)."""
    return units.select("doc_id", "unit", pl.int_range(pl.len(), dtype=pl.Int64).over("doc_id").alias(POSITION))


def licensing(
    units: pl.DataFrame,
    coded: pl.Series,
    window: int | None,
    rows: pl.Series | None = None,
    at: pl.DataFrame | None = None,
) -> pl.Series:
    """Per unit (rows of whole documents, in order), the unit number of the nearest coded unit that licenses it.

    coded says which units are coded for the licensing item; null where no coded unit is within
    window units in the same document (None: anywhere in it). With rows, for those units alone,
    in their order; at is `positions(units)`, when already made.
    """
    frame = positions(units) if at is None else at
    sources = frame.filter(coded).select("doc_id", POSITION, pl.col(POSITION).alias("_at"), pl.col("unit").alias("_by"))
    targets = (frame if rows is None else frame[rows]).with_row_index("_i")
    joined = targets.sort("doc_id", POSITION).join_asof(
        sources.sort("doc_id", POSITION), on=POSITION, by="doc_id", strategy="nearest", check_sortedness=False
    )
    near = pl.lit(True) if window is None else (pl.col(POSITION) - pl.col("_at")).abs() <= window
    return joined.sort("_i").select(pl.when(near).then(pl.col("_by")).alias("licensed_by"))["licensed_by"]


def add_context(units: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Add each item's licensed context hits to its hits and to its `<item>_context` column.

    units hold the raw hits of every item and of every context rule (see match.add_hits), rows
    of whole documents in order. Licensing reads the hits before any context hit is added, and
    is looked up only for the units with context hits.
    """
    items = [item for item in codebook.items if item.context_rules]
    if not items:
        return units
    coded = {item.id: (units[item.id] >= item.min_hits) & (units[item.id] > 0) for item in codebook.items}
    at = positions(units)
    sums = {}
    for item in items:
        total = pl.zeros(units.height, pl.Float64, eager=True)
        for k, rule in enumerate(item.context_rules):
            raw = units[rule_column(item.id, k)].cast(pl.Float64)
            rows = (raw != 0).arg_true()
            licensed = licensing(units, coded[rule.of], rule.window, rows, at).is_not_null().cast(pl.Float64)
            total = total + pl.zeros(units.height, pl.Float64, eager=True).scatter(rows, raw.gather(rows) * licensed)
        sums[item.id] = total
    return units.with_columns(
        *[(pl.col(i) + sums[i]).cast(units[i].dtype).alias(i) for i in sums],
        *[sums[i].alias(f"{i}_context") for i in sums],
    ).drop([rule_column(item.id, k) for item in items for k in range(len(item.context_rules))])
