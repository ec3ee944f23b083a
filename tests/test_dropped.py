"""Units dropped as boilerplate, too short or empty: counted by reason, kept on request, never in a share."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from conftest import make_codebook

BOOK = make_codebook(
    """
    - {id: war, code: 1, label: War, terms: {en: [war]}}
    """,
    "units: {split: paragraph, min_words: 3, drop: ['^Related Posts$']}\n",
)
CORPUS = pl.DataFrame(
    {
        "doc_id": ["a", "b", "c"],
        "source": ["wire", "wire", "daily"],
        "text": [
            "War came to the valley.\n\nRelated Posts\n\nToo short.",  # 1 kept, 2 boilerplate, 3 min_words
            "No war here, they said.\n\nPeace talks resumed today.",  # both kept
            "",  # an empty document: one empty unit
        ],
    }
)


def test_dropped_units_are_counted_by_reason_in_the_summary_and_provenance(tmp_path):
    CORPUS.write_parquet(tmp_path / "c.parquet")
    out = tmp_path / "coded.csv"
    written = agenda.code_to(tmp_path / "c.parquet", BOOK, out)
    assert written.dropped == {"empty": 1, "boilerplate": 1, "min_words": 1}
    assert written.rows == 3
    meta = json.loads((tmp_path / "coded.csv.meta.json").read_text())
    assert (meta["dropped_empty"], meta["dropped_boilerplate"], meta["dropped_min_words"]) == ("1", "1", "1")
    result = CliRunner().invoke(
        main, ["code", str(tmp_path / "c.parquet"), "-c", str(_book(tmp_path)), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "dropped 3 units (1 empty, 1 boilerplate, 1 min words)" in result.stderr


def _book(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text(
        "codebook: t\nversion: '1'\nunits: {split: paragraph, min_words: 3, drop: ['^Related Posts$']}\n"
        "items:\n  - {id: war, code: 1, label: War, terms: {en: [war]}}\n"
    )
    return path


def test_keep_dropped_keeps_them_uncoded_and_shares_leave_them_out():
    kept = agenda.code(CORPUS, BOOK, keep_dropped=True)
    assert kept.select("doc_id", "unit", "source", "n_words", "war", "n_items", "primary", "dropped").rows() == [
        ("a", 1, "wire", 5, 1, 1, "war", None),
        ("a", 2, "wire", 2, None, None, None, "boilerplate"),
        ("a", 3, "wire", 2, None, None, None, "min_words"),
        ("b", 1, "wire", 5, 1, 1, "war", None),
        ("b", 2, "wire", 4, 0, 0, None, None),
        ("c", 1, "daily", 0, None, None, None, "empty"),
    ]
    # the shares of the kept table are those of the table without the dropped rows: war in 2 of 3 units
    with_rows = agenda.shares(kept, BOOK, ci="none")
    without = agenda.shares(agenda.code(CORPUS, BOOK), BOOK, ci="none")
    assert with_rows["share"][0] == without["share"][0] == pytest.approx(2 / 3)
    assert with_rows["units"][0] == 3


def test_keep_dropped_refuses_the_long_table_and_a_clashing_column():
    with pytest.raises(agenda.AgendaError, match="--keep-dropped applies to the wide table"):
        agenda.code(CORPUS, BOOK, long=True, keep_dropped=True)
    with pytest.raises(agenda.AgendaError, match="corpus column 'dropped'"):
        agenda.code(CORPUS.with_columns(dropped=pl.lit("x")), BOOK, keep_dropped=True)
