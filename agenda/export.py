"""Write tables atomically, with their provenance: CSV (+ OUT.meta.json), Parquet, Stata, SPSS.

A table is written through agenda.safe_write: to a temporary file beside its destination, renamed
into place with its OUT.meta.json as one group, so an interrupted run or a full disk never leaves
a truncated table and an existing file stays as it was.
Given the codebook, the items' ids, codes and labels travel with the table (in OUT.meta.json and
the Parquet metadata), so that `export` can later turn it into a labelled Stata or SPSS file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError
from agenda.safe_write import Replacement, check_outputs, write_atomic, written

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".dta": "dta", ".sav": "sav"}
FORMAT_NAMES = ("csv", "parquet", "dta", "sav")


def table_format(out: str | Path, fmt: str | None = None) -> str:
    """The output format: --format if given, else by the file's suffix."""
    if fmt:
        return fmt
    if str(out) == "-":
        return "csv"
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise AgendaError(
            f"{out}: unknown output format {suffix or '(no suffix)'!r}; use .csv, .parquet, .dta or .sav, or --format"
        )
    return FORMATS[suffix]


def check_csv_columns(schema: pl.Schema, out: str | Path) -> None:
    """Refuse columns CSV cannot hold (binary, lists, structs, objects), naming the first."""
    for column, dtype in schema.items():
        if dtype == pl.Binary or dtype.is_nested() or dtype == pl.Object:
            raise AgendaError(
                f"{'stdout' if str(out) == '-' else out}: column {column!r} has type {dtype}, "
                "which CSV cannot store; write .parquet instead"
            )


def meta_path(out: str | Path) -> Path:
    """The provenance file written beside a CSV table: OUT.meta.json."""
    return Path(out).with_name(Path(out).name + ".meta.json")


def output_files(out: str | Path | None, fmt: str | None = None) -> list[Path]:
    """The files a table written to `out` occupies: OUT, and OUT.meta.json for CSV (none for stdout)."""
    if out is None or str(out) == "-":
        return []
    return [Path(out), meta_path(out)] if table_format(out, fmt) == "csv" else [Path(out)]


def input_files(path: str | Path | None) -> list[Path]:
    """A table read as input, with the OUT.meta.json beside it that is read with it."""
    return [] if path is None or str(path) == "-" else [Path(path), meta_path(path)]


def write_meta(group: Replacement, out: Path, meta: dict) -> None:
    """Add OUT.meta.json to the group that writes the CSV table `out`."""
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    group.write(meta_path(out), lambda tmp: tmp.write_text(text, "utf-8"))


def write_stdout(text: str) -> None:
    """Print a table on stdout, whole (recorded as written, for the message on Ctrl-C)."""
    sys.stdout.write(text)
    sys.stdout.flush()
    written.append("stdout")


class Written(list):
    """The files written (a list of paths), with the column renames and notes of the writer."""

    def __init__(self, paths=(), renames: dict[str, str] | None = None, notes: list[str] | None = None):
        super().__init__(paths)
        self.renames = renames or {}
        self.notes = notes or []


def item_labels(codebook) -> list[dict]:
    """The codebook's items as {"id", "code", "label"}: what a labelled table needs."""
    return [{"id": item.id, "code": item.code, "label": item.label} for item in codebook.items]


def write_table(
    table: pl.DataFrame,
    out: str | Path,
    provenance: dict[str, str],
    fmt: str | None = None,
    codebook=None,
    items: list[dict] | None = None,
) -> Written:
    """Write a table by format (csv, parquet, dta, sav); returns the files written (none for stdout).

    The codebook (or its `items`, see item_labels) labels the Stata and SPSS variables and is
    recorded in the CSV and Parquet metadata. Stata and SPSS column renames are in `.renames`.
    """
    fmt = table_format(out, fmt)
    if fmt not in FORMAT_NAMES:
        raise AgendaError(f"{out}: unknown output format {fmt!r}; use one of {', '.join(FORMAT_NAMES)}")
    if codebook is not None:
        items = item_labels(codebook)
    if fmt == "csv":
        check_csv_columns(table.schema, out)
    if str(out) == "-":
        if fmt != "csv":
            raise AgendaError(f"only CSV can go to stdout, not {fmt}; give a file name with -o")
        write_stdout(table.write_csv())
        return Written()
    out = Path(out)
    if fmt == "csv":
        meta = {**provenance, "columns": table.columns, "rows": table.height}
        if items:
            meta["items"] = items
        with Replacement() as group:
            group.write(out, lambda tmp: table.write_csv(tmp))
            write_meta(group, out, meta)
        return Written([out, meta_path(out)])
    if fmt == "parquet":
        metadata = dict(sorted(provenance.items()))
        if items:
            metadata["items"] = json.dumps(items, ensure_ascii=False)
        write_atomic(out, lambda tmp: table.write_parquet(tmp, metadata=metadata))
        return Written([out])
    from agenda import stata

    prepared = stata.prepare(table, provenance, items, fmt, source=str(out))
    notes = stata.provenance_notes(provenance)
    writer = stata.write_dta if fmt == "dta" else stata.write_sav
    write_atomic(out, lambda tmp: writer(prepared, tmp, notes, out))
    return Written([out], prepared.renames, prepared.notes)


