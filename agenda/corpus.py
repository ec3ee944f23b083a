"""Corpora: read .txt files, folders of them, and CSV/TSV/Parquet/JSON Lines tables.

Every reader returns one frame with `doc_id`, `text` and the corpus's metadata columns.
Text is decoded strictly: a file that is not valid in its encoding is an error naming the
file and the byte offset, never silent replacement characters.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError

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


def decode(raw: bytes, encoding: str, source: str | Path) -> str:
    """Strictly decode bytes; a UTF-8 byte-order mark is dropped."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise AgendaError(f"unknown encoding {encoding!r}") from None
    if codec == "utf-8":
        codec = "utf-8-sig"
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        hint = "; try --encoding (cp1251 and koi8-r are common in Russian archives)" if codec.startswith("utf") else ""
        raise AgendaError(f"{source}: not valid {encoding} at byte {exc.start}{hint}") from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AgendaError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise AgendaError(f"{path}: cannot read: {exc.strerror}") from None


def _polars_error(path: Path, kind: str, exc: Exception) -> AgendaError:
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
    return AgendaError(f"{path}: malformed {kind}: {first}")


def read_text_file(path: Path, encoding: str = "utf-8", doc_id: str | None = None) -> pl.DataFrame:
    """One document from a plain-text file; doc_id defaults to the file's stem."""
    text = decode(_read_bytes(path), encoding, path)
    return pl.DataFrame({"doc_id": [doc_id or path.stem], "text": [text]})


def read_folder(folder: Path, encoding: str = "utf-8") -> pl.DataFrame:
    """Every .txt file under folder (recursively); doc_id is the relative path without suffix.

    A `metadata.csv` in the folder, keyed by a `file` (file name) or `doc_id` column, adds columns.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
    rows = {"doc_id": [], "text": [], "_file": []}
    for path in files:
        rel = path.relative_to(folder)
        rows["doc_id"].append(rel.with_suffix("").as_posix())
        rows["text"].append(decode(_read_bytes(path), encoding, path))
        rows["_file"].append(rel.as_posix())
    docs = pl.DataFrame(rows, schema={"doc_id": pl.String, "text": pl.String, "_file": pl.String})
    meta_path = folder / METADATA_FILE
    if meta_path.exists():
        meta = read_table(meta_path, encoding, text_column=None, id_column=None)
        key = "file" if "file" in meta.columns else "doc_id" if "doc_id" in meta.columns else None
        if key is None:
            raise AgendaError(f"{meta_path}: needs a 'file' or 'doc_id' column to match documents")
        meta = meta.with_columns(pl.col(key).cast(pl.String))
        unknown = set(meta[key].to_list()) - set(rows["_file" if key == "file" else "doc_id"])
        if unknown:
            raise AgendaError(f"{meta_path}: no document for {key} {sorted(unknown)[0]!r}")
        on = "_file" if key == "file" else "doc_id"
        meta = meta.rename({key: on}).drop("text", strict=False)
        if key == "file":
            meta = meta.drop("doc_id", strict=False)
        docs = docs.join(meta, on=on, how="left", maintain_order="left")
    return docs.drop("_file")


def read_table(
    path: Path,
    encoding: str = "utf-8",
    text_column: str | None = "text",
    id_column: str | None = "doc_id",
    kind: str | None = None,
) -> pl.DataFrame:
    """A CSV, TSV, Parquet or JSON Lines table; other columns are kept as metadata."""
    kind = kind or TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise AgendaError(f"{path}: unknown table format (use .csv, .tsv, .parquet or .jsonl)")
    raw = _read_bytes(path)
    try:
        if kind == "parquet":
            frame = pl.read_parquet(io.BytesIO(raw))
        else:
            data = io.BytesIO(decode(raw, encoding, path).encode("utf-8"))
            if kind == "jsonl":
                frame = pl.read_ndjson(data, infer_schema_length=None)
            else:
                frame = pl.read_csv(
                    data,
                    separator="\t" if kind == "tsv" else ",",
                    infer_schema_length=10000,
                    try_parse_dates=True,
                    schema_overrides={text_column: pl.String} if text_column else None,
                )
    except AgendaError:
        raise
    except Exception as exc:  # polars' parse errors come in several classes
        raise _polars_error(path, kind.upper() if kind != "jsonl" else "JSON Lines", exc) from None
    if text_column is None:
        return frame
    if text_column not in frame.columns:
        raise AgendaError(
            f"{path}: no text column {text_column!r} (columns: {', '.join(frame.columns)}); name it with --text-column"
        )
    if id_column and id_column not in frame.columns and id_column != "doc_id":
        raise AgendaError(f"{path}: no id column {id_column!r} (columns: {', '.join(frame.columns)})")
    if id_column in frame.columns:
        ids = pl.col(id_column).cast(pl.String)
    else:
        ids = pl.int_range(1, pl.len() + 1).cast(pl.String)
    frame = frame.with_columns(ids.alias("_id"), pl.col(text_column).cast(pl.String).alias("_text"))
    meta = [c for c in frame.columns if c not in (id_column, text_column, "_id", "_text", "doc_id", "text")]
    return frame.select(pl.col("_id").alias("doc_id"), pl.col("_text").alias("text"), *meta)


def read_corpus(
    paths: list[str | Path] | str | Path,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str = "utf-8",
) -> pl.DataFrame:
    """Read one or more corpus inputs into one frame of doc_id, text and metadata."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise AgendaError("no corpus given")
    frames = []
    for path in map(Path, paths):
        if path.is_dir():
            frames.append(read_folder(path, encoding))
        elif path.suffix.lower() in TABLE_SUFFIXES:
            frames.append(read_table(path, encoding, text_column, id_column))
        elif path.exists() or path.suffix.lower() in TEXT_SUFFIXES:
            frames.append(read_text_file(path, encoding))
        else:
            raise AgendaError(f"{path}: no such file or folder")
    corpus = pl.concat(frames, how="diagonal_relaxed")
    if corpus.height == 0:
        raise AgendaError(f"{', '.join(map(str, paths))}: the corpus is empty (no documents)")
    duplicated = corpus.filter(pl.col("doc_id").is_duplicated())["doc_id"]
    if len(duplicated):
        raise AgendaError(f"{', '.join(map(str, paths))}: duplicate doc_id {duplicated[0]!r}")
    return corpus
