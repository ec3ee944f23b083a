"""Rates per 1,000 words and the per-document counts table, against hand counts."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner
from test_shares import CODEBOOK, coded_table, rows

import agenda
from agenda.cli import main
from agenda.export import write_table


def test_rates_per_1000_words_by_group():
    got = rows(agenda.shares(coded_table(), CODEBOOK, by="source", ci="none"), "source", "item")
    # x: 60 words; q's hits A2 2 + B1 1 + B2 1 = 4 -> 4 / 60 * 1000; c: A1 1 + B1 1 = 2
    assert got[("x", "q")]["words"] == 60 and got[("x", "q")]["hits"] == 4
    assert got[("x", "q")]["per_1000_words"] == pytest.approx(4000 / 60)
    assert got[("x", "c")]["per_1000_words"] == pytest.approx(2000 / 60)
    assert got[("y", "q")]["per_1000_words"] == 0.0  # 8 words, no hits
    primary = rows(agenda.shares(coded_table(), CODEBOOK, by="source", measure="primary", ci="none"), "source", "item")
    assert primary[("x", "none")]["hits"] is None and primary[("x", "none")]["per_1000_words"] is None


def test_per_document_counts_with_constant_metadata():
    table = agenda.shares(coded_table(), CODEBOOK, per="document")
    assert table.columns[:4] == ["doc_id", "source", "date", "measure"]  # metadata constant within documents
    got = rows(table, "doc_id", "item")
    # A: 3 units, 35 words; q coded in A2 with 2 hits; B: 2 units, 25 words, q in B1 and B2
    assert (got[("A", "q")]["units"], got[("A", "q")]["units_with_item"], got[("A", "q")]["hits"]) == (3, 1, 2)
    assert got[("A", "q")]["words"] == 35 and got[("A", "q")]["per_1000_words"] == pytest.approx(2000 / 35)
    assert (got[("B", "q")]["units_with_item"], got[("B", "q")]["hits"]) == (2, 2)
    assert got[("B", "p")]["units_with_item"] == 1  # B1 (p and c)
    assert table["ci_low"].null_count() == table.height
    varying = coded_table().with_columns(pl.col("unit").cast(pl.String).alias("source"))  # differs within documents
    assert "source" not in agenda.shares(varying, CODEBOOK, per="document").columns


def test_per_document_refuses_groups_and_unknown_values(tmp_path):
    with pytest.raises(agenda.AgendaError, match="leave out --by"):
        agenda.shares(coded_table(), CODEBOOK, per="document", by="source")
    with pytest.raises(agenda.AgendaError, match="unknown --per 'speech'"):
        agenda.shares(coded_table(), CODEBOOK, per="speech")
    write_table(coded_table(), tmp_path / "coded.csv", {})
    out = tmp_path / "docs.csv"
    result = CliRunner().invoke(main, ["shares", str(tmp_path / "coded.csv"), "--per", "document", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(out).height == 3 * 3  # three documents, three items