COUNT_COLUMNS = ("unit", "n_words", "n_items", "hits")
STRING_COLUMNS = ("doc_id", "text", "primary", "item", "terms")


def read_coded(path: str | Path) -> tuple[pl.DataFrame, dict[str, str], list[dict] | None]:
    """A coded table written by agenda (CSV with OUT.meta.json, or Parquet): table, provenance, items.

    Counts come back as Int32 and ids and text as strings, whatever a CSV reader would guess.
    """
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind not in ("csv", "parquet"):
        raise AgendaError(f"{path}: export reads coded tables in .csv or .parquet")
    if not path.is_file():
        raise AgendaError(f"{path}: no such file")
    meta: dict = {}
    try:
        if kind == "parquet":
            meta = dict(pl.read_parquet_metadata(path))
            table = pl.read_parquet(path)
        else:
            meta_file = meta_path(path)
            if meta_file.is_file():
                try:
                    meta = json.loads(meta_file.read_text("utf-8"))
                except (ValueError, UnicodeDecodeError) as exc:
                    raise AgendaError(f"{meta_file}: not valid JSON: {exc}") from None
            header = pl.read_csv(path, n_rows=0).columns
            table = pl.read_csv(
                path,
                infer_schema_length=None,
                try_parse_dates=True,
                schema_overrides={c: pl.String for c in STRING_COLUMNS if c in header},
            )
    except AgendaError:
        raise
    except Exception as exc:  # polars' parse errors come in several classes
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise AgendaError(f"{path}: cannot read coded table: {first}") from None
    if "doc_id" not in table.columns or "unit" not in table.columns:
        raise AgendaError(f"{path}: not a coded table (no doc_id and unit columns)")
    items = meta.get("items")
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError:
            raise AgendaError(f"{path}: the items in its metadata are not valid JSON") from None
    provenance = {
        k: str(meta[k]) for k in ("codebook", "codebook_version", "codebook_sha256", "agenda_version") if k in meta
    }
    counts = set(COUNT_COLUMNS) | {item["id"] for item in items or []} | set(_item_columns(table.columns))
    casts = []
    for column in table.columns:
        if column in counts and table.schema[column].is_integer():
            casts.append(pl.col(column).cast(pl.Int32, strict=False))
    if casts:
        table = table.with_columns(casts)
    return table, provenance, items


def _item_columns(columns: list[str]) -> list[str]:
    """The hits columns of a wide coded table: between n_words and n_items."""
    if "n_words" in columns and "n_items" in columns:
        return columns[columns.index("n_words") + 1 : columns.index("n_items")]
    return []


def export_table(coded: str | Path, out: str | Path, codebook=None, fmt: str | None = None) -> Written:
    """Convert a coded table (.csv or .parquet) to another format, labelled when it goes to Stata or SPSS.

    The labels come from `codebook` (a Codebook or a YAML path) when given, else from the items
    that agenda recorded in the table's metadata. `.renames` and `.notes` say what was changed.

    >>> agenda.export_table("coded.parquet", "coded.dta", "codebook/us-russia-2021.yaml").renames
    """
    fmt = table_format(out, fmt)
    check_outputs(
        output_files(out, fmt), [*input_files(coded), codebook if isinstance(codebook, (str, Path)) else None]
    )
    table, provenance, items = read_coded(coded)
    notes: list[str] = []
    if codebook is not None:
        from agenda.codebook import Codebook, load_codebook

        if not isinstance(codebook, Codebook):
            codebook = load_codebook(codebook)
        columns = set(table.columns)
        if "item" not in columns:
            missing = [i for i in codebook.item_ids if i not in columns]
            if missing:
                raise AgendaError(
                    f"{coded}: no column for item {missing[0]!r} of codebook {codebook.source}; "
                    "was the table coded with another codebook?"
                )
        sha = provenance.get("codebook_sha256")
        if sha and sha != codebook.sha256:
            notes.append(
                f"{coded} was coded with codebook sha256 {sha[:12]}, but {codebook.source} has {codebook.sha256[:12]}"
            )
        provenance = {**codebook.provenance(), **provenance}  # the table's own record comes first
        items = item_labels(codebook)
    elif fmt in ("dta", "sav") and not items:
        raise AgendaError(f"{coded}: no item labels recorded with the table; give the codebook with -c")
    written = write_table(table, out, provenance, fmt, items=items)
    written.notes[:0] = notes
    return written
