"""Code units with a codebook: hits per item, the number of items, and the primary item."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, load_codebook
from agenda.corpus import BATCH_BYTES, Corpus, batch_pieces, check_columns, check_ids, text_bytes
from agenda.errors import AgendaError
from agenda.export import Written
from agenda.match import TEXT_CS, add_hits, add_token_columns, compile_codebook
from agenda.normalize import add_tokens
from agenda.segment import WORDS, n_words, segment


def min_hits_columns(codebook: Codebook) -> list[pl.Expr]:
    """Hits below an item's min_hits count as 0: the unit is not coded for it."""
    return [
        pl.when(pl.col(item.id) >= item.min_hits).then(pl.col(item.id)).otherwise(0).cast(pl.UInt32).alias(item.id)
        for item in codebook.items
        if item.min_hits > 1
    ]


def primary_column(codebook: Codebook) -> pl.Expr:
    """The item with the most hits; ties go to the item listed first; null when none."""
    ids = codebook.item_ids
    most = pl.max_horizontal(*ids)
    expr = pl.when(most == 0).then(pl.lit(None, dtype=pl.String))
    for item_id in ids:
        expr = expr.when(pl.col(item_id) == most).then(pl.lit(item_id))
    return expr.otherwise(pl.lit(None, dtype=pl.String)).alias("primary")


def check_item_columns(columns: list[str], codebook: Codebook) -> None:
    """A corpus column named like an item would be replaced by the item's hits column: an error naming both."""
    for column in columns:
        if column in codebook.item_ids:
            raise AgendaError(
                f"corpus column {column!r} has the name of the hits column of item {column!r} of {codebook.source}; "
                "rename the corpus column"
            )


def code_units(units: pl.LazyFrame | pl.DataFrame, codebook: Codebook, keep_text: bool = False) -> pl.LazyFrame:
    """The wide coded table for units that are already split (doc_id, unit, metadata, text)."""
    units = units.lazy()
    columns = units.collect_schema().names()
    check_columns([c for c in columns if c not in ("unit", WORDS)], "the units")  # unit and WORDS come from segment
    check_item_columns(columns, codebook)
    meta = [c for c in columns if c not in ("doc_id", "unit", "text", WORDS)]
    words = pl.col(WORDS) if WORDS in columns else n_words(pl.col("text"))
    ids = codebook.item_ids
    coded = (
        add_hits(add_token_columns(units, codebook, case_kept=False).collect(), codebook)
        .lazy()
        .with_columns(words.alias("n_words"), *min_hits_columns(codebook))
        .with_columns(
            pl.sum_horizontal(pl.col(i) > 0 for i in ids).cast(pl.Int32).alias("n_items"),
            primary_column(codebook),
        )
    )
    text = ["text"] if keep_text else []
    counts = pl.col("unit", "n_words", *ids).cast(pl.Int32)  # integers in R and Stata alike
    return coded.select("doc_id", "unit", *meta, *text, "n_words", *ids, "n_items", "primary").with_columns(counts)


