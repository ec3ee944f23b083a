"""Corpora already split into units: one row a unit, the document in the id column, the unit's number given.

`agenda code --unit-column paragraph` reads such a table: the rows are the units (nothing is split
again) and they keep the numbers the corpus gives them, so the coded table merges back on
(doc_id, unit). A document's rows must be together (sorted by document, in any unit order), so
that batches hold whole documents; a (doc_id, unit) pair given twice is an error.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from agenda.errors import AgendaError

MAX_UNIT = 2**31 - 1  # units are 32-bit signed integers in R and Stata


def check_units(frame: pl.DataFrame, names: str, seen: pl.Series) -> None:
    """Unit numbers are whole numbers from 1; a document's rows are together; no unit is given twice.

    seen holds the documents of earlier batches: a document found again there was not together.
    """
    unit = frame["unit"]
    number = unit.cast(pl.Int64, strict=False)
    bad = (number.is_null() | (number < 1) | (number > MAX_UNIT)).arg_true()
    if len(bad):
        row = bad[0]
        raise AgendaError(
            f"{names}: document {frame['doc_id'][row]!r}: unit number {unit[row]!r} is not a whole number "
            f"from 1 to {MAX_UNIT} (--unit-column)"
        )
    ids = frame["doc_id"]
    missing = (ids.is_null() | (ids == "")).arg_true()
    if len(missing):
        raise AgendaError(f"{names}: row {missing[0] + 1} of a batch has no doc_id (null or empty)")
    runs = ids.rle()
    values = runs.struct.field("value")
    again = values.is_duplicated() | values.is_in(seen.implode())
    if again.any():
        raise AgendaError(
            f"{names}: the rows of document {values.filter(again)[0]!r} are not together; sort the corpus by "
            "document (--unit-column reads one row a unit, a document's units in a run)"
        )
    pairs = pl.DataFrame({"doc_id": ids, "unit": number})
    twice = pairs.is_duplicated()
    if twice.any():
        doc, n = pairs.filter(twice).row(0)
        raise AgendaError(f"{names}: document {doc!r} has unit {n} twice (--unit-column)")


def whole_documents(batches: Iterator[tuple[pl.DataFrame, int]]) -> Iterator[tuple[pl.DataFrame, int]]:
    """Batches of rows re-cut so that a document's rows, which may run across two batches, stay in one.

    The rows of each batch's last document wait for the next batch; the bytes taken go with them
    in proportion to their rows.
    """
    held: pl.DataFrame | None = None
    held_taken = 0
    for frame, taken in batches:
        if held is not None:
            frame, taken = pl.concat([held, frame], how="vertical_relaxed"), taken + held_taken
        if frame.height == 0:
            held, held_taken = frame, taken
            continue
        runs = frame["doc_id"].rle_id()
        before_last = frame.height - int((runs == runs[-1]).sum())
        if before_last == 0:  # one document so far: keep gathering
            held, held_taken = frame, taken
            continue
        share = taken * before_last // frame.height
        yield frame.head(before_last), share
        held, held_taken = frame.slice(before_last), taken - share
    if held is not None and held.height:
        yield held, held_taken
