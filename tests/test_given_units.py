"""A corpus already split into units (--unit-column): rows are units, numbers kept, documents whole."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from conftest import make_codebook

BOOK = make_codebook(
    """
    - id: econ
      code: 1
      label: Economy
      terms: {en: [inflation]}
    """
)


def paragraphs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "speech": ["a", "a", "a", "b", "b"],
            "para": [2, 5, 7, 1, 2],
            "year": [1801, 1801, 1801, 1805, 1805],
            # the third row holds a blank line: a given unit is never split again
            "text": ["inflation rises", "peace now", "inflation\n\nand inflation again", "quiet", "inflation"],
        }
    )


def test_units_keep_their_numbers_and_are_not_split():
    coded = agenda.code(paragraphs().rename({"speech": "doc_id"}), BOOK, unit_column="para")
    assert coded.select("doc_id", "unit", "year", "n_words", "econ").rows() == [
        ("a", 2, 1801, 2, 1),
        ("a", 5, 1801, 2, 0),
        ("a", 7, 1801, 4, 2),
        ("b", 1, 1805, 1, 0),
        ("b", 2, 1805, 1, 1),
    ]


def test_cli_reads_a_table_of_units_and_the_batches_never_cut_a_document(tmp_path):
    path = tmp_path / "paras.csv"
    big = pl.concat(
        [paragraphs().with_columns(pl.col("speech") + f"{k}") for k in range(300)]
    )  # 1,500 rows, 600 speeches
    big.write_csv(path)
    out = tmp_path / "coded.csv"
    book = tmp_path / "book.yaml"
    book.write_text("codebook: t\nversion: '1'\nitems:\n  - {id: econ, code: 1, label: E, terms: {en: [inflation]}}\n")
    args = ["code", str(path), "--id-column", "speech", "--unit-column", "para", "-c", str(book), "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    coded = pl.read_csv(out)
    assert coded.height == 1500 and coded["unit"].to_list()[:5] == [2, 5, 7, 1, 2]
    # small batches (a few rows each) give the same table: documents are never cut
    small = pl.concat(list(agenda.code_batches(path, book, id_column="speech", unit_column="para", batch_bytes=40)))
    columns = ["doc_id", "unit", "econ"]
    assert small.select(columns).equals(coded.select(columns).cast({"unit": pl.Int32, "econ": pl.Int32}))
    # the units of each document are together and coded as in one batch: 2 coded units in every "a"
    per_doc = small.group_by("doc_id").agg((pl.col("econ") > 0).sum())
    assert per_doc.filter(pl.col("doc_id").str.starts_with("a"))["econ"].unique().to_list() == [2]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (paragraphs().with_columns(pl.Series("speech", ["a", "b", "a", "c", "c"])), "rows of document 'a' are not"),
        (paragraphs().with_columns(pl.Series("para", [1, 1, 2, 1, 2])), "document 'a' has unit 1 twice"),
        (paragraphs().with_columns(pl.Series("para", ["1", "x", "3", "1", "2"])), "unit number 'x' is not a whole"),
        (paragraphs().with_columns(pl.Series("para", [1, 0, 3, 1, 2])), "unit number '?0'? is not a whole"),
    ],
)
def test_bad_units_name_the_document(tmp_path, frame, message):
    path = tmp_path / "bad.csv"
    frame.write_csv(path)
    with pytest.raises(agenda.AgendaError, match=message):
        agenda.code(path, BOOK, id_column="speech", unit_column="para")
    with pytest.raises(agenda.AgendaError, match=message):
        agenda.code(frame.rename({"speech": "doc_id"}), BOOK, unit_column="para")


def test_unit_column_needs_a_table_with_that_column(tmp_path):
    (tmp_path / "a.txt").write_text("inflation")
    with pytest.raises(agenda.AgendaError, match="--unit-column reads a table"):
        agenda.code(tmp_path / "a.txt", BOOK, unit_column="para")
    paragraphs().write_csv(tmp_path / "p.csv")
    with pytest.raises(agenda.AgendaError, match="no unit column 'nope'"):
        agenda.code(tmp_path / "p.csv", BOOK, id_column="speech", unit_column="nope")
    with pytest.raises(agenda.AgendaError, match="name the unit's number with --unit-column"):
        agenda.code(tmp_path / "p.csv", BOOK, id_column="speech")


def test_a_column_named_unit_can_be_the_unit_column(tmp_path):
    path = tmp_path / "p.csv"
    paragraphs().rename({"para": "unit"}).write_csv(path)
    coded = agenda.code(path, BOOK, id_column="speech", unit_column="unit")
    assert coded["unit"].to_list() == [2, 5, 7, 1, 2]
