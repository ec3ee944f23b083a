"""Corpora: read .txt files, folders of them, and CSV/TSV/Parquet/JSON Lines tables.

Every reader returns frames with `doc_id`, `text` and the corpus's metadata columns.
`Corpus` reads its inputs in batches of whole documents, so that a corpus larger than memory
streams through; `read_corpus` is all of them in one frame. Text is decoded strictly: a file
that is not valid in its encoding is an error naming the file and the byte offset, never
silent replacement characters.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda import given_units
from agenda.errors import AgendaError
from agenda.readable import display_name, regular_file

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
TEXT_SUFFIXES = (".txt", ".text", ".md")
METADATA_FILE = "metadata.csv"
BATCH_BYTES = 48 * 2**20  # bytes of text in a batch of documents
SCAN_ROWS = 256  # rows a table scan hands over at a time; batches are made of these
JSON_BLOCK = 8 * 2**20  # bytes of JSON Lines parsed at a time
BOM = codecs.BOM_UTF8
# Columns the coded tables make, and the prefix of agenda's internal columns: a corpus column of
# one of these names would be overwritten, so it is an error (see check_columns).
MADE_COLUMNS = {
    "unit": "the unit's number",
    "n_words": "the unit's word count",
    "n_items": "the number of items coded",
    "primary": "the primary item",
    "_row": "an internal row number",
}
INTERNAL_PREFIX = "_agenda_"
DATE_SAMPLE = 10_000  # rows of a text table that decide which columns are dates
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
NESTED = (pl.List, pl.Array, pl.Struct, pl.Binary, pl.Object)


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise AgendaError(f"unknown encoding {encoding!r}") from None


def _decode_error(source: str | Path, encoding: str, codec: str, start: int) -> AgendaError:
    hint = "; try --encoding (cp1251 and koi8-r are common in Russian archives)" if codec.startswith("utf") else ""
    return AgendaError(f"{source}: not valid {encoding} at byte {start}{hint}")


def decode(raw: bytes, encoding: str, source: str | Path) -> str:
    """Strictly decode bytes; a UTF-8 byte-order mark is dropped."""
    codec = _codec(encoding)
    try:
        return raw.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(source, encoding, codec, exc.start) from None


def check_encoding(path: Path, encoding: str, block: int = 2**24) -> None:
    """Decode a file block by block, raising the error `decode` would give, in bounded memory."""
    codec = _codec(encoding)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    with path.open("rb") as file:
        while True:
            chunk = file.read(block)
            start = offset - len(decoder.getstate()[0])  # bytes kept from the last block come first
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, encoding, codec, start + exc.start) from None
            if not chunk:
                return
            offset += len(chunk)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AgendaError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read: {exc.strerror}") from None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        raise AgendaError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read: {exc.strerror}") from None


def _polars_error(path: Path, kind: str, exc: Exception) -> AgendaError:
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
    return AgendaError(f"{path}: malformed {kind}: {first}")


def _kind_name(kind: str) -> str:
    return "JSON Lines" if kind == "jsonl" else kind.upper()


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """A text file's content, decoded strictly; a NUL character means binary content, an error."""
    raw = _read_bytes(path)
    nul = -1 if _codec(encoding).startswith(("utf-16", "utf-32")) else raw.find(b"\x00")
    text = decode(raw, encoding, path) if nul < 0 else ""
    if nul >= 0 or "\x00" in text:  # a NUL byte, before decoding if the encoding is 8-bit
        where = f" (a NUL byte at byte {nul})" if nul >= 0 else " (a NUL character)"
        raise AgendaError(f"{path}: binary content{where}, not text")
    return text


def read_text_file(path: Path, encoding: str = "utf-8", doc_id: str | None = None) -> pl.DataFrame:
    """One document from a plain-text file; doc_id defaults to the file's stem."""
    text = read_text(path, encoding)
    return pl.DataFrame({"doc_id": [doc_id or display_name(path.stem)], "text": [text]})


