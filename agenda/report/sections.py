"""The report's sections, each built from the coded table (and the corpus or gold codes when given).

Every table is bounded whatever the corpus's size: groups (the largest MAX_GROUPS), periods (made
coarser past MAX_PERIODS), kwic lines (a seeded sample per item), disagreements (a seeded sample
per item and kind) and their texts (cut at MAX_TEXT characters).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import polars as pl

from agenda.codebook import Codebook
from agenda.engine.segment import WORDS, drop_regex, segment
from agenda.errors import AgendaError
from agenda.report.page import Chart, Heading, Section, Table, Text, inline_svg
from agenda.shares import shares

MAX_GROUPS = 25
MAX_PERIODS = 60
PERIODS = ("month", "quarter", "year")
MAX_TEXT = 400
MAX_KWIC = 200  # characters of each part of a kwic line
SHARE_COLUMNS = ("share", "ci_low", "ci_high")


def svg_chart(table: pl.DataFrame, codebook: Codebook, kind: str) -> str:
    """A shares table drawn by agenda.plot as an SVG element (text kept as text)."""
    import matplotlib

    from agenda.plot import RC, plot_shares

    fig = plot_shares(table, codebook=codebook, kind=kind, ci="bootstrap")
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "agenda"})
    fig.clear()
    return inline_svg(buffer.getvalue())


def cut(column: str, width: int = MAX_TEXT) -> pl.Expr:
    """A text column cut at `width` characters, an ellipsis marking the cut."""
    text = pl.col(column).cast(pl.String)
    return pl.when(text.str.len_chars() > width).then(text.str.slice(0, width - 1) + "\u2026").otherwise(text)


def overview(coded: pl.DataFrame, dropped: pl.DataFrame | None, gaps: int) -> Section:
    """Documents, units, words, units with any item, and the units dropped before coding."""
    frame = coded.select(
        pl.col("doc_id").n_unique().cast(pl.Int64).alias("documents"),
        pl.len().cast(pl.Int64).alias("units"),
        pl.col("n_words").sum().cast(pl.Int64).alias("words"),
        (pl.col("n_items") > 0).sum().cast(pl.Int64).alias("units_with_any_item"),
        (pl.col("n_items") > 0).mean().alias("share_with_any_item"),
    )
    table = Table("overview", "The coded table", frame, percent=("share_with_any_item",))
    section = Section("overview", "Overview", [table])
    if dropped is not None:
        note = "Units of the corpus that were not coded, by the codebook's unit rules."
        section.blocks.append(Table("dropped", "Units dropped", dropped, note, ("share_of_units",)))
    else:
        section.blocks.append(
            Text(
                f"Units missing from the numbering of the coded table (dropped as boilerplate or too short): "
                f"at least {gaps:,}. Give the corpus (--corpus) to count them by reason."
            )
        )
    return section


def unit_gaps(coded: pl.DataFrame) -> int:
    """Unit numbers below a document's last coded unit that are not in the table (dropped units)."""
    per_doc = coded.group_by("doc_id").agg(pl.col("unit").max().alias("last"), pl.col("unit").n_unique().alias("n"))
    return int((per_doc["last"] - per_doc["n"]).sum() or 0)


def dropped_counts(frame: pl.DataFrame, codebook: Codebook, split: str) -> tuple[int, int, int]:
    """Of a batch of documents: units too short for min_words, units a drop pattern matches, and all units."""
    units = segment(frame.lazy(), split, word_counts=True).select(WORDS, "text").collect()
    pattern = drop_regex(codebook.units["drop"])
    short = pl.col(WORDS) < codebook.units["min_words"]
    boilerplate = pl.col("text").str.contains(pattern) if pattern else pl.lit(False)
    return units.select(short.sum().alias("short"), (~short & boilerplate).sum().alias("drop"), pl.len()).row(0)


