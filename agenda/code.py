"""Code units with a codebook: hits per item, the number of items, and the primary item."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from agenda import given_units
from agenda.codebook import Codebook, load_codebook
from agenda.corpus import BATCH_BYTES, Corpus, batch_pieces, check_columns, check_ids, text_bytes
from agenda.engine.context import add_context
from agenda.engine.events import item_events
from agenda.engine.match import DATE, TEXT_CS, add_hits, add_token_columns, compile_codebook
from agenda.engine.normalize import add_tokens
from agenda.engine.segment import DROP_REASONS, DROPPED, WORDS, dropped_provenance, n_words, segment
from agenda.errors import AgendaError
from agenda.export import Written
from agenda.rollup import rolled_up, rolled_up_long, whole_counts


def min_hits_columns(codebook: Codebook) -> list[pl.Expr]:
    """Hits below an item's min_hits count as 0: the unit is not coded for it (weighted hits too: 0.5 < 1)."""
    whole = {c.item.id for c in compile_codebook(codebook) if c.integral}
    return [
        pl.when(pl.col(item.id) >= item.min_hits)
        .then(pl.col(item.id))
        .otherwise(0)
        .cast(pl.UInt32 if item.id in whole else pl.Float64)
        .alias(item.id)
        for item in codebook.items
        if item.min_hits > 1 or item.id not in whole
    ]


def primary_column(codebook: Codebook) -> pl.Expr:
    """The item with the most hits; ties go to the item listed first; null when none."""
    ids = codebook.item_ids
    most = pl.max_horizontal(*ids)
    expr = pl.when(most == 0).then(pl.lit(None, dtype=pl.String))
    for item_id in ids:
        expr = expr.when(pl.col(item_id) == most).then(pl.lit(item_id))
    return expr.otherwise(pl.lit(None, dtype=pl.String)).alias("primary")


def with_dates(units: pl.LazyFrame, codebook: Codebook, date_column: str | None) -> pl.LazyFrame:
    """Units with the column DATE (a date) that rules with date bounds read; unchanged without such rules.

    The date comes from date_column (default `date`): a Date, a Datetime, or ISO text (YYYY-MM-DD...);
    a value that is not a date is no date, and a rule with bounds does not hold there.
    """
    dated = [item for item in codebook.items if item.dated]
    if not dated:
        return units
    name = date_column or "date"
    schema = units.collect_schema()
    if name not in schema:
        rule = next((r for r in dated[0].rules + dated[0].exclude if r.since or r.until), None)
        what = f"rule {rule.display!r}" if rule else "its from/until"
        columns = ", ".join(c for c in schema.names() if not c.startswith("_agenda"))
        raise AgendaError(
            f"{codebook.source}: item {dated[0].id!r}: {what} has date bounds, but the corpus has no date column "
            f"{name!r} (give one with --date-column; columns: {columns})"
        )
    column, dtype = pl.col(name), schema[name]
    if dtype == pl.Date:
        day = column
    elif isinstance(dtype, pl.Datetime):
        day = column.dt.date()
    elif dtype == pl.String:
        day = column.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    else:
        raise AgendaError(f"date column {name!r} holds {dtype}, not dates")
    return units.with_columns(day.alias(DATE))


def _item_dates(codebook: Codebook) -> list[pl.Expr]:
    """An item with date bounds of its own has no hits outside them."""
    out = []
    for item in codebook.items:
        if item.since is None and item.until is None:
            continue
        inside = pl.col(DATE).is_not_null()
        if item.since:
            inside &= pl.col(DATE) >= item.since
        if item.until:
            inside &= pl.col(DATE) <= item.until
        out.append(pl.when(inside).then(pl.col(item.id)).otherwise(pl.col(item.id) * 0).alias(item.id))
    return out