@dataclass
class Source:
    """One corpus input: its columns, its size in bytes, and its documents in chunks.

    chunks() yields (frame, bytes): frames of whole documents in `schema`, and the bytes of the
    input they took (an estimate for tables), for progress reports.
    """

    path: Path
    schema: pl.Schema
    size: int
    chunks: Callable[[int], Iterator[tuple[pl.DataFrame, int]]]
    # For partitions read apart (agenda.partition): a folder's file sizes and its files start..end
    # as documents; a table's columns as read, and rows so read made documents (after `before` rows).
    file_sizes: list[int] | None = None
    files: Callable[[int, int], pl.DataFrame] | None = None
    read_schema: pl.Schema | None = None
    rows: Callable[[pl.DataFrame, int], pl.DataFrame] | None = None


def text_source(path: Path, encoding: str = "utf-8") -> Source:
    """A plain-text file (a regular one: `open_source` checks): one document, one chunk."""
    size = _size(path)
    schema = pl.Schema({"doc_id": pl.String, "text": pl.String})
    return Source(path, schema, size, lambda batch_bytes: iter([(read_text_file(path, encoding), size)]))


def folder_source(folder: Path, encoding: str = "utf-8", infer_types: bool = False) -> Source:
    """Every .txt file under folder (recursively), read in chunks of files.

    doc_id is the relative path without suffix (bytes of a file name that are not UTF-8 escaped
    by `display_name`). A `metadata.csv` in the folder, keyed by a `file` (file name) or `doc_id`
    column, adds columns.
    """
    _codec(encoding)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    rels = [p.relative_to(folder) for p in files]
    names = [display_name(r.as_posix()) for r in rels]
    ids = [display_name(r.with_suffix("").as_posix()) for r in rels]
    sizes = [_size(p) for p in files]
    schema = {"doc_id": pl.String, "text": pl.String, "_file": pl.String}
    meta, on = None, None
    meta_path = folder / METADATA_FILE
    if meta_path.exists():
        meta = read_table(meta_path, encoding, text_column=None, id_column=None, infer_types=infer_types)
        key = "file" if "file" in meta.columns else "doc_id" if "doc_id" in meta.columns else None
        if key is None:
            raise AgendaError(f"{meta_path}: needs a 'file' or 'doc_id' column to match documents")
        made = {"text": "the documents' text", "doc_id": "the doc_id made from the file name"}
        for column, what in made.items():
            if column in meta.columns and column != key:
                raise AgendaError(f"{meta_path}: column {column!r} would replace {what}; rename it")
        meta = meta.with_columns(pl.col(key).cast(pl.String))
        unknown = set(meta[key].to_list()) - set(names if key == "file" else ids)
        if unknown:
            raise AgendaError(f"{meta_path}: no document for {key} {sorted(unknown)[0]!r}")
        on = "_file" if key == "file" else "doc_id"
        meta = meta.rename({key: on})

    def frame(start: int, end: int) -> pl.DataFrame:
        rows = {
            "doc_id": ids[start:end],
            "text": [read_text(p, encoding) for p in files[start:end]],
            "_file": names[start:end],
        }
        docs = pl.DataFrame(rows, schema=schema)
        if meta is not None:
            docs = docs.join(meta, on=on, how="left", maintain_order="left")
        return docs.drop("_file")

    def chunks(batch_bytes: int) -> Iterator[tuple[pl.DataFrame, int]]:
        start, taken = 0, 0
        for i, size in enumerate(sizes):
            taken += size
            if taken >= batch_bytes or i == len(files) - 1:
                yield frame(start, i + 1), taken
                start, taken = i + 1, 0

    return Source(folder, frame(0, 0).schema, sum(sizes), chunks, file_sizes=sizes, files=frame)


def _json_blocks(path: Path) -> Iterator[bytes]:
    """A JSON Lines file in blocks of whole lines (a newline byte always ends a record), BOM dropped."""
    with path.open("rb") as file:
        first = True
        while block := file.read(JSON_BLOCK):
            block += file.readline()
            if first and block.startswith(BOM):
                block = block[len(BOM) :]
            first = False
            if block.strip():
                yield block


def _read_types(found: pl.Schema, infer_types: bool, strings: tuple[str, ...]) -> pl.Schema:
    """The types a table is read in: String for every scalar column (for the strings only, with
    infer_types); nested columns are left as found, for `check_types` to refuse."""
    text = [c for c, t in found.items() if (c in strings or not infer_types) and not isinstance(t, NESTED)]
    return pl.Schema({c: pl.String if c in text else t for c, t in found.items()})


