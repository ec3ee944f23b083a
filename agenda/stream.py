"""Write a coded table batch by batch, so that a corpus larger than memory streams through.

Nothing is in place until the whole table has been written: CSV batches are appended to a
temporary file beside the output, Parquet batches are written as part files (in a temporary
folder beside the output) merged into one file at the end, and Stata and SPSS tables (their
writers need them whole) and CSV for stdout (never printed in half) are gathered in memory (a
coded table is small: about 100 bytes a unit without --keep-text) and written once. The file
(with a CSV's OUT.meta.json, as one group) is then renamed into place by agenda.safe_write; an
error, a full disk or an interruption leaves an existing output as it was and no temporary file
behind.

The bytes written depend only on the rows, never on where batches begin and end: CSV batches
concatenate to the CSV of the whole table, and the Parquet merge cuts row groups of a fixed
number of rows.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError
from agenda.export import (
    FORMAT_NAMES,
    Written,
    check_csv_columns,
    item_labels,
    meta_path,
    table_format,
    write_meta,
    write_stdout,
    write_table,
)
from agenda.safe_write import Replacement, writing

ROW_GROUP_ROWS = 2**17  # rows in a Parquet row group of a streamed table


class TableSink:
    """A coded table written batch by batch: `write(batch)` each part, `close()` to put it in place.

    Use it as a context manager: leaving the block with an error removes the temporary files.

    >>> with TableSink("coded.parquet", codebook.provenance(), codebook=codebook) as sink:
    ...     for batch in agenda.code_batches("archive.csv", codebook):
    ...         sink.write(batch)
    ...     written = sink.close()
    """

    def __init__(self, out: str | Path, provenance: dict[str, str], fmt: str | None = None, codebook=None):
        self.fmt = table_format(out, fmt)
        if self.fmt not in FORMAT_NAMES:
            raise AgendaError(f"{out}: unknown output format {self.fmt!r}; use one of {', '.join(FORMAT_NAMES)}")
        self.stdout = str(out) == "-"
        if self.stdout and self.fmt != "csv":
            raise AgendaError(f"only CSV can go to stdout, not {self.fmt}; give a file name with -o")
        self.out = out if self.stdout else Path(out)
        self.provenance = provenance
        self.codebook = codebook
        self.items = item_labels(codebook) if codebook is not None else None
        self.rows = 0
        self.columns: list[str] | None = None
        self._stack = ExitStack()
        self._group = self._stack.enter_context(Replacement())
        self._file = None
        self._parts: list[Path] = []
        self._folder: Path | None = None
        self._frames: list[pl.DataFrame] = []
        self._closed = False
        if not self.stdout and not self.out.parent.is_dir():
            raise AgendaError(f"{self.out}: folder {self.out.parent} does not exist")

    def __enter__(self) -> TableSink:
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)

    def write(self, batch: pl.DataFrame) -> None:
        """Add the next rows of the table."""
        first = self.columns is None
        if first:
            if self.fmt == "csv":
                check_csv_columns(batch.schema, self.out)
            self.columns = batch.columns
        elif batch.columns != self.columns:
            raise AgendaError(f"{self.out}: a batch with columns {batch.columns} does not fit {self.columns}")
        self.rows += batch.height
        if self.fmt == "csv" and not self.stdout:
            if self._file is None:
                self._file = self._stack.enter_context(self._group.temporary(self.out).open("wb"))
            with writing(self.out):
                batch.write_csv(self._file, include_header=first)
        elif self.fmt == "parquet":
            if self._folder is None:
                self._folder = self._group.folder(self.out)
            part = self._folder / f"{len(self._parts):06d}.parquet"
            with writing(self.out):
                batch.write_parquet(part, compression="lz4", statistics=False)
            self._parts.append(part)
        else:
            self._frames.append(batch)

    def close(self) -> Written:
        """Put the table in place (and CSV's OUT.meta.json beside it); returns the files written."""
        if self._closed:
            raise AgendaError(f"{self.out}: already closed")
        self._closed = True
        if self.columns is None:
            raise AgendaError(f"{self.out}: no rows to write")
        if self.stdout:  # gathered, so that an error found late leaves nothing half-printed either
            self._stack.close()
            write_stdout(pl.concat(self._frames).write_csv())
            self._frames = []
            return Written()
        out = self.out
        if self.fmt == "csv":
            with writing(out):
                self._file.close()
            meta = {**self.provenance, "columns": self.columns, "rows": self.rows}
            if self.items:
                meta["items"] = self.items
            write_meta(self._group, out, meta)
            self._stack.close()  # renames the meta file, then the table, into place
            return Written([out, meta_path(out)])
        if self.fmt == "parquet":
            metadata = dict(sorted(self.provenance.items()))
            if self.items:
                metadata["items"] = json.dumps(self.items, ensure_ascii=False)
            merge = pl.scan_parquet(self._parts)
            self._group.write(
                out, lambda tmp: merge.sink_parquet(tmp, metadata=metadata, row_group_size=ROW_GROUP_ROWS)
            )
            self._stack.close()
            return Written([out])
        table = pl.concat(self._frames)
        self._frames = []
        with self._stack:
            return write_table(table, out, self.provenance, self.fmt, codebook=self.codebook)