def long_units(units: pl.LazyFrame | pl.DataFrame, codebook: Codebook) -> pl.LazyFrame:
    """The tidy table: one row per unit and coded item, with the matched terms.

    Hits come from the same count as the wide table; the matched text is extracted only in
    the units coded for the item.
    """
    units = add_token_columns(units.lazy().with_row_index("_row"), codebook, case_kept=False).collect()
    units = add_hits(units, codebook).with_columns(min_hits_columns(codebook))
    parts = []
    for compiled in compile_codebook(codebook):
        coded = units.filter(pl.col(compiled.item.id) > 0)
        if coded.height == 0:
            continue
        if compiled.case_sensitive:
            coded = add_tokens(coded.lazy(), "text", TEXT_CS, True, codebook.join_hyphens).collect()
        terms = compiled.matched().list.eval(pl.element().str.replace_all(" +", " ")).list.unique().list.sort()
        parts.append(
            coded.select(
                "_row",
                "doc_id",
                pl.col("unit").cast(pl.Int32),
                pl.lit(compiled.item.id).alias("item"),
                pl.col(compiled.item.id).cast(pl.Int32).alias("hits"),
                terms.list.join("; ").alias("terms"),
            )
        )
    if not parts:
        schema = {"doc_id": pl.String, "unit": pl.Int32, "item": pl.String, "hits": pl.Int32, "terms": pl.String}
        return pl.LazyFrame(schema=schema)
    order = {item_id: i for i, item_id in enumerate(codebook.item_ids)}
    return (
        pl.concat(parts)
        .lazy()
        .with_columns(pl.col("item").replace_strict(order, return_dtype=pl.UInt32).alias("_order"))
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
WORKERS = 2  # batches coded at once


class FrameBatches:
    """A frame of documents in batches of whole rows of about batch_bytes of text, read as a `Corpus` is."""

    def __init__(self, frame: pl.DataFrame, batch_bytes: int = BATCH_BYTES):
        for column in ("doc_id", "text"):
            if column not in frame.columns:
                raise AgendaError(f"the corpus frame has no {column!r} column (columns: {', '.join(frame.columns)})")
        check_columns(frame.columns, "the corpus frame")
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
    **read_options: str,
) -> Iterator[pl.DataFrame]:
    """Code a corpus batch by batch: yields the coded table (wide, or long with long=True) in parts.

    corpus is a frame with doc_id and text, a `Corpus`, or paths read as
    `Corpus(paths, batch_bytes=batch_bytes, **read_options)`: batches of whole documents of about
    batch_bytes of text each, so memory stays bounded however large the corpus. Units are
    numbered within their document, so the parts concatenate to the same table whatever the
    batch size. progress(units_done, units_total, bytes_done) is called after each part; while
    the corpus is being read units_total is an estimate (from the share of the input read), and
    the last call, once all is read, has units_total == units_done.
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    if isinstance(corpus, (pl.DataFrame, pl.LazyFrame)):
        reader: Corpus | FrameBatches = FrameBatches(corpus.lazy().collect(), batch_bytes)
    else:
        reader = corpus if isinstance(corpus, Corpus) else Corpus(corpus, batch_bytes=batch_bytes, **read_options)
    split = unit or codebook.units["split"]
    compile_codebook(codebook)  # once, before the workers share it

    def code_docs(docs: pl.DataFrame) -> list[tuple[pl.DataFrame, int, int]]:
        units = segment(
            docs, split, codebook.units["min_words"], codebook.units["drop"], word_counts=not long
        ).collect()
        parts = []
        for start in range(0, units.height, BATCH_UNITS):
            batch = units.slice(start, BATCH_UNITS)
            table = long_units(batch, codebook) if long else code_units(batch, codebook, keep_text)
            parts.append((table.collect(), batch.height, batch["text"].str.len_bytes().sum()))
        return parts

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
    **read_options: str,
) -> pl.DataFrame:
    """Split a corpus into units and code them: the wide table, or the long one with long=True.

    corpus is a frame with doc_id and text, or paths read with `read_corpus(**read_options)`;
    codebook is a Codebook or the path of a YAML codebook. Units are coded in batches;
    progress(units_done, units_total, bytes_done) is called after each (see code_batches).
    The whole table is returned in memory; `code_to` writes it batch by batch instead.

    >>> coded = agenda.code("examples/corpus", "codebook/us-russia-2021.yaml")
    """
    return pl.concat(list(code_batches(corpus, codebook, unit, long, keep_text, progress, **read_options)))


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
    **read_options: str,
) -> Written:
    """Code a corpus and write the coded table to out (.csv, .parquet, .dta, .sav, or - for CSV on stdout).

    The corpus streams through in batches of whole documents (see code_batches) and the table is
    written as it comes (see agenda.stream.TableSink), so a corpus larger than memory can be
    coded; the output is renamed into place only when all of it is written. Returns the files
    written, with `.rows` (rows written), `.codebook`, and `.coverage` (per item: units, share,
    hits; None for the long table).

    >>> agenda.code_to("archive.csv", "codebook/us-russia-2021.yaml", "coded.parquet").rows
    """
    from agenda.export import table_format
    from agenda.stream import TableSink

    table_format(out, fmt)  # fail on a bad suffix before the work
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    ids = codebook.item_ids
    units, hits = dict.fromkeys(ids, 0), dict.fromkeys(ids, 0)
    with TableSink(out, codebook.provenance(), fmt, codebook=codebook) as sink:
        for table in code_batches(corpus, codebook, unit, long, keep_text, progress, batch_bytes, **read_options):
            sink.write(table)
            if not long:
                counts = table.select(
                    *[(pl.col(i) > 0).sum().alias(f"u_{i}") for i in ids], *[pl.col(i).sum() for i in ids]
                )
                for i in ids:
                    units[i] += counts[f"u_{i}"][0]
                    hits[i] += counts[i][0]
        written = sink.close()
    written.rows = sink.rows
    written.codebook = codebook
    written.coverage = None
    if not long:
        written.coverage = pl.DataFrame(
            {
                "item": ids,
                "label": [item.label for item in codebook.items],
                "units": [units[i] for i in ids],
                "share": [round(units[i] / sink.rows, 3) if sink.rows else 0.0 for i in ids],
                "hits": [hits[i] for i in ids],
            }
        )
    return written