def _scan(
    path: Path, kind: str, encoding: str, infer_types: bool, strings: tuple[str, ...]
) -> tuple[pl.Schema, Callable[[], Iterator[pl.DataFrame]]]:
    """A table's columns, and its rows in chunks.

    CSV, TSV and JSON Lines columns are text (String), as written, unless infer_types: then
    polars infers numbers and dates, except in the `strings` columns (the id and the text).
    UTF-8 CSV and TSV and every Parquet file are scanned lazily by polars; UTF-8 JSON Lines are
    read in blocks of lines (polars' own scan maps the whole file into memory), their columns
    found from every line, in a first pass. Other encodings are decoded in memory first.
    """
    codec = _codec(encoding)
    if kind == "jsonl" and codec == "utf-8":
        schema = pl.Schema()
        for block in _json_blocks(path):
            found = pl.DataFrame(schema=pl.read_ndjson(block, infer_schema_length=None).schema)
            schema = pl.concat([pl.DataFrame(schema=schema), found], how="diagonal_relaxed").schema
        schema = _read_types(schema, infer_types, strings)
        return schema, lambda: (pl.read_ndjson(block, schema=schema) for block in _json_blocks(path))
    if kind == "parquet":
        lazy = pl.scan_parquet(path)
    else:
        streams = codec == "utf-8"
        source = path if streams else io.BytesIO(decode(_read_bytes(path), encoding, path).encode("utf-8"))
        if kind == "jsonl":
            found = pl.read_ndjson(source, infer_schema_length=None).schema
            source.seek(0)  # read again as text: a JSON number is then its value's text, as above
            lazy = pl.read_ndjson(source, schema=_read_types(found, infer_types, strings)).lazy()
        else:
            options = {"separator": "\t" if kind == "tsv" else ","}
            if infer_types:
                options |= {
                    "infer_schema_length": 10000,
                    "try_parse_dates": True,
                    "schema_overrides": dict.fromkeys(strings, pl.String),
                }
            else:
                options["infer_schema"] = False
            if streams:  # rows are read with the schema found first, which parses faster than inferring as it reads
                schema = pl.scan_csv(source, **options).collect_schema()
                options = {k: options[k] for k in ("separator", "try_parse_dates") if k in options}
                lazy = pl.scan_csv(source, schema=schema, **options)
            else:
                lazy = pl.read_csv(source, **options).lazy()
    return lazy.collect_schema(), lambda: iter(lazy.collect_batches(chunk_size=SCAN_ROWS))


def _not_iso_date(column: str) -> pl.Expr:
    """Values of a text column that are not a valid date written YYYY-MM-DD."""
    text = pl.col(column)
    return text.is_not_null() & (~text.str.contains(ISO_DATE) | text.str.to_date("%Y-%m-%d", strict=False).is_null())


def _with_dates(
    path: Path, schema: pl.Schema, frames: Callable[[], Iterator[pl.DataFrame]], strings: tuple[str, ...]
) -> tuple[pl.Schema, Callable[[pl.DataFrame], pl.DataFrame]]:
    """Text columns whose first DATE_SAMPLE values are all dates written YYYY-MM-DD, read as dates.

    Returns the schema with them as dates, and the function that reads them in a frame of rows.
    Such a date writes back as the same text, so nothing is lost; a later value that is not such
    a date is an error naming the column and the value, never a silent null.
    """
    parts, rows = [], 0
    for frame in frames():
        parts.append(frame)
        rows += frame.height
        if rows >= DATE_SAMPLE:
            break
    sample = pl.concat(parts).head(DATE_SAMPLE) if parts else pl.DataFrame(schema=schema)
    text = [
        c for c, t in schema.items() if t == pl.String and c not in strings and sample[c].null_count() < sample.height
    ]
    found = sample.select(_not_iso_date(c).any() for c in text).row(0) if text and sample.height else ()
    dates = [c for c, bad in zip(text, found) if not bad]
    if not dates:
        return schema, lambda frame: frame

    def dated(frame: pl.DataFrame) -> pl.DataFrame:
        bad = frame.select(_not_iso_date(c).arg_true().first() for c in dates).row(0)
        for column, row in zip(dates, bad):
            if row is not None:
                raise AgendaError(
                    f"{path}: column {column!r} holds {frame[column][row]!r}, not a date (YYYY-MM-DD) as in "
                    "the rows before it: a date column holds such dates or nothing"
                )
        return frame.with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))

    return pl.Schema({c: pl.Date if c in dates else t for c, t in schema.items()}), dated