def dropped_units(counts: list[tuple[int, int, int]], codebook: Codebook) -> pl.DataFrame:
    """Units of the corpus that `code` does not code, by why (from dropped_counts of every batch)."""
    short, boilerplate, total = (sum(c[k] for c in counts) for k in range(3))
    return pl.DataFrame(
        {
            "reason": [
                f"fewer than {codebook.units['min_words']} words (min_words)",
                "a drop pattern matches (boilerplate)",
            ],
            "units": [short, boilerplate],
            "share_of_units": [short / total if total else None, boilerplate / total if total else None],
        },
        schema={"reason": pl.String, "units": pl.Int64, "share_of_units": pl.Float64},
    )


def item_totals(coded: pl.DataFrame, codebook: Codebook, overall: pl.DataFrame) -> pl.DataFrame:
    """Per item: its share with the interval (from `shares`), its hits and the documents it is in."""
    ids = codebook.item_ids
    counts = coded.select(
        *[pl.col(i).sum().cast(pl.Int64).alias(f"h_{i}") for i in ids],
        *[pl.col("doc_id").filter(pl.col(i) > 0).n_unique().alias(f"d_{i}") for i in ids],
    ).row(0, named=True)
    extra = pl.DataFrame(
        {"item": ids, "hits": [counts[f"h_{i}"] for i in ids], "docs_with_item": [counts[f"d_{i}"] for i in ids]},
        schema={"item": pl.String, "hits": pl.Int64, "docs_with_item": pl.Int64},
    )
    return overall.select("item", "label", "units", "units_with_item", *SHARE_COLUMNS).join(
        extra, on="item", how="left", maintain_order="left"
    )


