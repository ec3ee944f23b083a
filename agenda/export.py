"""Write tables atomically, with their provenance: CSV (+ OUT.meta.json) and Parquet.

A table is written to a temporary file beside its destination and renamed into place, so an
interrupted run never leaves a truncated table and an existing file stays as it was.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside `path`; rename it onto `path` only when the block succeeds."""
    path = Path(path)
    if not path.parent.is_dir():
        raise AgendaError(f"{path}: folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp) and move tmp onto path."""
    with atomic_path(path) as tmp:
        write(tmp)


def table_format(out: str | Path, fmt: str | None = None) -> str:
    """The output format: --format if given, else by the file's suffix."""
    if fmt:
        return fmt
    if str(out) == "-":
        return "csv"
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise AgendaError(
            f"{out}: unknown output format {suffix or '(no suffix)'!r}; use .csv or .parquet, or --format"
        )
    return FORMATS[suffix]


def write_table(table: pl.DataFrame, out: str | Path, provenance: dict[str, str], fmt: str | None = None) -> list[Path]:
    """Write a table by format; returns the files written (none for stdout)."""
    fmt = table_format(out, fmt)
    if str(out) == "-":
        sys.stdout.write(table.write_csv())
        sys.stdout.flush()
        return []
    out = Path(out)
    if fmt == "csv":
        meta = {**provenance, "columns": table.columns, "rows": table.height}
        write_atomic(out, lambda tmp: table.write_csv(tmp))
        meta_path = out.with_name(out.name + ".meta.json")
        write_atomic(meta_path, lambda tmp: tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", "utf-8"))
        return [out, meta_path]
    if fmt == "parquet":
        write_atomic(out, lambda tmp: table.write_parquet(tmp, metadata=dict(sorted(provenance.items()))))
        return [out]
    raise AgendaError(f"{out}: unknown output format {fmt!r}")
