"""Stata (.dta) and SPSS (.sav) files: valid variable names, labels, types, and the writers.

Both formats get the same variable names, chosen to satisfy both programs: at most 32 ASCII
letters, digits and underscores, starting with a letter, unique (ignoring case, as SPSS does),
and not a reserved word of either. Columns that break a rule are renamed and the renames are
returned so that callers report them. Item columns get their codebook label as variable label,
and `primary` (and `item` in the long table) becomes the item's numeric code with value labels.

Stata gets format 118 (Unicode, strL for strings over 2045 bytes). SPSS strings hold at most
32767 bytes, so a longer text column is split into parts (text, text_2, ...) and reported.
The writers' timestamps are fixed so that the same inputs give byte-identical files.
"""

from __future__ import annotations

import os
import re
import struct
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from agenda.errors import AgendaError

NAME_LENGTH = 32
LABEL_LENGTH = 80  # Stata's limit for variable and dataset labels
SAV_FILE_LABEL_LENGTH = 64
SAV_STRING_BYTES = 32767
SAV_VALUE_LABEL_BYTES = 120  # SPSS's limit for a value label, in bytes of UTF-8
SAV_PIECE_CHARS = 8000  # 8000 characters are at most 32000 bytes of UTF-8
STATA_LONG = (-2_147_483_647, 2_147_483_620)  # the range of Stata's long type
STATA_RESERVED = {
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_pi",
    "_pred", "_rc", "_skip", "strl", "using", "with",
}  # fmt: skip
SPSS_RESERVED = {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g u".split(),
        strict=True,
    )
)
_TRANSLIT = str.maketrans({**_CYRILLIC, **{k.upper(): v.capitalize() for k, v in _CYRILLIC.items()}})
ITEM_CODE_COLUMNS = ("primary", "item")
COLUMN_LABELS = {
    "doc_id": "Document id",
    "unit": "Unit: position in its document (1-based)",
    "text": "Text of the unit",
    "n_words": "Number of words in the unit",
    "n_items": "Number of agenda items coded in the unit",
    "primary": "Primary agenda item (most hits)",
    "item": "Agenda item",
    "hits": "Hits of the item in the unit",
    "terms": "Matched terms",
}


@dataclass
class Prepared:
    """A frame ready for pyreadstat, with its labels and what was changed to fit the format."""

    frame: pl.DataFrame
    column_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    file_label: str
    notes: list[str]
    renames: dict[str, str] = field(default_factory=dict)


def _reserved(name: str) -> bool:
    low = name.lower()
    return low in STATA_RESERVED or low in SPSS_RESERVED or re.fullmatch(r"str\d+", low) is not None


def valid_name(name: str) -> str:
    """A Stata- and SPSS-valid spelling of one column name (uniqueness is valid_names' job)."""
    ascii_name = unicodedata.normalize("NFKD", name.translate(_TRANSLIT))
    ascii_name = "".join(ch for ch in ascii_name if not unicodedata.combining(ch))
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name).strip("_")
    if not clean or not clean[0].isalpha():
        clean = "v" + clean
    clean = clean[:NAME_LENGTH]
    if _reserved(clean):
        clean = clean[: NAME_LENGTH - 1] + "_"
    return clean


def valid_names(columns: list[str]) -> dict[str, str]:
    """Map every column to a valid, unique name; valid names are kept, the others renamed.

    Names are unique ignoring case. A renamed column that collides gets _2, _3, ... appended.
    """
    taken: set[str] = set()
    out: dict[str, str] = {}
    for column in columns:  # valid names first, so that no rename takes the name of a valid column
        if valid_name(column) == column and column.lower() not in taken:
            out[column] = column
            taken.add(column.lower())
    for column in columns:
        if column in out:
            continue
        base = valid_name(column)
        name, k = base, 1
        while name.lower() in taken:
            k += 1
            suffix = f"_{k}"
            name = base[: NAME_LENGTH - len(suffix)] + suffix
        out[column] = name
        taken.add(name.lower())
    return {column: out[column] for column in columns}


def _item_codes(frame: pl.DataFrame, column: str, items: list[dict], source: str) -> pl.Expr:
    codes = {item["id"]: int(item["code"]) for item in items}
    values = frame[column].drop_nulls().unique().sort().to_list()
    unknown = [v for v in values if v not in codes]
    if unknown:
        raise AgendaError(f"{source}: column {column!r} holds item {unknown[0]!r}, which is not in the codebook")
    return pl.col(column).replace_strict(codes, default=None, return_dtype=pl.Int32)


def _convert(frame: pl.DataFrame, column: str, dtype: pl.DataType, source: str) -> pl.Expr:
    """A column in a type both Stata and SPSS store faithfully."""
    col = pl.col(column)
    if dtype == pl.Boolean:
        return col.cast(pl.Int8)
    if dtype.is_integer():
        low, high = frame[column].min(), frame[column].max()
        fits = low is None or (low >= STATA_LONG[0] and high <= STATA_LONG[1])
        return col.cast(pl.Int32) if fits else col.cast(pl.Float64)
    if dtype.is_float() or dtype.is_decimal():
        return col.cast(pl.Float64)
    if dtype in (pl.Date, pl.String) or isinstance(dtype, pl.Datetime):
        return col.dt.replace_time_zone(None) if isinstance(dtype, pl.Datetime) and dtype.time_zone else col
    if dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype in (pl.Time, pl.Duration):
        return col.cast(pl.String)
    raise AgendaError(f"{source}: column {column!r} has type {dtype}, which Stata and SPSS cannot store")