def _hits(units: pl.LazyFrame, codebook: Codebook, date_column: str | None) -> pl.DataFrame:
    """Units with every item's hits: terms and patterns, the rule language, dates, context and min_hits."""
    units = with_dates(add_token_columns(units, codebook, case_kept=False), codebook, date_column)
    raw = add_hits(units.collect(), codebook).with_columns(*_item_dates(codebook))  # outside its dates, no licence
    coded = add_context(raw, codebook).with_columns(*_item_dates(codebook)).with_columns(min_hits_columns(codebook))
    return coded.with_columns(  # a unit not coded for an item has no context hits for it either
        pl.when(pl.col(c.removesuffix("_context")) > 0).then(pl.col(c)).otherwise(0.0).alias(c)
        for c in context_columns(codebook)
    )


def context_columns(codebook: Codebook) -> list[str]:
    """The `<item>_context` columns of the wide table: items with context rules."""
    return [f"{item.id}_context" for item in codebook.items if item.context_rules]


def check_item_columns(columns: list[str], codebook: Codebook) -> None:
    """A corpus column named like an item would be replaced by the item's hits column: an error naming both."""
    for column in columns:
        if column in codebook.item_ids:
            raise AgendaError(
                f"corpus column {column!r} has the name of the hits column of item {column!r} of {codebook.source}; "
                "rename the corpus column"
            )


def code_units(
    units: pl.LazyFrame | pl.DataFrame, codebook: Codebook, keep_text: bool = False, date_column: str | None = None
) -> pl.LazyFrame:
    """The wide coded table for units that are already split (doc_id, unit, metadata, text), rows of whole documents."""
    units = units.lazy()
    columns = units.collect_schema().names()
    check_columns([c for c in columns if c not in ("unit", WORDS)], "the units")  # unit and WORDS come from segment
    check_item_columns(columns, codebook)
    contexts = context_columns(codebook)
    clash = [c for c in columns if c in contexts]
    if clash:
        raise AgendaError(f"corpus column {clash[0]!r} has the name of a coded column (context hits); rename it")
    meta = [c for c in columns if c not in ("doc_id", "unit", "text", WORDS)]
    words = pl.col(WORDS) if WORDS in columns else n_words(pl.col("text"))
    ids = codebook.item_ids
    coded = (
        _hits(units, codebook, date_column)
        .lazy()
        .with_columns(words.alias("n_words"), primary_column(codebook))  # the primary item from own hits
        .with_columns(rolled_up(codebook))
        .with_columns(pl.sum_horizontal(pl.col(i) > 0 for i in ids).cast(pl.Int32).alias("n_items"))
    )
    whole = whole_counts(codebook, {c.item.id for c in compile_codebook(codebook) if c.integral})
    text = ["text"] if keep_text else []
    counts = pl.col("unit", "n_words", *[i for i in ids if i in whole]).cast(pl.Int32)  # integers in R and Stata
    context = [pl.col(c).cast(pl.Int32 if c.removesuffix("_context") in whole else pl.Float64) for c in contexts]
    return coded.select("doc_id", "unit", *meta, *text, "n_words", *ids, *context, "n_items", "primary").with_columns(
        counts
    )


def with_dropped(
    units: pl.DataFrame, codebook: Codebook, keep_text: bool = False, date_column: str | None = None
) -> pl.DataFrame:
    """The wide table of units with a DROPPED reason column: kept units coded, dropped ones with no codes.

    A `dropped` column (null for kept units) follows `primary`; rows stay in the units' order.
    """
    if "dropped" in units.columns:
        raise AgendaError("corpus column 'dropped' has the name of the column --keep-dropped makes; rename it")
    kept = units.filter(pl.col(DROPPED).is_null()).drop(DROPPED)
    out = units.filter(pl.col(DROPPED).is_not_null())
    words = pl.col(WORDS) if WORDS in out.columns else n_words(pl.col("text"))
    meta = [c for c in units.columns if c not in ("doc_id", "unit", "text", WORDS, DROPPED)]
    whole = whole_counts(codebook, {c.item.id for c in compile_codebook(codebook) if c.integral})
    nothing = [
        pl.lit(None, pl.Int32 if c.removesuffix("_context") in whole else pl.Float64).alias(c)
        for c in [*codebook.item_ids, *context_columns(codebook)]
    ]
    out = out.select(
        "doc_id",
        pl.col("unit").cast(pl.Int32),
        *meta,
        *(["text"] if keep_text else []),
        words.cast(pl.Int32).alias("n_words"),
        *nothing,
        pl.lit(None, pl.Int32).alias("n_items"),
        pl.lit(None, pl.String).alias("primary"),
        pl.col(DROPPED).alias("dropped"),
    )
    if kept.height:
        coded = code_units(kept, codebook, keep_text, date_column).collect()
        out = pl.concat([coded.with_columns(pl.lit(None, pl.String).alias("dropped")), out], how="diagonal_relaxed")
    order = units.select("doc_id", pl.col("unit").cast(pl.Int32)).with_row_index("_order")
    return out.join(order, on=["doc_id", "unit"]).sort("_order").drop("_order")