def overlap(coded: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Pairs of items coded in the same units: how many, as a share of each item's units, and Jaccard's index."""
    ids = codebook.item_ids
    pairs = [(a, b) for k, a in enumerate(ids) for b in ids[k + 1 :]]
    schema = {
        "item_a": pl.String,
        "item_b": pl.String,
        "units_both": pl.Int64,
        "share_of_a": pl.Float64,
        "share_of_b": pl.Float64,
        "jaccard": pl.Float64,
    }
    if not pairs:
        return pl.DataFrame(schema=schema)
    flags = coded.select(*[(pl.col(i) > 0).alias(i) for i in ids])
    sums = flags.select(
        *[pl.col(i).sum().alias(f"n_{i}") for i in ids],
        *[(pl.col(a) & pl.col(b)).sum().alias(f"b_{k}") for k, (a, b) in enumerate(pairs)],
    ).row(0, named=True)
    rows = []
    for k, (a, b) in enumerate(pairs):
        both, na, nb = sums[f"b_{k}"], sums[f"n_{a}"], sums[f"n_{b}"]
        if both:
            rows.append((a, b, both, both / na, both / nb, both / (na + nb - both)))
    table = pl.DataFrame(rows, schema=schema, orient="row")
    return table.sort("units_both", "item_a", "item_b", descending=[True, False, False])


def drawn(share: float, seed: int) -> pl.Expr:
    """Documents drawn with probability `share`, by a seeded hash of doc_id: the same whatever the batches."""
    return pl.col("doc_id").hash(seed=seed).cast(pl.Float64) < share * 2.0**64


def sample_note(sample: pl.DataFrame, documents: int, size: int, seed: int) -> str:
    """What the sample of documents holds, for the page."""
    text = int(sample["text"].str.len_bytes().sum() or 0)
    return (
        f"From a random sample of {sample.height:,} of {documents:,} documents "
        f"({text / 1e6:,.1f} MB of text of {size / 1e6:,.1f} MB read, seed {seed}; --sample-mb 0 reads them all)."
    )


def overlap_section(coded: pl.DataFrame, codebook: Codebook) -> Section:
    note = "Pairs of items coded in the same units (their own columns; pairs never coded together are left out)."
    table = Table(
        "overlap", "Units coded for two items", overlap(coded, codebook), note, ("share_of_a", "share_of_b", "jaccard")
    )
    return Section("overlap", "Item overlap", [table])


def group_shares(
    coded: pl.DataFrame, codebook: Codebook, by: list[str], resamples: int, seed: int
) -> tuple[pl.DataFrame, str]:
    """Shares by group, for the largest MAX_GROUPS groups (by units); and a note on what was left out."""
    sizes = coded.group_by(by).len().sort(["len", *by], descending=[True, *[False] * len(by)], nulls_last=True)
    note = f"{sizes.height:,} groups."
    if sizes.height > MAX_GROUPS:
        note = f"The {MAX_GROUPS} largest of {sizes.height:,} groups (by units)."
        coded = coded.join(sizes.head(MAX_GROUPS).select(by), on=by, how="semi", nulls_equal=True)
    return shares(coded, codebook, by=by, resamples=resamples, seed=seed), note


def period_shares(
    coded: pl.DataFrame, codebook: Codebook, period: str | None, date_column: str, resamples: int, seed: int
) -> tuple[pl.DataFrame, str]:
    """Shares by period: the one asked for, else the finest of month, quarter, year with at most MAX_PERIODS."""
    tried = [period] if period else list(PERIODS)
    tried += [p for p in PERIODS if p not in tried and (not period or PERIODS.index(p) > PERIODS.index(period))]
    for name in tried:
        plain = shares(coded, codebook, period=name, date_column=date_column, ci="none")
        count = plain["period"].n_unique()
        if count <= MAX_PERIODS or name == tried[-1]:
            note = f"{count:,} {name}s of column {date_column!r}."
            if period and name != period:
                note += f" By {name}: by {period} there would be more than {MAX_PERIODS} periods."
            table = shares(coded, codebook, period=name, date_column=date_column, resamples=resamples, seed=seed)
            return table, note
    raise AssertionError("unreachable")


def shares_sections(
    coded: pl.DataFrame,
    codebook: Codebook,
    by: list[str],
    period: str | None,
    date_column: str,
    resamples: int,
    seed: int,
    progress: Callable[[str], None],
) -> tuple[Section, Section, pl.DataFrame]:
    """The items (shares with intervals, a bar chart), and shares by group and by period (charts and tables)."""
    progress("shares with bootstrap intervals")
    overall = shares(coded, codebook, resamples=resamples, seed=seed)
    ci = f"{resamples:,} bootstrap resamples of documents, 95% percentile interval (seed {seed})."
    totals = item_totals(coded, codebook, overall)
    items = Section(
        "items",
        "Items",
        [
            Chart("Share of units per item, with its interval.", svg_chart(overall, codebook, "bar")),
            Table("items", "Share of units per item", totals, "Interval: " + ci, SHARE_COLUMNS),
        ],
    )
    groups = Section("shares", "Shares by group and period")
    if by:
        table, note = group_shares(coded, codebook, by, resamples, seed)
        kind = "grouped" if table.select(by).n_unique() <= 4 else "heatmap"
        groups.blocks.append(
            Chart(f"Share of units per item by {', '.join(by)}. {note}", svg_chart(table, codebook, kind))
        )
        groups.blocks.append(Table("by-group", f"Shares by {', '.join(by)}", _shares_rows(table), note, SHARE_COLUMNS))
    else:
        groups.blocks.append(Text("No group column (such as source) in the coded table; name one with --by."))
    if date_column in coded.columns:
        try:
            table, note = period_shares(coded, codebook, period, date_column, resamples, seed)
        except AgendaError as exc:
            groups.blocks.append(Text(f"No shares by period: {exc}"))
        else:
            groups.blocks.append(
                Chart(f"Share of units per item over time. {note}", svg_chart(table, codebook, "timeline"))
            )
            groups.blocks.append(Table("by-period", "Shares by period", _shares_rows(table), note, SHARE_COLUMNS))
    else:
        groups.blocks.append(Text(f"No date column {date_column!r} in the coded table: no shares by period."))
    return items, groups, totals


def _shares_rows(table: pl.DataFrame) -> pl.DataFrame:
    keep = [c for c in table.columns if c not in ("measure", "label", "parent")]
    return table.select(keep)


def item_sections(
    codebook: Codebook,
    totals: pl.DataFrame,
    rule_table: pl.DataFrame | None,
    lines: pl.DataFrame | None,
    kwic_lines: int,
    seed: int,
    sampled: str = "",
) -> Section:
    """Per item: its share, its rules by hits, the rules that never fired, and a sample of its matches."""
    section = Section("per-item", "Per item")
    if rule_table is None:
        section.blocks.append(Text("Give the corpus (--corpus) to see each item's rules and its matches in context."))
    elif sampled:
        section.blocks.append(Text("Rules by hits and matches in context: " + sampled))
    by_item = {row["item"]: row for row in totals.iter_rows(named=True)}
    for item in codebook.items:
        row = by_item[item.id]
        share = "\u2013" if row["share"] is None else f"{row['share']:.1%}"
        interval = "" if row["ci_low"] is None else f" [{row['ci_low']:.1%}, {row['ci_high']:.1%}]"
        section.blocks.append(Heading(f"{item.label} ({item.id})", f"item-{item.id}"))
        section.blocks.append(
            Text(
                f"{row['units_with_item']:,} of {row['units']:,} units, {share}{interval}; "
                f"{row['hits']:,} hits in {row['docs_with_item']:,} documents."
            )
        )
        if rule_table is None:
            continue
        mine = rule_table.filter((pl.col("item") == item.id) & ~pl.col("never_fires")).drop("item", "never_fires")
        mine = mine.sort("hits", descending=True, maintain_order=True)
        note = "Its rules and exclusions that matched, by hits (the others are under Rules that never fired)."
        section.blocks.append(Table(f"rules-{item.id}", "Rules by hits", mine, note))
        shown = lines.filter(pl.col("item") == item.id).drop("item") if lines is not None else None
        if shown is not None:
            note = f"A random sample of at most {kwic_lines} of its matches that count (seed {seed})."
            section.blocks.append(Table(f"kwic-{item.id}", "Matches in context", shown, note))
    return section


def never_fired(rule_table: pl.DataFrame, sampled: str = "") -> Section:
    """Rules with no hit and exclusions that never applied."""
    never = rule_table.filter("never_fires").select("item", "kind", "rule", "language")
    note = "Rules (and exclusions, kind exclude) with no match in the corpus."
    if sampled:
        note = "Rules (and exclusions, kind exclude) with no match in the sample. " + sampled
    return Section("never", "Rules that never fired", [Table("never-fired", "Never fired", never, note)])


def agreement_section(result, seed: int, per_item: int) -> Section:
    """Precision, recall and F1 per item against the gold codes, and a sample of the disagreements."""
    measures = [f"{m}{s}" for m in ("precision", "recall", "f1") for s in ("", "_lo", "_hi")]
    keep = ["item", *(["label"] if "label" in result.items.columns else []), "gold", "coded", "both", *measures]
    items = result.items.select(keep)
    note = f"{result.units:,} units in {result.documents:,} documents are in both tables; intervals: bootstrap."
    section = Section(
        "validity", "Validity against the gold codes", [Table("agreement", "Per item", items, note, tuple(measures))]
    )
    section.blocks.append(Table("agreement-overall", "Overall", result.overall, "", ("value", "lo", "hi")))
    errors = result.disagreements.with_columns(
        pl.when(pl.col("coded") > pl.col("gold"))
        .then(pl.lit("false positive"))
        .otherwise(pl.lit("false negative"))
        .alias("error")
    )
    total = errors.height
    sample = errors.filter(pl.int_range(pl.len()).shuffle(seed=seed).over("item", "error") < per_item)
    columns = [c for c in ("doc_id", "unit", "item", "error", "hits", "terms", "text") if c in sample.columns]
    sample = sample.select(columns)
    if "text" in sample.columns:
        sample = sample.with_columns(cut("text"))
    note = (
        f"{total:,} disagreements; shown: at most {per_item} false positives and {per_item} false negatives per item."
    )
    if "text" not in columns:
        note += " Give the corpus (--corpus) to see their text."
    section.blocks.append(Table("disagreements", "False positives and false negatives", sample, note))
    return section


def pick_by(coded: pl.DataFrame, by: Sequence[str] | str | None) -> list[str]:
    """The group columns: those given, else `source` when the table has it."""
    if by is None:
        return ["source"] if "source" in coded.columns else []
    by = [by] if isinstance(by, str) else list(by)
    for column in by:
        if column not in coded.columns:
            raise AgendaError(f"--by {column}: no such column in the coded table (columns: {', '.join(coded.columns)})")
    return by