def check_types(schema: pl.Schema, source: str | Path) -> None:
    """Metadata columns hold text, numbers, dates or booleans: binary, list and struct columns are refused."""
    for column, dtype in schema.items():
        if isinstance(dtype, NESTED):
            raise AgendaError(
                f"{source}: column {column!r} holds {dtype.base_type()} values; agenda carries text, numbers, "
                "dates and booleans: convert the column to text, or drop it"
            )


def check_columns(columns: list[str], source: str | Path = "corpus") -> None:
    """A corpus column that has the name of a column agenda makes (unit, n_words, ...) is an error."""
    for column in columns:
        what = MADE_COLUMNS.get(column) or ("an internal column" if column.startswith(INTERNAL_PREFIX) else None)
        if what:
            raise AgendaError(
                f"{source}: corpus column {column!r} has the name of agenda's column {column!r} ({what}); "
                "rename it in the corpus"
            )


def _table_error(path: Path, kind: str, encoding: str, exc: Exception) -> AgendaError:
    """A polars error on a table scanned from disk: an encoding error if the bytes are not valid, else malformed."""
    if kind != "parquet" and _codec(encoding) == "utf-8":  # other encodings were decoded before parsing
        check_encoding(path, encoding)  # raises the error naming the byte
    return _polars_error(path, _kind_name(kind), exc)


def table_source(
    path: Path,
    encoding: str = "utf-8",
    text_column: str | None = "text",
    id_column: str | None = "doc_id",
    kind: str | None = None,
    infer_types: bool = False,
    unit_column: str | None = None,
) -> Source:
    """A CSV, TSV, Parquet or JSON Lines table, scanned in chunks of rows; other columns are metadata.

    Columns of CSV, TSV and JSON Lines are text as written (`001` stays `001`) unless infer_types;
    the id column is text in any case. With text_column=None the table is read as it is (no doc_id
    or text columns made). With unit_column, each row is a unit and that column its `unit` number.
    """
    kind = kind or TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise AgendaError(f"{path}: unknown table format (use .csv, .tsv, .parquet or .jsonl)")
    size = _size(regular_file(path, "table"))
    strings = tuple(c for c in (text_column, id_column) if c)
    try:
        read_schema, frames = _scan(path, kind, encoding, infer_types, strings)
        schema, dated = read_schema, lambda frame: frame
        if not infer_types and kind != "parquet":
            schema, dated = _with_dates(path, schema, frames, strings)
    except AgendaError:
        raise
    except Exception as exc:  # polars' parse errors come in several classes
        raise _table_error(path, kind, encoding, exc) from None
    columns = schema.names()
    numbered = False
    if text_column is not None:
        if text_column not in columns:
            raise AgendaError(
                f"{path}: no text column {text_column!r} (columns: {', '.join(columns)}); name it with --text-column"
            )
        if id_column == text_column:
            raise AgendaError(f"{path}: --id-column and --text-column both name {text_column!r}; name two columns")
        if id_column and id_column not in columns and id_column != "doc_id":
            raise AgendaError(f"{path}: no id column {id_column!r} (columns: {', '.join(columns)})")
        if unit_column and (unit_column not in columns or unit_column in (id_column, text_column)):
            raise AgendaError(f"{path}: no unit column {unit_column!r} apart from the id and text columns")
        for made, option, named in (("doc_id", "--id-column", id_column), ("text", "--text-column", text_column)):
            if made in columns and named != made:
                raise AgendaError(
                    f"{path}: column {made!r} would be replaced by {option} {named!r}; rename or drop one of them"
                )
        check_columns([c for c in columns if c != unit_column], path)
        check_types(schema, path)
        numbered = id_column not in columns
        ids = pl.col("_row" if numbered else id_column).cast(pl.String)
        meta = [
            pl.col(c).cast(pl.String) if isinstance(schema[c], (pl.Categorical, pl.Enum)) else pl.col(c)
            for c in columns
            if c not in (id_column, text_column, unit_column)
        ]
        select = [ids.alias("doc_id"), pl.col(text_column).cast(pl.String).alias("text"), *meta]
        if unit_column:
            select.insert(1, pl.col(unit_column).alias("unit"))

    def documents(frame: pl.DataFrame, before: int) -> pl.DataFrame:
        """doc_id, text and metadata of rows as read; rows are numbered from 1 across chunks when there are no ids."""
        frame = dated(frame)
        if text_column is None:
            return frame
        return (frame.with_row_index("_row", offset=before + 1) if numbered else frame).select(select)

    rows = None
    if kind == "parquet":
        try:
            rows = pl.scan_parquet(path).select(pl.len()).collect().item()
        except Exception as exc:
            raise _polars_error(path, "Parquet", exc) from None

    def chunks(batch_bytes: int) -> Iterator[tuple[pl.DataFrame, int]]:
        before = 0
        try:
            for frame in frames():
                taken = size * frame.height // rows if rows else frame.estimated_size()
                yield documents(frame, before), taken
                before += frame.height
        except AgendaError:
            raise
        except Exception as exc:  # a malformed row or an invalid byte found mid-stream
            raise _table_error(path, kind, encoding, exc) from None

    empty = documents(pl.DataFrame(schema=read_schema), 0)
    return Source(path, empty.schema, size, chunks, read_schema=read_schema, rows=documents)