def long_units(
    units: pl.LazyFrame | pl.DataFrame, codebook: Codebook, date_column: str | None = None, all_units: bool = False
) -> pl.LazyFrame:
    """The tidy table: one row per unit and coded item (doc_id, unit, metadata, item, hits, terms).

    Hits come from the same count as the wide table; the matched terms are the match events of the
    units coded for the item. With context rules in the codebook, a `context` column holds the
    hits that came from context. Parents are rolled up as in the wide table (agenda.rollup).
    With all_units, a unit coded for no item has one row with an empty item and 0 hits, so
    shares can be computed from the long table alone.
    """
    schema = units.lazy().collect_schema()
    meta = [c for c in schema.names() if c not in ("doc_id", "unit", "text", WORDS)]
    units = _hits(units.lazy().with_row_index("_row"), codebook, date_column)
    contexts = context_columns(codebook)
    parts = []
    for compiled in compile_codebook(codebook):
        item_id = compiled.item.id
        coded = units.filter(pl.col(item_id) > 0)
        if coded.height == 0:
            continue
        if compiled.case_sensitive:
            coded = add_tokens(coded.lazy(), "text", TEXT_CS, True, codebook.joins).collect()
        from_context = coded[f"{item_id}_context"] if f"{item_id}_context" in coded.columns else None
        found = item_events(coded, compiled, dates=coded[DATE] if DATE in coded.columns else None)
        counting = found.filter(pl.col("excluded_by").is_null())
        if from_context is not None:  # context events count only where licensed
            licensed = pl.Series(from_context > 0).gather(counting["_row"])
            counting = counting.filter(~pl.col("context") | licensed)
        else:
            counting = counting.filter(~pl.col("context"))
        terms = counting.group_by("_row").agg(pl.col("matched").unique().sort().str.join("; ").alias("terms"))
        table = coded.with_row_index("_local").join(terms, left_on="_local", right_on="_row", how="left")
        extra = [pl.col(f"{item_id}_context").alias("context")] if from_context is not None else []
        extra += [pl.lit(0).alias("context")] if contexts and from_context is None else []
        hits_type = pl.Int32 if compiled.integral else pl.Float64
        hits = pl.col(item_id).cast(hits_type)
        parts.append(
            table.select(
                "_row",
                "doc_id",
                pl.col("unit").cast(pl.Int32),
                *meta,
                pl.lit(item_id).alias("item"),
                hits.alias("hits"),
                pl.col("terms").fill_null(""),
                *[e.cast(hits_type) for e in extra],
            )
        )
    empty = {"_row": pl.UInt32, "doc_id": pl.String, "unit": pl.Int32, **{c: schema[c] for c in meta}}
    empty |= {"item": pl.String, "hits": pl.Int32, "terms": pl.String} | ({"context": pl.Float64} if contexts else {})
    long = rolled_up_long(pl.concat(parts, how="diagonal_relaxed"), codebook) if parts else pl.DataFrame(schema=empty)
    if all_units:
        uncoded = units.filter(~pl.col("_row").is_in(long["_row"].implode())).select(
            "_row", "doc_id", pl.col("unit").cast(pl.Int32), *meta, pl.lit(0, long.schema["hits"]).alias("hits")
        )
        long = pl.concat([long, uncoded.with_columns(pl.lit("").alias("terms"))], how="diagonal_relaxed")
    if long.height == 0:
        return long.drop("_row").lazy()
    order = {item_id: i for i, item_id in enumerate(codebook.item_ids)}
    return (
        long.lazy()
        .with_columns(pl.col("item").replace_strict(order, default=None, return_dtype=pl.UInt32).alias("_order"))
        .sort("_row", "_order")
        .drop("_row", "_order")
    )


