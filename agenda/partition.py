"""Partitions: a corpus cut into pieces of whole documents that processes read apart from each other.

A partition is files of a folder, a range of rows of a Parquet table, or a byte range of a UTF-8
CSV, TSV or JSON Lines table that begins and ends at row boundaries (a newline outside quotes);
a text file, and a table in another encoding, is one partition. Partitions are planned from the
inputs' sizes, in input order, so every process that plans the same corpus gets the same plan;
a worker reads its partition as the single-process reader (`agenda.corpus.Corpus`) reads the same
rows, with the column types the plan found, so the coded rows do not depend on the partitioning.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from agenda.corpus import (
    BATCH_BYTES,
    TABLE_SUFFIXES,
    Corpus,
    Source,
    _codec,
    _table_error,
    align,
    check_ids,
    open_source,
)
from agenda.errors import AgendaError

PARTITION_BYTES = 256 * 2**20  # bytes of input in a partition, by default
SCAN_BLOCK = 2**24  # bytes of a CSV scanned at a time for row boundaries
ROW_KINDS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".jsonl": None, ".ndjson": None}


@dataclass(frozen=True)
class Partition:
    """A piece of one corpus input (`source`, its reader without the text): whole documents.

    kind is "whole" (the input), "files" (files start..end of a folder), "rows" (rows start..end
    of a Parquet table) or "bytes" (bytes start..end of a table, whose header takes `header`
    bytes). before is the number of documents of the input before the partition; options are the
    corpus's read options (text column, id column, encoding, infer types); key says what
    the partition was made from (the input's path, size and time of change, and the range), so
    a rerun can tell a partition already coded from the same bytes.
    """

    index: int
    source: Source
    kind: str
    start: int
    end: int
    before: int
    header: int
    options: tuple[str, str, str, bool]

    @property
    def key(self) -> str:
        path = self.source.path
        stat = path.stat()
        return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{self.kind}|{self.start}|{self.end}"


def plan_partitions(
    corpus: Corpus, options: tuple[str, str, str, bool], partition_bytes: int = PARTITION_BYTES
) -> list[Partition]:
    """The partitions of a corpus read with options (see Partition), each about partition_bytes of input."""
    if partition_bytes < 1:
        raise AgendaError(f"a partition needs at least 1 byte, not {partition_bytes}")
    plan: list[Partition] = []
    for source in corpus.sources:
        for kind, start, end, before, header in _ranges(source, options[2], partition_bytes):
            # Workers get the reader without its chunks (which may hold a whole decoded file).
            shipped = dataclasses.replace(source, chunks=None)
            plan.append(Partition(len(plan), shipped, kind, start, end, before, header, options))
    return plan


def _ranges(source: Source, encoding: str, partition_bytes: int) -> list[tuple[str, int, int, int, int]]:
    if source.files is not None:  # a folder: its files, grouped by the bytes before each
        sizes = np.asarray(source.file_sizes, dtype=np.int64)
        group = (np.cumsum(sizes) - sizes) // partition_bytes
        starts = [0, *(np.flatnonzero(np.diff(group)) + 1).tolist()]
        ends = [*starts[1:], len(sizes)]
        return [("files", s, e, s, 0) for s, e in zip(starts, ends) if e > s]
    suffix = source.path.suffix.lower()
    if source.rows is None:
        return [("whole", 0, 0, 0, 0)]
    if suffix == ".parquet":
        rows = pl.scan_parquet(source.path).select(pl.len()).collect().item()
        per = max(1, partition_bytes * rows // max(source.size, 1))
        return [("rows", s, min(s + per, rows), s, 0) for s in range(0, rows, per)] or [("whole", 0, 0, 0, 0)]
    if suffix not in ROW_KINDS or _codec(encoding) != "utf-8":
        return [("whole", 0, 0, 0, 0)]
    quoted = ROW_KINDS[suffix] is not None
    ends = _row_ends(source.path, quoted)
    if quoted and not len(ends):  # a header alone, or nothing
        return [("whole", 0, 0, 0, 0)]
    header = int(ends[0]) if quoted else 0
    bounds = ends[1:] if quoted else ends  # where rows of documents end
    out, start, before = [], header, 0
    while start < source.size:
        cut = np.searchsorted(bounds, start + partition_bytes, side="left")
        end = int(bounds[cut]) if cut < len(bounds) else source.size
        out.append(("bytes", start, end, before, header))
        before, start = int(np.searchsorted(bounds, end, side="right")), end
    return out or [("whole", 0, 0, 0, 0)]


def _row_ends(path: Path, quoted: bool) -> np.ndarray:
    """The offsets just after every newline that ends a row (outside a quoted field when quoted)."""
    found, quotes, offset = [], 0, 0
    with path.open("rb") as file:
        while block := file.read(SCAN_BLOCK):
            data = np.frombuffer(block, dtype=np.uint8)
            newlines = np.flatnonzero(data == 10)
            if quoted:  # a newline ends a row when an even number of quotes came before it
                marks = np.flatnonzero(data == 34)
                inside = (quotes + np.searchsorted(marks, newlines)) % 2 == 1
                quotes += len(marks)
                newlines = newlines[~inside]
            found.append(newlines + offset + 1)
            offset += len(block)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def read_partition(partition: Partition, schema: pl.Schema, names: str) -> pl.DataFrame:
    """The documents of a partition in the corpus's columns (schema), their doc_ids checked."""
    source = partition.source
    if partition.kind == "whole":
        reopened = open_source(source.path, *partition.options)
        frames = [frame for frame, _ in reopened.chunks(BATCH_BYTES) if frame.height]
        docs = pl.concat(frames) if frames else pl.DataFrame(schema=source.schema)
    elif partition.kind == "files":
        docs = source.files(partition.start, partition.end)
    else:
        try:
            rows = _read_rows(partition)
        except Exception as exc:  # polars' parse errors come in several classes
            kind = TABLE_SUFFIXES[source.path.suffix.lower()]
            raise _table_error(source.path, kind, partition.options[2], exc) from None
        docs = source.rows(rows, partition.before)
    docs = align(docs, schema)
    check_ids(docs["doc_id"], names, source.path, partition.before)
    return docs


def _read_rows(partition: Partition) -> pl.DataFrame:
    source = partition.source
    if partition.kind == "rows":
        return pl.scan_parquet(source.path).slice(partition.start, partition.end - partition.start).collect()
    with source.path.open("rb") as file:
        header = file.read(partition.header)
        file.seek(partition.start)
        body = file.read(partition.end - partition.start)
    separator = ROW_KINDS[source.path.suffix.lower()]
    if separator is None:
        body = body.removeprefix(b"\xef\xbb\xbf") if partition.start == 0 else body
        if not body.strip():
            return pl.DataFrame(schema=source.read_schema)
        return pl.read_ndjson(io.BytesIO(body), schema=source.read_schema)
    return pl.read_csv(io.BytesIO(header + body), schema=source.read_schema, separator=separator)