def _split_long_strings(frame: pl.DataFrame, labels: dict[str, str], notes: list[str]) -> pl.DataFrame:
    """SPSS: split string columns longer than 32767 bytes into parts that never end in a space."""
    for column, dtype in frame.schema.items():
        if dtype != pl.String or (frame[column].str.len_bytes().max() or 0) <= SAV_STRING_BYTES:
            continue
        n_long = int((frame[column].str.len_bytes() > SAV_STRING_BYTES).sum())
        parts = -(-int(frame[column].str.len_chars().max()) // SAV_PIECE_CHARS)
        text = pl.col(column)
        bounds = [pl.lit(0)]
        for i in range(1, parts):
            prefix = text.str.slice(0, i * SAV_PIECE_CHARS)
            spaces = prefix.str.len_chars() - prefix.str.strip_chars_end().str.len_chars()
            bounds.append(pl.max_horizontal(bounds[-1], i * SAV_PIECE_CHARS - spaces))
        bounds.append(text.str.len_chars())
        names = [column] + [f"{column}_{i}" for i in range(2, parts + 1)]
        pieces = [
            text.str.slice(bounds[i], (bounds[i + 1] - bounds[i]).clip(0)).alias(name) for i, name in enumerate(names)
        ]
        split = frame.select(pieces)
        for name in names[:-1]:
            bad = split[name].str.len_bytes().max() > SAV_STRING_BYTES or split[name].str.contains(r"\s$").any()
            if bad:
                raise AgendaError(f"column {column!r} cannot be split for SPSS's 32767-byte strings; write .dta")
        label = labels.get(column, column)
        for i, name in enumerate(names, 1):
            labels[name] = f"{label} (part {i} of {parts})"
        at = frame.columns.index(column)
        frame = pl.concat(
            [frame.select(frame.columns[:at]), split, frame.select(frame.columns[at + 1 :])], how="horizontal"
        )
        notes.append(
            f"{column}: {n_long} value(s) longer than SPSS's {SAV_STRING_BYTES} bytes; split into {parts} "
            f"columns {names[0]} ... {names[-1]} of at most {SAV_PIECE_CHARS} characters (concatenate to rebuild)"
        )
    return frame


def _truncate(label: str, limit: int, what: str, notes: list[str]) -> str:
    if len(label) <= limit:
        return label
    notes.append(f"{what}: label cut to {limit} characters: {label!r}")
    return label[: limit - 1] + "…"


def _cut_bytes(label: str, limit: int, what: str, notes: list[str]) -> str:
    """A label cut to `limit` bytes of UTF-8 at a character boundary (ending in "…"), with a note naming it."""
    if len(label.encode("utf-8")) <= limit:
        return label
    cut = label.encode("utf-8")[: limit - len("…".encode())].decode("utf-8", "ignore")
    notes.append(f"{what}: value label cut to SPSS's {limit} bytes: {label!r}")
    return cut + "…"


def prepare(
    table: pl.DataFrame, provenance: dict[str, str], items: list[dict] | None, fmt: str, source: str = "table"
) -> Prepared:
    """Types, names and labels of a coded table for Stata ("dta") or SPSS ("sav").

    items are the codebook's items as {"id", "code", "label"}; without them item columns keep
    their ids as labels and `primary` stays a string.
    """
    items = items or []
    notes: list[str] = []
    frame = table.select(_convert(table, c, t, source).alias(c) for c, t in table.schema.items())
    labels = {c: COLUMN_LABELS[c] for c in frame.columns if c in COLUMN_LABELS}
    value_labels: dict[str, dict[int, str]] = {}
    by_id = {item["id"]: item for item in items}
    for column in frame.columns:
        if column in by_id:
            labels[column] = str(by_id[column]["label"])
    if items:
        for column in ITEM_CODE_COLUMNS:
            if column in frame.columns and frame.schema[column] == pl.String:
                frame = frame.with_columns(_item_codes(frame, column, items, source).alias(column))
                value_labels[column] = {int(item["code"]): str(item["label"]) for item in items}
    if fmt == "sav" and value_labels:  # readstat would cut them silently, maybe inside a character
        cut = {
            int(item["code"]): _cut_bytes(str(item["label"]), SAV_VALUE_LABEL_BYTES, f"item {item['id']!r}", notes)
            for item in items
        }
        value_labels = {column: {code: cut[code] for code in labels_of} for column, labels_of in value_labels.items()}
    if fmt == "sav":
        frame = _split_long_strings(frame, labels, notes)
    names = valid_names(frame.columns)
    renames = {old: new for old, new in names.items() if old != new}
    for old in renames:
        labels.setdefault(old, old)  # a renamed metadata column keeps its name as its label
    labels = {names[c]: _truncate(label, LABEL_LENGTH, names[c], notes) for c, label in labels.items()}
    value_labels = {names[c]: v for c, v in value_labels.items()}
    frame = frame.rename(renames)
    file_label = _truncate(dataset_label(provenance), LABEL_LENGTH, "dataset", notes)
    return Prepared(frame, labels, value_labels, file_label, notes, renames)


def dataset_label(provenance: dict[str, str]) -> str:
    """The dataset label: codebook id and version, a short sha256, agenda's version."""
    if not provenance.get("codebook"):
        return f"agenda {provenance.get('agenda_version', '')}".strip()
    sha = provenance.get("codebook_sha256", "")[:12]
    return (
        f"{provenance['codebook']} {provenance.get('codebook_version', '')}"
        f"{f' (sha256 {sha})' if sha else ''}, agenda {provenance.get('agenda_version', '')}"
    )


def provenance_notes(provenance: dict[str, str]) -> list[str]:
    """One key=value line per provenance entry, for Stata notes and SPSS documents (80 bytes a line)."""
    return [f"{key}={value}" for key, value in sorted(provenance.items()) if isinstance(value, str)]


def _epoch() -> time.struct_time:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else 1 January 1970."""
    return time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0))


def _fix_dta_timestamp(data: bytes) -> bytes:
    at = data.index(b"<timestamp>") + len(b"<timestamp>")
    if data[at] != 17:
        return data
    stamp = time.strftime("%d %b %Y %H:%M", _epoch()).encode("ascii")
    return data[: at + 1] + stamp + data[at + 18 :]


def _add_dta_notes(data: bytes, notes: list[str]) -> bytes:
    """Add Stata notes (`notes` lists them): characteristics _dta[note0] (count), _dta[note1...]."""
    order = "<" if b"<byteorder>LSF</byteorder>" in data[:200] else ">"
    start = data.index(b"<map>") + len(b"<map>")
    offsets = list(struct.unpack(f"{order}14Q", data[start : start + 112]))
    at = offsets[8] + len(b"<characteristics>")
    if data[offsets[8] : at] != b"<characteristics>":
        raise AgendaError("unexpected Stata file layout from pyreadstat: cannot add notes")
    entries = [("note0", str(len(notes)))] + [(f"note{i}", note) for i, note in enumerate(notes, 1)]
    blob = b""
    for name, text in entries:
        body = b"_dta".ljust(129, b"\0") + name.encode("ascii").ljust(129, b"\0") + text.encode("utf-8") + b"\0"
        blob += b"<ch>" + struct.pack(f"{order}I", len(body)) + body + b"</ch>"
    offsets[9:] = [offset + len(blob) for offset in offsets[9:]]
    return data[:start] + struct.pack(f"{order}14Q", *offsets) + data[start + 112 : at] + blob + data[at:]


def _fix_sav_timestamp(data: bytes) -> bytes:
    stamp = time.strftime("%d %b %y%H:%M:%S", _epoch()).encode("ascii")  # 9 + 8 bytes at offset 92
    return data[:92] + stamp + data[109:]


def write_dta(prepared: Prepared, path: Path, notes: list[str], name: str | Path | None = None) -> None:
    """Write a Stata 14+ file (format 118) with labels and notes, then fix its timestamp."""
    import pyreadstat

    try:
        pyreadstat.write_dta(
            prepared.frame,
            path,
            file_label=prepared.file_label,
            column_labels=prepared.column_labels,
            version=14,
            variable_value_labels=prepared.value_labels,
        )
    except Exception as exc:  # pyreadstat raises several classes
        raise AgendaError(f"{name or path}: cannot write Stata file: {exc}") from None
    path.write_bytes(_add_dta_notes(_fix_dta_timestamp(path.read_bytes()), notes))


def write_sav(prepared: Prepared, path: Path, notes: list[str], name: str | Path | None = None) -> None:
    """Write an SPSS file with labels, integer formats and documents, then fix its timestamp."""
    import pyreadstat

    frame = prepared.frame
    formats = {c: "F10.0" for c, t in frame.schema.items() if t.is_integer()}
    measure = {c: "nominal" for c in prepared.value_labels}
    measure.update({c: "scale" for c, t in frame.schema.items() if t.is_integer() and c not in measure})
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=prepared.file_label[:SAV_FILE_LABEL_LENGTH],
            column_labels=prepared.column_labels,
            note=[line[i : i + 80] for line in notes for i in range(0, len(line), 80)] or None,
            variable_value_labels=prepared.value_labels,
            variable_format=formats,
            variable_measure=measure,
        )
    except Exception as exc:
        raise AgendaError(f"{name or path}: cannot write SPSS file: {exc}") from None
    try:  # readstat can miss a full disk at its last flush: read the last row back
        if frame.height:
            pyreadstat.read_sav(path, output_format="polars", row_offset=frame.height - 1, row_limit=1)
    except Exception as exc:
        raise AgendaError(
            f"{name or path}: cannot write SPSS file: Unable to write data ({exc}; is the disk full?)"
        ) from None
    path.write_bytes(_fix_sav_timestamp(path.read_bytes()))