def coverage(coded: pl.DataFrame, codebook: Codebook) -> pl.DataFrame:
    """Per item: units coded, their share of all units, and hits, from a wide coded table."""
    ids = codebook.item_ids
    return pl.DataFrame(
        {
            "item": ids,
            "label": [item.label for item in codebook.items],
            "units": [int((coded[i] > 0).sum()) for i in ids],
            "share": [round(float((coded[i] > 0).mean() or 0.0), 3) for i in ids],
            "hits": [int(coded[i].sum()) for i in ids],
        }
    )


BATCH_UNITS = 200_000


def whole_documents(units: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    """Units cut into parts of about size rows, never inside a document (context rules read a whole one)."""
    if units.height <= size:
        return [units]
    starts = units.select(
        (pl.col("doc_id") != pl.col("doc_id").shift(1)).fill_null(True).alias("_start"),
        pl.int_range(pl.len()).alias("_i"),
    )
    part = pl.when("_start").then(pl.col("_i") // size).forward_fill()
    return units.with_columns(starts.select(part.alias("_part"))["_part"]).partition_by(
        "_part", maintain_order=True, include_key=False
    )


WORKERS = 2  # batches coded at once


def code_documents(
    docs: pl.DataFrame,
    codebook: Codebook,
    split: str,
    long: bool,
    keep_text: bool,
    date_column: str | None,
    all_units: bool = False,
    keep_dropped: bool = False,
    dropped: dict[str, int] | None = None,
) -> list[tuple[pl.DataFrame, int, int]]:
    """A frame of whole documents split and coded: (coded table, units, bytes of unit text) per part of units.

    The units dropped are counted by reason into `dropped` when given (see code_batches).
    """
    units = segment(
        docs, split, codebook.units["min_words"], codebook.units["drop"], word_counts=not long, reasons=True
    ).collect()
    if dropped is not None:
        for reason, n in units[DROPPED].drop_nulls().value_counts().iter_rows():
            dropped[reason] = dropped.get(reason, 0) + n
    if not keep_dropped:
        units = units.filter(pl.col(DROPPED).is_null()).drop(DROPPED)
    parts = []
    for batch in whole_documents(units, BATCH_UNITS):
        if long:
            table = long_units(batch, codebook, date_column, all_units).collect()
        elif keep_dropped:
            table = with_dropped(batch, codebook, keep_text, date_column)
        else:
            table = code_units(batch, codebook, keep_text, date_column).collect()
        parts.append((table, batch.height, batch["text"].str.len_bytes().sum()))
    return parts


class FrameBatches:
    """A frame of documents in batches of whole rows of about batch_bytes of text, read as a `Corpus` is.

    With unit_column, each row is a unit of the document in doc_id, numbered by that column.
    """

    def __init__(self, frame: pl.DataFrame, batch_bytes: int = BATCH_BYTES, unit_column: str | None = None):
        for column in ("doc_id", "text", *([unit_column] if unit_column else [])):
            if column not in frame.columns:
                raise AgendaError(f"the corpus frame has no {column!r} column (columns: {', '.join(frame.columns)})")
        check_columns([c for c in frame.columns if c != unit_column], "the corpus frame")
        if unit_column:
            frame = frame.rename({unit_column: "unit"})
            given_units.check_units(frame, "the corpus frame", frame["doc_id"].clear())
        else:
            check_ids(frame["doc_id"], "the corpus frame", "the corpus frame")
        self.frame = frame
        self.size = text_bytes(frame)
        self.batch_bytes = batch_bytes
        self.read = 0

    def __iter__(self) -> Iterator[pl.DataFrame]:
        self.read = 0
        for _, piece in batch_pieces(self.frame, self.batch_bytes):
            self.read += text_bytes(piece)
            yield piece
        if self.frame.height == 0:
            yield self.frame


def code_batches(
    corpus: pl.DataFrame | pl.LazyFrame | Corpus | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    unit: str | None = None,
    long: bool = False,
    keep_text: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    batch_bytes: int = BATCH_BYTES,
    date_column: str | None = None,
    all_units: bool = False,
    keep_dropped: bool = False,
    dropped: dict[str, int] | None = None,
    **read_options: str,
) -> Iterator[pl.DataFrame]:
    """Code a corpus batch by batch: yields the coded table (wide, or long with long=True) in parts.

    corpus is a frame with doc_id and text, a `Corpus`, or paths read as
    `Corpus(paths, batch_bytes=batch_bytes, **read_options)`: batches of whole documents of about
    batch_bytes of text each, so memory stays bounded however large the corpus. Units are
    numbered within their document, so the parts concatenate to the same table whatever the
    batch size. progress(units_done, units_total, bytes_done) is called after each part; while
    the corpus is being read units_total is an estimate (from the share of the input read), and
    the last call, once all is read, has units_total == units_done. date_column (default `date`)
    gives the dates that rules with date bounds read. all_units (with long) keeps the units coded
    for no item, as rows with an empty item. The units dropped (empty, boilerplate, min_words) are
    counted by reason into the dict `dropped` when given; keep_dropped keeps them in the wide
    table, uncoded, with the reason in a `dropped` column.
    """
    if all_units and not long:
        raise AgendaError("--all-units applies to the long table (--long): the wide one has every unit")
    if keep_dropped and long:
        raise AgendaError("--keep-dropped applies to the wide table: leave out --long")
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    if isinstance(corpus, (pl.DataFrame, pl.LazyFrame)):
        unit_column = read_options.get("unit_column")
        reader: Corpus | FrameBatches = FrameBatches(corpus.lazy().collect(), batch_bytes, unit_column)
    else:
        reader = corpus if isinstance(corpus, Corpus) else Corpus(corpus, batch_bytes=batch_bytes, **read_options)
    split = unit or codebook.units["split"]
    compile_codebook(codebook)  # once, before the workers share it

    def code_docs(docs: pl.DataFrame) -> list[tuple[pl.DataFrame, int, int]]:
        return code_documents(docs, codebook, split, long, keep_text, date_column, all_units, keep_dropped, dropped)

    units_done = bytes_done = reported = read_done = submitted = 0
    pending: deque[tuple[Future, int]] = deque()  # each batch with the bytes of input it took
    # Batches are coded by WORKERS threads at once (polars releases the GIL), in input order.
    with ThreadPoolExecutor(WORKERS) as pool:
        try:
            batches_left = iter(reader)
            upcoming = next(batches_left, None)
            upcoming_read = min(reader.read, reader.size)
            while True:
                while len(pending) < WORKERS + 1 and upcoming is not None:
                    docs, read = upcoming, upcoming_read
                    upcoming = next(batches_left, None)
                    upcoming_read = min(reader.read, reader.size)
                    # The last batch is cut in parts, one a worker, so that they finish together.
                    last = upcoming is None and docs.height > 1
                    parts = [p for _, p in batch_pieces(docs, text_bytes(docs) // WORKERS + 1)] if last else [docs]
                    for k, part in enumerate(parts):
                        pending.append((pool.submit(code_docs, part), read - submitted if k == 0 else 0))
                    submitted = read
                    del docs, parts
                if not pending:
                    break
                future, taken = pending.popleft()
                read_done += taken
                for table, n_units, n_bytes in future.result():
                    yield table
                    units_done += n_units
                    bytes_done += n_bytes
                    # An estimate from the share of the input coded so far; exact in the last call.
                    share = read_done / reader.size if reader.size else 0
                    total = max(units_done + 1, round(units_done / share)) if share else units_done + 1
                    if progress:
                        progress(units_done, total, bytes_done)
                        reported = total
        finally:
            for future, _ in pending:
                future.cancel()
    if units_done == 0:
        raise AgendaError("the corpus is empty: no units left after splitting and dropping boilerplate")
    if progress and reported != units_done:
        progress(units_done, units_done, bytes_done)


def code(
    corpus: pl.DataFrame | pl.LazyFrame | Corpus | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    unit: str | None = None,
    long: bool = False,
    keep_text: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    date_column: str | None = None,
    all_units: bool = False,
    keep_dropped: bool = False,
    **read_options: str,
) -> pl.DataFrame:
    """Split a corpus into units and code them: the wide table, or the long one with long=True.

    corpus is a frame with doc_id and text, or paths read with `read_corpus(**read_options)`;
    codebook is a Codebook or the path of a YAML codebook. Units are coded in batches;
    progress(units_done, units_total, bytes_done) is called after each (see code_batches).
    The whole table is returned in memory; `code_to` writes it batch by batch instead.

    >>> coded = agenda.code("examples/corpus", "codebook/us-russia-2021.yaml")
    """
    batches = code_batches(
        corpus,
        codebook,
        unit,
        long,
        keep_text,
        progress,
        date_column=date_column,
        all_units=all_units,
        keep_dropped=keep_dropped,
        **read_options,
    )
    return pl.concat(list(batches))


def code_to(
    corpus: pl.DataFrame | pl.LazyFrame | Corpus | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    out: str | Path,
    fmt: str | None = None,
    unit: str | None = None,
    long: bool = False,
    keep_text: bool = False,
    progress: Callable[[int, int, int], None] | None = None,
    batch_bytes: int = BATCH_BYTES,
    date_column: str | None = None,
    all_units: bool = False,
    keep_dropped: bool = False,
    **read_options: str,
) -> Written:
    """Code a corpus and write the coded table to out (.csv, .parquet, .dta, .sav, or - for CSV on stdout).

    The corpus streams through in batches of whole documents (see code_batches) and the table is
    written as it comes (see agenda.stream.TableSink), so a corpus larger than memory can be
    coded; the output is renamed into place only when all of it is written. Returns the files
    written, with `.rows` (rows written), `.codebook`, `.coverage` (per item: units, share,
    hits; None for the long table) and `.dropped` (units dropped, by reason; also in the provenance).

    >>> agenda.code_to("archive.csv", "codebook/us-russia-2021.yaml", "coded.parquet").rows
    """
    from agenda.export import output_files
    from agenda.safe_write import check_outputs
    from agenda.stream import TableSink

    sources = [*(corpus if isinstance(corpus, list) else [corpus]), codebook]
    check_outputs(output_files(out, fmt), [p for p in sources if isinstance(p, (str, Path))])  # and the suffix
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    ids = codebook.item_ids
    units, hits = dict.fromkeys(ids, 0), dict.fromkeys(ids, 0)
    with TableSink(out, codebook.provenance(), fmt, codebook=codebook) as sink:
        dropped: dict[str, int] = {}
        batches = code_batches(
            corpus,
            codebook,
            unit,
            long,
            keep_text,
            progress,
            batch_bytes,
            date_column,
            all_units,
            keep_dropped,
            dropped,
            **read_options,
        )
        for table in batches:
            sink.write(table)
            if not long:
                counts = table.select(
                    *[(pl.col(i) > 0).sum().alias(f"u_{i}") for i in ids], *[pl.col(i).sum() for i in ids]
                )
                for i in ids:
                    units[i] += counts[f"u_{i}"][0]
                    hits[i] += counts[i][0]
        sink.provenance = {**sink.provenance, **dropped_provenance(dropped)}
        written = sink.close()
    written.rows = sink.rows
    written.codebook = codebook
    written.dropped = {r: dropped.get(r, 0) for r in DROP_REASONS}
    written.coverage = None
    if not long:
        coded_rows = sink.rows - (sum(dropped.values()) if keep_dropped else 0)
        written.coverage = pl.DataFrame(
            {
                "item": ids,
                "label": [item.label for item in codebook.items],
                "units": [units[i] for i in ids],
                "share": [round(units[i] / coded_rows, 3) if coded_rows else 0.0 for i in ids],
                "hits": [hits[i] for i in ids],
            }
        )
    return written
