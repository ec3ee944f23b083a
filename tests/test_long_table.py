"""The long table carries the corpus's metadata, and with --all-units every unit, so shares come from it alone."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner
from test_rollup import BOOK, CORPUS

import agenda
from agenda.cli import main

DATED = CORPUS.with_columns(pl.Series("source", ["wire", "wire", "daily"]))


def test_long_rows_carry_the_metadata():
    long = agenda.code(DATED, BOOK, long=True)
    assert long.columns[:4] == ["doc_id", "unit", "source", "item"]
    assert long.filter(pl.col("item") == "war").select("doc_id", "source", "hits").rows() == [("d1", "wire", 2)]


def test_all_units_keeps_uncoded_units_and_gives_the_wide_shares():
    long = agenda.code(DATED, BOOK, long=True, all_units=True)
    uncoded = long.filter(pl.col("item").is_null())
    assert uncoded.select("doc_id", "unit", "source", "hits", "terms").rows() == [("d2", 2, "wire", 0, "")]
    # computed from the long table alone, as an R user would: units coded for econ / all units, by source
    units = long.group_by("source").agg(pl.struct("doc_id", "unit").n_unique().alias("n"))
    econ = long.filter(pl.col("item") == "econ").group_by("source").agg(pl.len().alias("k"))
    by_hand = dict(units.join(econ, on="source", how="left").select("source", pl.col("k") / pl.col("n")).iter_rows())
    assert by_hand == pytest.approx({"wire": 2 / 4, "daily": 1 / 1})
    wide = agenda.shares(agenda.code(DATED, BOOK), BOOK, by="source", ci="none").filter(pl.col("item") == "econ")
    assert dict(zip(wide["source"], wide["share"])) == pytest.approx(by_hand)


def test_all_units_needs_the_long_table(tmp_path):
    with pytest.raises(agenda.AgendaError, match="--all-units applies to the long table"):
        agenda.code(DATED, BOOK, all_units=True)
    DATED.write_csv(tmp_path / "c.csv")
    book = tmp_path / "b.yaml"
    book.write_text("codebook: t\nversion: '1'\nitems:\n  - {id: war, code: 1, label: War, terms: {en: [war]}}\n")
    args = ["code", str(tmp_path / "c.csv"), "-c", str(book), "-o", str(tmp_path / "o.csv"), "--all-units"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--all-units applies" in result.stderr
    result = CliRunner().invoke(main, [*args, "--long"])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(tmp_path / "o.csv")["item"].null_count() == 4  # d1-1, d2-1, d2-2, d3-1 have no war
