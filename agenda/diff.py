"""agenda diff: what changes on a corpus between two versions of a codebook.

Both versions code the same corpus. Per unit and item, a unit is `gained` (coded by the new
version only) or `lost` (by the old only), with the rules whose matches count there under each
version (as the codebook writes them); and
every item's share moves, by group. Items in one version only count as never coded in the
other. Units are compared where both versions keep them (the unit rules may differ between
versions; units only one version keeps are counted in `units_only_old` and `units_only_new`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda.audit import counting_events, read_units, rule_label, split_units, with_tokens
from agenda.code import code
from agenda.codebook import Codebook, load_codebook
from agenda.engine.match import compile_codebook
from agenda.shares import shares

KEY = ["doc_id", "unit"]


@dataclass(frozen=True)
class CodebookDiff:
    """The units whose codes change, and the shares before and after."""

    units: pl.DataFrame  # doc_id, unit, item, change (gained/lost), old_hits, new_hits, old_rules, new_rules, text
    shares: pl.DataFrame  # the by columns, item, label, units, old/new units_with_item, old_share, new_share, change
    units_only_old: int
    units_only_new: int

    @property
    def changed(self) -> bool:
        """Whether anything changes: a unit's code, or the units coded."""
        return bool(self.units.height or self.units_only_old or self.units_only_new)


def diff(
    old: Codebook | str | Path,
    new: Codebook | str | Path,
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    by: str | list[str] | tuple[str, ...] = (),
    unit: str | None = None,
    date_column: str | None = None,
    **read_options: str,
) -> CodebookDiff:
    """Code the corpus with both codebook versions and compare unit by unit and share by share.

    >>> changes = agenda.diff("codebook-1.0.yaml", "codebook-1.1.yaml", "examples/corpus", by="source")
    """
    old = old if isinstance(old, Codebook) else load_codebook(old)
    new = new if isinstance(new, Codebook) else load_codebook(new)
    by = [by] if isinstance(by, str) else list(by)
    _, frame = read_units(corpus, old, **read_options)
    frame = frame.collect()
    tables = [code(frame, cb, unit=unit, keep_text=True, date_column=date_column) for cb in (old, new)]
    items = list(dict.fromkeys([*old.item_ids, *new.item_ids]))

    def hits(table: pl.DataFrame, codebook: Codebook, side: str) -> pl.DataFrame:
        return table.select(
            *KEY,
            *[
                (pl.col(i) if i in codebook.item_ids else pl.lit(0)).cast(pl.Float64).alias(f"{side}_{i}")
                for i in items
            ],
        )

    joined = hits(tables[0], old, "old").join(hits(tables[1], new, "new"), on=KEY, how="inner", maintain_order="left")
    only_old = tables[0].join(tables[1], on=KEY, how="anti").height
    only_new = tables[1].join(tables[0], on=KEY, how="anti").height
    parts = [
        joined.filter((pl.col(f"old_{i}") > 0) != (pl.col(f"new_{i}") > 0)).select(
            *KEY,
            pl.lit(i).alias("item"),
            pl.when(pl.col(f"new_{i}") > 0).then(pl.lit("gained")).otherwise(pl.lit("lost")).alias("change"),
            pl.col(f"old_{i}").alias("old_hits"),
            pl.col(f"new_{i}").alias("new_hits"),
        )
        for i in items
    ]
    changes = pl.concat(parts).sort(KEY, maintain_order=True)
    changes = changes.join(tables[1].select(*KEY, "text"), on=KEY, how="left", maintain_order="left")
    docs = changes.select("doc_id").unique()
    for side, codebook in (("old", old), ("new", new)):
        fired = _rules_fired(frame.join(docs, on="doc_id", how="semi"), codebook, unit, date_column)
        fired = fired.with_columns(pl.col("unit").cast(changes.schema["unit"])).rename({"rules": f"{side}_rules"})
        changes = changes.join(fired, on=[*KEY, "item"], how="left", maintain_order="left")
    changes = changes.select(*KEY, "item", "change", "old_hits", "new_hits", "old_rules", "new_rules", "text")
    return CodebookDiff(changes, _moved_shares(tables, (old, new), by), only_old, only_new)


def _rules_fired(frame: pl.DataFrame, codebook: Codebook, unit: str | None, date_column: str | None) -> pl.DataFrame:
    """Per unit and item: the rules whose matches count there, as the codebook writes them, joined by '; '."""
    units = split_units(frame.lazy(), codebook, unit)
    schema = {"doc_id": pl.String, "unit": pl.Int64, "item": pl.String, "rules": pl.String}
    if units.height == 0:
        return pl.DataFrame(schema=schema)
    compiled = [c for c in compile_codebook(codebook) if c.all_rules]
    events = counting_events(with_tokens(units, codebook, date_column), codebook, compiled)
    labels = pl.DataFrame(
        [(c.item.id, k, rule_label(c, k)) for c in compiled for k in range(len(c.all_rules))],
        schema={"item": pl.String, "rule": pl.UInt32, "label": pl.String},
        orient="row",
    )
    keys = units.select("doc_id", pl.col("unit").cast(pl.Int64)).with_row_index("_row")
    return (
        events.join(labels, on=["item", "rule"], how="left")
        .group_by("_row", "item")
        .agg(pl.col("label").unique(maintain_order=True).str.join("; ").alias("rules"))
        .join(keys, on="_row", how="left")
        .select(*KEY, "item", "rules")
        .cast(schema)
    )


def _moved_shares(tables: list[pl.DataFrame], codebooks: tuple[Codebook, Codebook], by: list[str]) -> pl.DataFrame:
    """Units shares of every item under each version (no interval), side by side, by group."""
    keep = [*by, "item", "label", "units", "units_with_item", "share"]
    old, new = (shares(t, cb, by=by, ci="none").select(keep) for t, cb in zip(tables, codebooks))
    both = old.join(new, on=[*by, "item"], how="full", coalesce=True, suffix="_new", maintain_order="left_right")
    return both.select(
        *by,
        "item",
        pl.coalesce("label", "label_new").alias("label"),
        pl.col("units").alias("old_units"),
        pl.col("units_new").alias("new_units"),
        pl.col("units_with_item").fill_null(0).alias("old_units_with_item"),
        pl.col("units_with_item_new").fill_null(0).alias("new_units_with_item"),
        pl.col("share").alias("old_share"),
        pl.col("share_new").alias("new_share"),
        (pl.col("share_new").fill_null(0) - pl.col("share").fill_null(0)).alias("change"),
    )


def format_diff(result: CodebookDiff) -> str:
    """What changed, for a terminal: counts, the shares that move, and the first changed units."""
    from agenda.display import render

    gained = result.units.filter(pl.col("change") == "gained").height
    lost = result.units.height - gained
    lines = [f"units gained: {gained}, lost: {lost} (unit and item pairs)"]
    if result.units_only_old or result.units_only_new:
        lines.append(f"units kept by one version only: old {result.units_only_old}, new {result.units_only_new}")
    moved = result.shares.filter(pl.col("change").abs() > 0)
    if moved.height:
        shown = moved.drop("label").with_columns(pl.col("old_share", "new_share", "change").round(4))
        lines.append(render(shown, str_lengths=40, width=200))
    if result.units.height:
        shown = result.units.head(20).select(
            *KEY, "item", "change", "old_rules", "new_rules", pl.col("text").str.slice(0, 60)
        )
        lines.append(render(shown, str_lengths=60, width=220))
        if result.units.height > 20:
            lines.append(f"... and {result.units.height - 20} more (write them with -o)")
    if not result.changed:
        lines.append("no change")
    return "\n".join(lines)
