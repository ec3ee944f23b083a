"""Coding sheets as spreadsheets: .xlsx written and read back with openpyxl (the optional extra `xlsx`).

Coders work in spreadsheets; a sheet written here opens in Excel or LibreOffice with the text
wrapped and the code columns empty, and the filled-in file is read back by `agree`. CSV and
Parquet sheets go through agenda.export like every other table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from agenda.errors import AgendaError
from agenda.safe_write import write_atomic

MISSING = "reading and writing .xlsx needs openpyxl: pip install 'agenda-codebook[xlsx]'"
TEXT_COLUMNS = ("before", "text", "after")


def is_xlsx(path: str | Path | None) -> bool:
    return path is not None and Path(path).suffix.lower() == ".xlsx"


def openpyxl_module():
    """openpyxl, or the one-line error that says how to install it."""
    try:
        import openpyxl
    except ImportError:
        raise AgendaError(MISSING) from None
    return openpyxl


def write_xlsx(table: pl.DataFrame, out: str | Path, title: str = "coding") -> None:
    """Write a table as one worksheet (header row frozen, text columns wide and wrapped), atomically."""
    openpyxl = openpyxl_module()
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(table.columns)
    for row in table.iter_rows():
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula: a paragraph may begin with "="
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for k, name in enumerate(table.columns, start=1):
        letter = get_column_letter(k)
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].width = 70
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            sheet.column_dimensions[letter].width = max(10, min(40, len(name) + 2))
    book.properties.creator = "agenda"
    write_atomic(out, lambda tmp: book.save(tmp))


def read_xlsx(path: str | Path) -> pl.DataFrame:
    """The first worksheet as a table: the first row names the columns; ids and text stay text,
    whole numbers typed by a coder (1, 1.0) come back as integers, empty cells as null."""
    openpyxl = openpyxl_module()
    path = Path(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise AgendaError(f"{path}: not a readable .xlsx file ({type(exc).__name__}: {exc})") from None
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    if not rows or not any(v is not None for v in rows[0]):
        raise AgendaError(f"{path}: the first worksheet has no header row")
    header = [str(v) if v is not None else "" for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    if "" in header:
        raise AgendaError(f"{path}: column {header.index('') + 1} of the header row has no name")
    if len(set(header)) < len(header):
        twice = next(h for h in header if header.count(h) > 1)
        raise AgendaError(f"{path}: column {twice!r} appears twice in the header row")
    body = [r[: len(header)] for r in rows[1:] if any(v is not None and v != "" for v in r[: len(header)])]
    columns = {}
    for k, name in enumerate(header):
        values = [_cell(r[k] if k < len(r) else None) for r in body]
        columns[name] = _column(values, name, path)
    return pl.DataFrame(columns)


def _cell(value):
    if isinstance(value, str) and value.strip() == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _column(values: list, name: str, path: Path) -> pl.Series:
    """Numbers stay numbers when every filled cell is one; otherwise the column is text."""
    filled = [v for v in values if v is not None]
    if filled and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in filled):
        dtype = pl.Int64 if all(isinstance(v, int) for v in filled) else pl.Float64
        return pl.Series(name, values, dtype=dtype)
    if filled and all(isinstance(v, bool) for v in filled):
        return pl.Series(name, values, dtype=pl.Boolean)
    return pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.String)
