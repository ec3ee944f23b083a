"""Clusters in the bootstrap, the few-clusters flag, and periods of integer years, decades and bins."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from agenda.codebook import Codebook, Item

BOOK = Codebook(id="one", version="1", title="one", items=(Item("p", 1, "P"),))


def paragraphs(speeches: int, year: int = 1789) -> pl.DataFrame:
    """Each speech is two paragraph-documents, one coded for p and one not: every speech's share is 1/2."""
    rows = []
    for s in range(speeches):
        for k, coded in enumerate((1, 0)):
            rows.append((f"s{s}-{k + 1}", 1, f"s{s}", year + 4 * s, 10, coded, coded, "p" if coded else None))
    names = ["doc_id", "unit", "speech", "Year", "n_words", "p", "n_items", "primary"]
    return pl.DataFrame(rows, schema=names, orient="row")


def test_clustered_bootstrap_resamples_speeches_not_paragraphs():
    table = paragraphs(6)
    by_speech = agenda.shares(table, BOOK, cluster="speech", seed=2)
    # every speech has share exactly 1/2, so any resample of speeches has share 1/2
    assert (by_speech["ci_low"][0], by_speech["ci_high"][0]) == (0.5, 0.5)
    assert by_speech["clusters"][0] == 6 and by_speech["docs"][0] == 12
    by_paragraph = agenda.shares(table, BOOK, seed=2)
    # resampling 12 independent paragraphs, half coded: the normal approximation gives 0.5 -/+ 0.28
    assert by_paragraph["clusters"][0] == 12
    assert by_paragraph["ci_low"][0] == pytest.approx(0.5 - 1.96 * (0.25 / 12) ** 0.5, abs=0.07)
    assert by_paragraph["ci_high"][0] > 0.7


def test_cluster_bootstrap_equals_the_bootstrap_of_documents_named_by_the_cluster():
    table = paragraphs(7).with_columns(p=pl.Series([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0]))
    table = table.with_columns(n_items=pl.col("p"), primary=pl.when(pl.col("p") > 0).then(pl.lit("p")))
    clustered = agenda.shares(table, BOOK, cluster="speech", seed=5, resamples=400)
    merged = agenda.shares(table.with_columns(pl.col("speech").alias("doc_id")), BOOK, seed=5, resamples=400)
    assert clustered.select("ci_low", "ci_high").equals(merged.select("ci_low", "ci_high"))


def test_fewer_than_five_clusters_are_flagged():
    four = agenda.shares(paragraphs(4), BOOK, cluster="speech")
    five = agenda.shares(paragraphs(5), BOOK, cluster="speech")
    assert four["few_clusters"].to_list() == [True] and five["few_clusters"].to_list() == [False]
    assert agenda.shares(paragraphs(4), BOOK, ci="none")["few_clusters"].to_list() == [False]  # no interval


def test_cli_warns_of_few_clusters_and_records_the_cluster(tmp_path):
    path = tmp_path / "coded.csv"
    paragraphs(3).write_csv(path)
    out = tmp_path / "shares.csv"
    result = CliRunner().invoke(main, ["shares", str(path), "--cluster", "speech", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 of 1 intervals rest on fewer than 5 clusters (speech)" in result.stderr
    meta = (tmp_path / "shares.csv.meta.json").read_text()
    assert '"cluster": "speech"' in meta
    bad = CliRunner().invoke(main, ["shares", str(path), "--cluster", "nope"])
    assert bad.exit_code == 2 and "no cluster column 'nope'" in bad.stderr


def test_integer_years_give_year_and_decade_periods():
    table = paragraphs(4)  # years 1789, 1793, 1797, 1801
    years = agenda.shares(table, BOOK, period="year", date_column="Year", ci="none")
    got = {r["period"]: r["units"] for r in years.iter_rows(named=True)}
    assert got[dt.date(1789, 1, 1)] == 2 and got[dt.date(1790, 1, 1)] == 0  # a gap year is listed, empty
    assert years.height == 13  # 1789..1801
    decades = agenda.shares(table, BOOK, period="decade", date_column="Year", ci="none")
    assert dict(zip(decades["period"], decades["units"])) == {
        dt.date(1780, 1, 1): 2,
        dt.date(1790, 1, 1): 4,
        dt.date(1800, 1, 1): 2,
    }


def test_custom_bins_start_a_period_at_each_year():
    table = paragraphs(6)  # 1789 1793 1797 1801 1805 1809
    got = agenda.shares(table, BOOK, bins="1789,1800,1805,1900", date_column="Year", ci="none")
    # 1789-1799: three speeches; 1800-1804: one; 1805-: two; 1900 holds none and lies past the last unit
    assert dict(zip(got["period"], got["units"])) == {
        dt.date(1789, 1, 1): 6,
        dt.date(1800, 1, 1): 2,
        dt.date(1805, 1, 1): 4,
    }
    dated = table.with_columns(pl.date(pl.col("Year"), 3, 4).alias("date"))
    assert agenda.shares(dated, BOOK, bins=[1789, 1800, 1805], ci="none")["units"].to_list() == [6, 2, 4]