def read_table(
    path: Path,
    encoding: str = "utf-8",
    text_column: str | None = "text",
    id_column: str | None = "doc_id",
    kind: str | None = None,
    infer_types: bool = False,
) -> pl.DataFrame:
    """A CSV, TSV, Parquet or JSON Lines table; other columns are kept as metadata."""
    source = table_source(path, encoding, text_column, id_column, kind, infer_types)
    frames = [frame for frame, _ in source.chunks(BATCH_BYTES)]
    return pl.concat(frames) if frames else pl.DataFrame(schema=source.schema)


def open_source(
    path: Path,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str = "utf-8",
    infer_types: bool = False,
    unit_column: str | None = None,
) -> Source:
    """The reader for one corpus input, by what it is: a folder, a table or a text file.

    A file of any other type (`.json`, `.dta`, `.xlsx`, ...), and anything that is not a regular
    file or a folder (a FIFO, a device), is refused before it is read.
    """
    suffix = path.suffix.lower()
    if unit_column and (path.is_dir() or suffix not in TABLE_SUFFIXES):
        raise AgendaError(f"{path}: --unit-column reads a table (one row a unit), not text files")
    if path.is_dir():
        return folder_source(path, encoding, infer_types)
    if suffix in TABLE_SUFFIXES:
        return table_source(path, encoding, text_column, id_column, infer_types=infer_types, unit_column=unit_column)
    regular_file(path, "corpus file")
    if suffix in TEXT_SUFFIXES or not suffix:
        return text_source(path, encoding)
    raise AgendaError(
        f"{path}: unknown file type {suffix!r}: a corpus is text files ({', '.join(TEXT_SUFFIXES)}), "
        f"folders of them, or tables ({', '.join(TABLE_SUFFIXES)})"
    )


def check_ids(ids: pl.Series, names: str, source: str | Path, before: int = 0, seen: pl.Series | None = None) -> None:
    """Every document has a doc_id (not null, not empty), none seen before in ids or in `seen`.

    names is the corpus (in the duplicate error), source the input (with the document's number,
    counted from 1 after `before` documents, in the missing-id error).
    """
    missing = (ids.is_null() | (ids.cast(pl.String) == "")).arg_true()
    if len(missing):
        raise AgendaError(f"{source}: document {before + missing[0] + 1} has no doc_id (null or empty)")
    repeated = ids.is_duplicated() if seen is None else ids.is_duplicated() | ids.is_in(seen.implode())
    if repeated.any():
        raise AgendaError(
            f"{names}: duplicate doc_id {ids.filter(repeated)[0]!r} "
            "(a table of units, one row a paragraph? name the unit's number with --unit-column)"
        )


def text_bytes(frame: pl.DataFrame) -> int:
    """Bytes of text in a frame of documents."""
    return int(frame["text"].str.len_bytes().fill_null(0).sum())


def batch_pieces(frame: pl.DataFrame, batch_bytes: int, offset: int = 0) -> Iterator[tuple[int, pl.DataFrame]]:
    """A frame of documents cut where the batch changes: (batch number, rows), in order.

    A document goes to batch k when the text before it (offset bytes came before the frame)
    holds k * batch_bytes to (k + 1) * batch_bytes bytes.
    """
    lengths = frame["text"].str.len_bytes().fill_null(0).cast(pl.Int64)
    batch = (lengths.cum_sum() - lengths + offset) // batch_bytes
    if "unit" in frame.columns:  # units given: a document's rows go with its first
        runs = pl.DataFrame({"b": batch, "r": frame["doc_id"].rle_id()})
        batch = runs.select(pl.col("b").first().over("r"))["b"]
    start = 0
    for run in batch.rle().struct.unnest().iter_rows(named=True):
        yield run["value"], frame.slice(start, run["len"])
        start += run["len"]


