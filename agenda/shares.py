"""Agenda shares: how much attention each item gets, by group and period, with an interval.

Measures (one row a group and item; the README states them for a methods paragraph):
- units: the share of units coded for the item (multi-label, so shares need not sum to 1);
- words: the same, with every unit weighted by its number of words;
- primary: the share of units whose primary item it is, with a `none` row for units coded for
  no item; the rows of top-level items and `none` sum to 1.
A parent item counts a unit when the unit is coded for the parent or any of its descendants.
The interval is a percentile bootstrap that resamples clusters of units (documents, or the values
of a given cluster column) within each group, or a Wilson score interval that treats units as
independent. Intervals from fewer than MIN_CLUSTERS clusters are flagged (`few_clusters`): a
bootstrap over two or three documents cannot see how much documents vary.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

from agenda.codebook import Codebook, Item, load_codebook
from agenda.errors import AgendaError
from agenda.rollup import descendants
from agenda.shipped import CODEBOOKS

MEASURES = ("units", "words", "primary")
CIS = ("none", "bootstrap", "wilson")
PERIODS = {"day": "1d", "week": "1w", "month": "1mo", "quarter": "3mo", "year": "1y", "decade": "10y"}
MIN_CLUSTERS = 5  # fewer clusters than this in a group: its interval is flagged as unreliable
REQUIRED = ("doc_id", "n_words", "n_items", "primary")
NONE = "none"
NONE_LABEL = "No item"
PROVENANCE_KEYS = ("codebook", "codebook_version", "codebook_sha256", "agenda_version")
_CELLS = 4_000_000  # bounds the bootstrap's working arrays (floats)
FROM_COLUMNS = " (items from its columns)"  # the source of a codebook made from a table's columns
MAX_FILLED_PERIODS = 10_000  # empty periods are listed up to this many periods in all (27 years of days)
_MONTHS = {"1mo": 1, "3mo": 3, "1y": 12, "10y": 120}


def scan_coded(path: str | Path) -> tuple[pl.LazyFrame, dict[str, str]]:
    """Scan a coded table (CSV, Parquet, or a coded dataset's folder) lazily; returns it with its provenance."""
    path = Path(path)
    if path.is_dir():  # a coded dataset of `agenda code --dask/--shard`
        from agenda.dataset import scan_dataset

        return scan_dataset(path)
    if not path.is_file():
        raise AgendaError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            frame = pl.scan_parquet(path)
            meta = pl.read_parquet_metadata(path)
            provenance = {k: meta[k] for k in (*PROVENANCE_KEYS, "items") if k in meta}
        elif suffix in (".csv", ".tsv"):
            frame = pl.scan_csv(
                path,
                separator="\t" if suffix == ".tsv" else ",",
                infer_schema_length=10000,
                try_parse_dates=True,
                schema_overrides={"doc_id": pl.String, "primary": pl.String},
            )
            provenance = _meta_json(path)
        else:
            raise AgendaError(f"{path}: unknown table format {suffix or '(no suffix)'!r}; use .csv or .parquet")
        frame.collect_schema()
    except AgendaError:
        raise
    except Exception as exc:  # polars and pyarrow report bad files in several classes
        raise _bad_file(path, exc) from None
    return frame, provenance


def _meta_json(path: Path) -> dict[str, str]:
    meta_path = path.with_name(path.name + ".meta.json")
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(meta, dict):
        return {}
    provenance = {k: str(meta[k]) for k in PROVENANCE_KEYS if k in meta}
    if isinstance(meta.get("items"), list):
        provenance["items"] = json.dumps(meta["items"], ensure_ascii=False)
    return provenance


def _bad_file(path: Path | str, exc: Exception) -> AgendaError:
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
    return AgendaError(f"{path}: cannot read the coded table: {first}")


def item_columns(columns: Sequence[str]) -> list[str]:
    """The item columns of a wide coded table: those between n_words and n_items."""
    columns = list(columns)
    if "n_words" in columns and "n_items" in columns:
        return columns[columns.index("n_words") + 1 : columns.index("n_items")]
    return []


def check_coded(columns: Sequence[str], source: str) -> None:
    """Fail unless the columns are those of a wide coded table from `agenda code`."""
    columns = list(columns)
    if {"item", "hits", "terms"} <= set(columns) and "n_items" not in columns:
        raise AgendaError(
            f"{source}: this is a long coded table; shares need the wide one (agenda code without --long)"
        )
    for name in REQUIRED:
        if name not in columns:
            raise AgendaError(f"{source}: not a coded table from `agenda code` (no column {name!r})")


def resolve_codebook(
    codebook: Codebook | str | Path | None,
    columns: Sequence[str],
    provenance: dict[str, str] | None = None,
    source: str | Path = "<coded table>",
) -> Codebook:
    """The codebook for a coded table: the one given, else the file its provenance names, else its columns.

    Without a codebook, agenda looks for `<codebook id>.yaml` beside the table, in ./codebook and
    among the codebooks shipped with agenda, and uses it only when its sha256 matches the
    table's provenance. Failing that, the items are the table's item columns, labelled by id.
    """
    if isinstance(codebook, Codebook):
        found = codebook
    elif codebook is not None:
        found = load_codebook(codebook)
    else:
        found = _find_codebook(provenance or {}, source) or _codebook_from_columns(columns, provenance or {}, source)
    missing = [item_id for item_id in found.item_ids if item_id not in columns]
    if missing:
        raise AgendaError(
            f"{source}: no column for item {missing[0]!r} of codebook {found.id}; was it coded with another codebook?"
        )
    return found


def _find_codebook(provenance: dict[str, str], source: str | Path) -> Codebook | None:
    import hashlib

    cid, sha = provenance.get("codebook", ""), provenance.get("codebook_sha256", "")
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", cid) or not sha:
        return None
    for folder in (Path(source).parent, Path.cwd() / "codebook", CODEBOOKS):
        candidate = folder / f"{cid}.yaml"
        try:
            if hashlib.sha256(candidate.read_bytes()).hexdigest() == sha:
                return load_codebook(candidate)
        except OSError:
            continue
    return None


def _codebook_from_columns(columns: Sequence[str], provenance: dict[str, str], source: str | Path) -> Codebook:
    ids = item_columns(columns)
    if not ids:
        raise AgendaError(f"{source}: no item columns between n_words and n_items; name the codebook with -c")
    labels: dict[str, str] = {}
    try:  # `agenda code` records the items' labels in the table's metadata
        labels = {str(i["id"]): str(i["label"]) for i in json.loads(provenance.get("items", "[]"))}
    except (ValueError, TypeError, KeyError):
        pass
    return Codebook(
        id=provenance.get("codebook", "unknown"),
        version=provenance.get("codebook_version", ""),
        title=provenance.get("codebook", "unknown"),
        items=tuple(Item(id=item_id, code=i + 1, label=labels.get(item_id, item_id)) for i, item_id in enumerate(ids)),
        source=f"{source}{FROM_COLUMNS}",
        sha256=provenance.get("codebook_sha256", ""),
    )


def _period(
    schema: pl.Schema, date_column: str, period: str | None, bins: Sequence[int] | None, source: str
) -> pl.Expr:
    """The first day of each unit's period: from dates, datetimes, ISO text or integer years.

    An integer column is read as years (1789); `decade` starts periods at years ending in 0;
    `bins` (sorted years) starts a period at each given year, and a unit before the first is null.
    """
    if period is not None and period not in PERIODS:
        raise AgendaError(f"unknown period {period!r} (use {', '.join(PERIODS)})")
    if date_column not in schema:
        raise AgendaError(f"{source}: no date column {date_column!r} (columns: {', '.join(schema.names())})")
    dtype, column = schema[date_column], pl.col(date_column)
    if dtype == pl.Date:
        date = column
    elif isinstance(dtype, pl.Datetime):
        date = column.dt.date()
    elif dtype == pl.String:
        text = column.str.strip_chars()
        date = pl.coalesce(text.str.to_date(strict=False), text.str.to_datetime(strict=False).dt.date())
    elif dtype.is_integer():
        if period not in (None, "year", "decade"):
            raise AgendaError(f"{source}: column {date_column!r} holds years (integers); --period {period} needs dates")
        date = pl.date(column.cast(pl.Int32), 1, 1)
    else:
        raise AgendaError(f"{source}: column {date_column!r} holds {dtype}, not dates or years")
    if bins is None:
        return date.dt.truncate(PERIODS[period or "year"])
    year = date.dt.year()
    start = pl.when(year < bins[0]).then(pl.lit(None, pl.Int32))
    for edge in reversed(bins):
        start = start.when(year >= edge).then(pl.lit(edge, pl.Int32))
    return pl.date(start.otherwise(None), 1, 1)


def check_bins(bins: Sequence[int] | str | None) -> list[int] | None:
    """Custom periods as years: `1789,1861,1933` (or a list), strictly increasing."""
    if bins is None:
        return None
    if isinstance(bins, str):
        try:
            bins = [int(b) for b in bins.split(",") if b.strip()]
        except ValueError:
            raise AgendaError(f"--bins takes years separated by commas (1789,1861,1933), not {bins!r}") from None
    bins = list(bins)
    if not bins or any(not 1 <= b <= 9999 for b in bins) or any(a >= b for a, b in zip(bins, bins[1:])):
        raise AgendaError(f"--bins needs increasing years between 1 and 9999, not {','.join(map(str, bins))}")
    return bins


def shares(
    coded: pl.DataFrame | pl.LazyFrame | str | Path,
    codebook: Codebook | str | Path | None = None,
    by: Sequence[str] | str = (),
    period: str | None = None,
    date_column: str = "date",
    measure: str = "units",
    ci: str = "bootstrap",
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    cluster: str | None = None,
    bins: Sequence[int] | str | None = None,
    per: str | None = None,
) -> pl.DataFrame:
    """Agenda shares of a wide coded table, one row a group and item.

    Columns: the `by` columns, `period` (the first day of each period) when `period` or `bins`
    is given, measure, item, label, parent, docs, clusters, units, units_with_item, words,
    (words_with_item for the words measure), share, ci_low, ci_high, few_clusters, hits (the
    item's hits column summed) and per_1000_words (1000 * hits / words). Periods
    without units inside the observed range get rows with units 0 and a null share, so a
    timeline shows the gap. The bootstrap resamples the values of `cluster` (default doc_id);
    few_clusters is true where an interval rests on fewer than MIN_CLUSTERS clusters.
    per="document" gives one row a document and item (with the metadata that is constant within
    documents) and no interval: the counts table, as quanteda's dfm_lookup gives per document.

    >>> agenda.shares("coded.csv", "codebook/us-russia-2021.yaml", by="source", ci="wilson")
    """
    if measure not in MEASURES:
        raise AgendaError(f"unknown measure {measure!r} (use {', '.join(MEASURES)})")
    if ci not in CIS:
        raise AgendaError(f"unknown interval {ci!r} (use {', '.join(CIS)})")
    if ci == "wilson" and measure == "words":
        raise AgendaError("the Wilson interval counts units; use --ci bootstrap for the words measure")
    if not 0 < level < 1:
        raise AgendaError(f"the interval level must lie between 0 and 1, not {level}")
    if ci == "bootstrap" and resamples < 1:
        raise AgendaError(f"the bootstrap needs at least 1 resample, not {resamples}")
    by = [by] if isinstance(by, str) else list(by)
    bins = check_bins(bins)
    if cluster and ci == "wilson":
        raise AgendaError("the Wilson interval treats units as independent; --cluster applies to --ci bootstrap")
    cluster = cluster or "doc_id"
    provenance: dict[str, str] = {}
    source = "coded table"
    sums = None
    if isinstance(coded, (str, Path)):
        source = str(coded)
        coded, provenance = scan_coded(coded)
        if Path(source).is_dir():  # a coded dataset: its per-document sums, when they have the by columns
            from agenda.dataset import scan_sums

            sums = scan_sums(source)
    frame = coded.lazy()
    schema = frame.collect_schema()
    check_coded(schema.names(), source)
    codebook = resolve_codebook(codebook, schema.names(), provenance, source)
    if "dropped" in schema:  # units kept by --keep-dropped are not coded: they are not in any share
        frame = frame.filter(pl.col("dropped").is_null())
    if per is not None:
        if per != "document":
            raise AgendaError(f"unknown --per {per!r} (use document)")
        if by or period or bins:
            raise AgendaError("--per document groups by document: leave out --by, --period and --bins")
        by, ci = ["doc_id", *_document_metadata(frame, schema, source)], "none"
    for column in by:
        if column not in schema:
            raise AgendaError(f"{source}: no column {column!r} to group by (columns: {', '.join(schema.names())})")
    if len(set(by)) < len(by):
        raise AgendaError("a --by column is given twice")
    clash = next((c for c in by if c in SHARES_COLUMNS), None)
    if clash:
        raise AgendaError(f"{source}: --by {clash}: the shares table has a column of that name; rename the column")
    if cluster not in schema:
        raise AgendaError(f"{source}: no cluster column {cluster!r} (columns: {', '.join(schema.names())})")
    if period and bins:
        raise AgendaError("give --period or --bins, not both")
    groups = list(by)
    extra: list[pl.Expr] = [pl.col(cluster).cast(pl.String).alias("_cluster")]
    if period or bins:
        if "period" in by:
            raise AgendaError("--by period clashes with the period column; rename that column")
        extra.append(_period(schema, date_column, period, bins, source).alias("period"))
        extra.append(pl.col(date_column).cast(pl.String).alias("_dated"))
        groups.append("period")
    # The sums count parents with their descendants: only the coding codebook itself may read them.
    coding = codebook.sha256 == provenance.get("codebook_sha256") and not codebook.source.endswith(FROM_COLUMNS)
    if sums is not None and coding and {*by, cluster} <= set(sums.collect_schema().names()):
        units = _document_indicators(sums, codebook, measure, by, extra)
    else:
        units = _unit_indicators(frame, codebook, measure, groups, extra, source)
    rows = [*descendants(codebook)] + ([NONE] if measure == "primary" else [])
    if period or bins:
        _check_dates(units, date_column, source, bins)
        units = units.drop("_dated")
    table = _aggregate(units, groups, rows, measure)
    if period:
        table = _fill_periods(table, by, rows, PERIODS[period])
    elif bins:
        table = _fill_periods(table, by, rows, None, bins)
    if ci == "bootstrap":
        table = _with_bootstrap(table, units, groups, rows, measure, resamples, seed, level)
    else:
        table = _with_interval(table, ci, level)
    return _finish(table, codebook, groups, rows, measure)


def _unit_indicators(
    frame: pl.LazyFrame, codebook: Codebook, measure: str, groups: list[str], extra: list[pl.Expr], source: str
) -> pl.DataFrame:
    """One row a unit: groups, doc_id, n_words and a 0/1 column per output row."""
    indicators = []
    for item_id, members in descendants(codebook).items():
        if measure == "primary":
            flag = pl.col("primary").is_in(members)
        else:
            flag = pl.any_horizontal(pl.col(m) > 0 for m in members)
        indicators.append(flag.fill_null(False).cast(pl.UInt8).alias(f"_i_{item_id}"))
    if measure == "primary":
        indicators.append(pl.col("primary").is_null().cast(pl.UInt8).alias(f"_i_{NONE}"))
    indicators += [pl.col(i).cast(pl.Float64).fill_null(0).alias(f"_h_{i}") for i in codebook.item_ids]
    by = [g for g in groups if g != "period"]
    try:
        base = [pl.col("doc_id").cast(pl.String), pl.col("n_words").cast(pl.Int64)]
        kept = [pl.col(c) for c in by if c not in ("doc_id", "n_words")]
        return frame.select(*kept, *extra, *base, *indicators).collect()
    except Exception as exc:  # a malformed CSV shows itself only when it is read
        raise _bad_file(source, exc) from None


SUMS = {"units": "with_", "words": "with_", "primary": "primary_"}  # the per-document sums of each measure


def document_sums(coded: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Per document of a wide coded table, the sums its shares are made of (they merge by concatenation).

    Columns: doc_id, units, n_words, and for every row of the shares (item, with its descendants;
    none for primary) with_<row> (units coded for it), words_with_<row> (their words) and
    primary_<row> (units whose primary item it is). `shares` of a coded dataset reads these in
    place of the units, with the same results: sums of the same integers, documents in the same order.
    """
    frame = coded.lazy()
    flags = _unit_indicators(frame, codebook, "units", [], [], "coded table")
    primary = _unit_indicators(frame, codebook, "primary", [], [], "coded table")
    rows = list(descendants(codebook))
    primary = primary.select(pl.col(f"_i_{r}").alias(f"_p_{r}") for r in [*rows, NONE])
    return (
        pl.concat([flags, primary], how="horizontal")
        .group_by("doc_id", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("units"),
            pl.col("n_words").sum(),
            *[pl.col(f"_i_{r}").cast(pl.Int64).sum().alias(f"with_{r}") for r in rows],
            *[(pl.col(f"_i_{r}").cast(pl.Int64) * pl.col("n_words")).sum().alias(f"words_with_{r}") for r in rows],
            *[pl.col(f"_p_{r}").cast(pl.Int64).sum().alias(f"primary_{r}") for r in [*rows, NONE]],
        )
    )


def _document_indicators(
    sums: pl.LazyFrame, codebook: Codebook, measure: str, by: list[str], extra: list[pl.Expr]
) -> pl.DataFrame:
    """The per-document sums as `_unit_indicators` gives units: one row a document, `_units` its units."""
    rows = [*descendants(codebook)] + ([NONE] if measure == "primary" else [])
    words = [pl.col(f"words_with_{r}").alias(f"_w_{r}") for r in rows if measure != "primary"]
    kept = [pl.col(c) for c in by if c not in ("doc_id", "n_words")]
    return (
        sums.filter(pl.col("units") > 0)
        .select(
            *kept,
            *extra,
            pl.col("doc_id").cast(pl.String),
            pl.col("n_words").cast(pl.Int64),
            pl.col("units").alias("_units"),
            *[pl.col(f"{SUMS[measure]}{r}").alias(f"_i_{r}") for r in rows],
            *words,
            *[pl.col(f"hits_{i}").cast(pl.Float64).alias(f"_h_{i}") for i in codebook.item_ids],
        )
        .collect()
    )


def _document_metadata(frame: pl.LazyFrame, schema: pl.Schema, source: str) -> list[str]:
    """The metadata columns (between unit and n_words) that hold one value in each document."""
    names = schema.names()
    start = names.index("unit") + 1 if "unit" in names else 1
    meta = [c for c in names[start : names.index("n_words")] if c not in ("doc_id", "text")]
    if not meta:
        return []
    try:
        counts = frame.group_by("doc_id").agg(pl.col(meta).n_unique()).select(pl.col(meta).max()).collect()
    except Exception as exc:
        raise _bad_file(source, exc) from None
    return [c for c in meta if (counts[c][0] or 0) <= 1]


def _check_dates(units: pl.DataFrame, date_column: str, source: str, bins: list[int] | None = None) -> None:
    bad = units.filter(pl.col("period").is_null())
    if bad.height:
        unparsed = bad.filter(pl.col("_dated").is_not_null())
        if unparsed.height == 0:
            doc = bad["doc_id"][0]
            raise AgendaError(f"{source}: column {date_column!r} is empty for {bad.height} units (document {doc!r})")
        doc, value = unparsed["doc_id"][0], unparsed["_dated"][0]
        if bins:
            raise AgendaError(
                f"{source}: column {date_column!r}: {value!r} (document {doc!r}) is before the first of --bins, "
                f"{bins[0]}; {bad.height} units are; start the bins earlier"
            )
        raise AgendaError(f"{source}: column {date_column!r}: date {value!r} does not parse (document {doc!r})")


def _aggregate(units: pl.DataFrame, groups: list[str], rows: list[str], measure: str) -> pl.DataFrame:
    """Totals per group and row: docs, units, units_with_item, words, words_with_item, share."""
    keys = groups or [pl.lit(True).alias("_all")]
    summed = "_units" in units.columns  # rows are documents with their sums (_document_indicators)

    def words_with(r: str) -> pl.Expr:
        if summed:
            return pl.col(f"_w_{r}") if f"_w_{r}" in units.columns else pl.lit(0, pl.Int64)
        return pl.col(f"_i_{r}").cast(pl.Int64) * pl.col("n_words")

    per_group = units.group_by(keys).agg(
        pl.col("doc_id").n_unique().alias("docs"),
        pl.col("_cluster").n_unique().cast(pl.Int64).alias("clusters"),
        (pl.col("_units").sum() if summed else pl.len()).cast(pl.Int64).alias("units"),
        pl.col("n_words").sum().alias("words"),
        *[pl.col(f"_i_{r}").sum().cast(pl.Int64).alias(f"_c_{r}") for r in rows],
        *[words_with(r).sum().alias(f"_w_{r}") for r in rows],
        *[pl.col(f"_h_{r}").sum().alias(f"_s_{r}") for r in rows if r != NONE],
    )
    names = [k if isinstance(k, str) else "_all" for k in keys]
    long = pl.concat(
        [
            per_group.select(
                *names,
                "docs",
                "clusters",
                "units",
                "words",
                pl.lit(r).alias("item"),
                pl.col(f"_c_{r}").alias("units_with_item"),
                pl.col(f"_w_{r}").alias("words_with_item"),
                (pl.col(f"_s_{r}") if r != NONE else pl.lit(None, pl.Float64)).alias("hits"),
            )
            for r in rows
        ]
    )
    num, den = ("words_with_item", "words") if measure == "words" else ("units_with_item", "units")
    share = pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)
    rate = pl.when(pl.col("words") > 0).then(1000 * pl.col("hits") / pl.col("words")).otherwise(None)
    return long.with_columns(share.cast(pl.Float64).alias("share"), rate.alias("per_1000_words"))


def _periods_between(first, last, every: str) -> int:
    """How many periods (of `every`, both truncated dates) run from first to last, counted without listing them."""
    if every in _MONTHS:
        return ((last.year - first.year) * 12 + last.month - first.month) // _MONTHS[every] + 1
    return (last - first).days // (7 if every == "1w" else 1) + 1


def _fill_periods(
    table: pl.DataFrame, by: list[str], rows: list[str], every: str | None, bins: list[int] | None = None
) -> pl.DataFrame:
    """Every period from the first to the last, for every observed combination of the by columns.

    When that is more than MAX_FILLED_PERIODS periods (sentinel dates such as 0001-01-01 and
    9999-12-31 span 3.65 million days), only the periods that hold units are listed. With bins,
    the periods are the bins from the first to the last that holds units.
    """
    first, last = table["period"].min(), table["period"].max()
    if bins is not None:
        starts = [dt.date(b, 1, 1) for b in bins]
        periods = pl.DataFrame({"period": [d for d in starts if first <= d <= last]}, schema={"period": pl.Date})
    elif _periods_between(first, last, every) <= MAX_FILLED_PERIODS:
        periods = pl.DataFrame({"period": pl.date_range(first, last, every, eager=True)})
    else:
        periods = table.select(pl.col("period").unique().sort())
    combos = table.select(by).unique() if by else pl.DataFrame({"_all": [True]})
    grid = combos.join(periods, how="cross").join(pl.DataFrame({"item": rows}), how="cross")
    on = [*by, "period", "item"] if by else ["_all", "period", "item"]
    if not by:
        table = table.drop("_all", strict=False).with_columns(pl.lit(True).alias("_all"))
    filled = grid.join(table, on=on, how="left", nulls_equal=True)
    zeros = ["docs", "clusters", "units", "words", "units_with_item", "words_with_item"]
    filled = filled.with_columns(pl.col(c).fill_null(0) for c in zeros)
    return filled.with_columns(pl.when(pl.col("item") != NONE).then(pl.col("hits").fill_null(0)).alias("hits"))


def _with_interval(table: pl.DataFrame, ci: str, level: float) -> pl.DataFrame:
    """No interval, or the Wilson score interval for units_with_item out of units."""
    if ci == "none":
        return table.with_columns(pl.lit(None, pl.Float64).alias("ci_low"), pl.lit(None, pl.Float64).alias("ci_high"))
    z = NormalDist().inv_cdf(0.5 + level / 2)
    n, p = pl.col("units").cast(pl.Float64), pl.col("share")
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)).sqrt()) / (1 + z * z / n)
    ok = pl.col("units") > 0
    return table.with_columns(
        pl.when(ok).then((centre - half).clip(0, 1)).alias("ci_low"),
        pl.when(ok).then((centre + half).clip(0, 1)).alias("ci_high"),
    )


def _with_bootstrap(
    table: pl.DataFrame,
    units: pl.DataFrame,
    groups: list[str],
    rows: list[str],
    measure: str,
    resamples: int,
    seed: int,
    level: float,
) -> pl.DataFrame:
    """Percentile bootstrap over clusters within each group (units of a cluster move together)."""
    keys = groups or ["_all"]
    if not groups:
        units = units.with_columns(pl.lit(True).alias("_all"))
    weight = pl.col("n_words") if measure == "words" else pl.lit(1, pl.Int64)
    summed = "_units" in units.columns  # rows are documents with their sums (_document_indicators)
    unit_count = pl.col("_units").sum() if summed else pl.len().cast(pl.Int64)

    def numerator(r: str) -> pl.Expr:
        if summed:
            return pl.col(f"_w_{r}" if measure == "words" else f"_i_{r}").cast(pl.Int64)
        return pl.col(f"_i_{r}").cast(pl.Int64) * weight

    docs = (
        units.group_by(list(dict.fromkeys([*keys, "_cluster"])))
        .agg(
            (pl.col("n_words").sum() if measure == "words" else unit_count).alias("_den"),
            *[numerator(r).sum().alias(f"_n_{r}") for r in rows],
        )
        .sort(list(dict.fromkeys([*keys, "_cluster"])), nulls_last=True)
    )
    key_frame = docs.select(keys)
    group_index = key_frame.select(pl.struct(keys).rle_id().alias("g"))["g"].to_numpy()
    n_groups = int(group_index[-1]) + 1 if len(group_index) else 0
    numerators = docs.select([f"_n_{r}" for r in rows]).to_numpy().astype(np.float64)
    denominators = docs["_den"].to_numpy().astype(np.float64)
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    low = np.full((n_groups, len(rows)), np.nan)
    high = np.full((n_groups, len(rows)), np.nan)
    sizes = np.bincount(group_index, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    per_batch = max(1, _CELLS // (resamples * len(rows)))
    for g0 in range(0, n_groups, per_batch):
        g1 = min(n_groups, g0 + per_batch)
        d0, d1 = starts[g0], starts[g1 - 1] + sizes[g1 - 1]
        draws = _resample(
            group_index[d0:d1] - g0, starts[g0:g1] - d0, sizes[g0:g1], numerators[d0:d1], denominators[d0:d1]
        )
        shares_b = np.concatenate(list(draws(resamples, rng)))  # resamples x groups x rows
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # groups whose every resample has no words
            q = np.nanquantile(shares_b, [alpha, 1 - alpha], axis=0)
        low[g0:g1], high[g0:g1] = q[0], q[1]
    single = sizes < 2  # one cluster: the bootstrap cannot see variation between clusters
    low[single], high[single] = np.nan, np.nan
    bounds = pl.concat(
        [
            key_frame.unique(maintain_order=True).with_columns(
                pl.lit(r).alias("item"),
                pl.Series("ci_low", low[:, j], nan_to_null=True),
                pl.Series("ci_high", high[:, j], nan_to_null=True),
            )
            for j, r in enumerate(rows)
        ]
    )
    if not groups:
        table = table.with_columns(pl.lit(True).alias("_all"))
    return table.join(bounds, on=[*keys, "item"], how="left", nulls_equal=True)


def _resample(group_index, starts, sizes, numerators, denominators):
    """A generator of bootstrap shares, chunk by chunk, for one batch of groups."""
    n_docs, n_rows = numerators.shape

    def draws(resamples: int, rng: np.random.Generator):
        chunk = max(1, _CELLS // (n_docs * (n_rows + 1)))
        for b0 in range(0, resamples, chunk):
            c = min(chunk, resamples - b0)
            # every document slot of a group draws one document of the same group, with replacement
            pick = starts[group_index] + (rng.random((c, n_docs)) * sizes[group_index]).astype(np.int64)
            den = np.add.reduceat(denominators[pick], starts, axis=1)
            num = np.add.reduceat(numerators[pick], starts, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                yield num / den[:, :, None]

    return draws


# The columns of a shares table after its groups, in order; no --by column may be named like one.
# words_with_item is there only for shares of words.
SHARES_COLUMNS = (
    *("measure", "item", "label", "parent", "docs", "clusters", "units", "units_with_item", "words"),
    *("words_with_item", "share", "ci_low", "ci_high", "few_clusters", "hits", "per_1000_words"),
)


def _finish(table: pl.DataFrame, codebook: Codebook, groups: list[str], rows: list[str], measure: str) -> pl.DataFrame:
    labels = {item.id: item.label for item in codebook.items} | {NONE: NONE_LABEL}
    parents = {item.id: item.parent for item in codebook.items}
    order = {r: i for i, r in enumerate(rows)}
    columns = [c for c in SHARES_COLUMNS if c != "words_with_item" or measure == "words"]
    return (
        table.with_columns(
            pl.lit(measure).alias("measure"),
            pl.col("item").replace_strict(labels, return_dtype=pl.String).alias("label"),
            pl.col("item").replace_strict(parents, default=None, return_dtype=pl.String).alias("parent"),
            pl.col("item").replace_strict(order, return_dtype=pl.UInt32).alias("_order"),
            pl.col("docs").cast(pl.Int64),
            (pl.col("ci_low").is_not_null() & (pl.col("clusters") < MIN_CLUSTERS)).alias("few_clusters"),
        )
        .sort([*groups, "_order"], nulls_last=True)
        .select(*groups, *columns)
    )


def shares_provenance(provenance: dict[str, str] | Codebook, **options: object) -> dict[str, str]:
    """Provenance for a shares table: the codebook's (or the coded table's), and the options that made it."""
    if isinstance(provenance, Codebook):
        provenance = provenance.provenance()
    base = {k: v for k, v in provenance.items() if k in PROVENANCE_KEYS}
    extra = {k: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for k, v in options.items()}
    return {**base, **{k: v for k, v in extra.items() if v not in ("", "None")}}