def align(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """A frame of one input's documents in the columns of the whole corpus (missing ones null)."""
    if frame.schema == schema:
        return frame
    return frame.select(
        pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()
    )


class Corpus:
    """A corpus read in batches of whole documents, checked as it is read.

    Iterating yields frames of doc_id, text and the metadata of all inputs (`schema`, their
    columns concatenated diagonally, as `read_corpus` does), each holding about `batch_bytes`
    of input and never part of a document. A doc_id seen before (in any batch or input) is an
    error, and so is a corpus without documents, found when the last batch has been read.
    `read` is the bytes of input read so far (an estimate for tables), of `size` in all.

    >>> for batch in agenda.Corpus("archive.csv", text_column="body"): ...
    """

    def __init__(
        self,
        paths: list[str | Path] | str | Path,
        text_column: str = "text",
        id_column: str = "doc_id",
        encoding: str = "utf-8",
        batch_bytes: int = BATCH_BYTES,
        infer_types: bool = False,
        unit_column: str | None = None,
    ):
        if isinstance(paths, (str, Path)):
            paths = [paths]
        if not paths:
            raise AgendaError("no corpus given")
        self.paths = [Path(p) for p in paths]
        self.batch_bytes = batch_bytes
        self.sources = [open_source(p, text_column, id_column, encoding, infer_types, unit_column) for p in self.paths]
        self.unit_column = unit_column
        empties = [pl.DataFrame(schema=s.schema) for s in self.sources]
        self.schema = pl.concat(empties, how="diagonal_relaxed").schema
        self.size = sum(s.size for s in self.sources)
        self.read = 0
        self.documents = 0

    def _batches(self, source: Source) -> Iterator[tuple[pl.DataFrame, int]]:
        """The source's chunks cut and gathered into batches of about batch_bytes of text.

        A document goes to batch k when the text before it in the input holds k * batch_bytes
        to (k + 1) * batch_bytes bytes: batches depend only on the documents, not on the chunks.
        """
        parts, taken, current, offset = [], 0, None, 0
        for frame, size in source.chunks(self.batch_bytes):
            if frame.height == 0:
                continue
            for value, piece in batch_pieces(frame, self.batch_bytes, offset):
                if value != current and parts:
                    yield pl.concat(parts), taken
                    parts, taken = [], 0
                current = value
                parts.append(piece)
                taken += size * piece.height // frame.height
            offset += text_bytes(frame)
        if parts:
            yield pl.concat(parts), taken

    def __iter__(self) -> Iterator[pl.DataFrame]:
        names = ", ".join(map(str, self.paths))
        seen = pl.Series("doc_id", [], dtype=pl.String)
        self.read = self.documents = 0
        done = 0  # bytes of the inputs read to their end
        for source in self.sources:
            read = before = 0
            batches = self._batches(source)
            for frame, taken in given_units.whole_documents(batches) if self.unit_column else batches:
                frame = align(frame, self.schema)
                if self.unit_column:
                    given_units.check_units(frame, names, seen)
                    seen.append(frame["doc_id"].unique(maintain_order=True))
                else:
                    check_ids(frame["doc_id"], names, source.path, before, seen)
                    seen.append(frame["doc_id"])
                before += frame.height
                read = min(read + taken, source.size)
                self.read = done + read
                self.documents += frame.height
                yield frame
            done += source.size
            self.read = done
        if self.documents == 0:
            raise AgendaError(f"{names}: the corpus is empty (no documents)")


def read_corpus(
    paths: list[str | Path] | str | Path,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str = "utf-8",
    infer_types: bool = False,
) -> pl.DataFrame:
    """Read one or more corpus inputs into one frame of doc_id, text and metadata.

    Columns of CSV, TSV and JSON Lines tables are text as written unless infer_types.
    """
    return pl.concat(list(Corpus(paths, text_column, id_column, encoding, infer_types=infer_types)))
