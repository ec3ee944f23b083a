"""Agenda shares against hand-computed values: groups, periods, words, primary, roll-ups, intervals."""

from __future__ import annotations

import csv
import datetime as dt
import json

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from agenda.codebook import Codebook, Item
from agenda.export import write_table

# p is a parent of c; q stands alone. Primary ties go to the item listed first (p before c).
CODEBOOK = Codebook(
    id="hand",
    version="1.0",
    title="hand",
    items=(Item("p", 1, "Parent", color="#123456"), Item("c", 2, "Child", parent="p"), Item("q", 3, "Q")),
)


def coded_table() -> pl.DataFrame:
    """Six units in three documents, coded by hand."""
    rows = [
        # doc, unit, source, date, n_words, p, c, q, primary
        ("A", 1, "x", "2021-01-05", 10, 0, 1, 0, "c"),
        ("A", 2, "x", "2021-01-05", 20, 0, 0, 2, "q"),
        ("A", 3, "x", "2021-01-05", 5, 0, 0, 0, None),
        ("B", 1, "x", "2021-03-02", 10, 1, 1, 1, "p"),  # a tie of three: p is listed first
        ("B", 2, "x", "2021-03-02", 15, 0, 0, 1, "q"),
        ("C", 1, "y", "2021-01-20", 8, 0, 0, 0, None),
    ]
    names = ["doc_id", "unit", "source", "date", "n_words", "p", "c", "q", "primary"]
    table = pl.DataFrame(rows, schema=names, orient="row").with_columns(
        pl.col("unit", "n_words", "p", "c", "q").cast(pl.UInt32)
    )
    n_items = pl.sum_horizontal(pl.col(i) > 0 for i in ("p", "c", "q")).cast(pl.UInt32).alias("n_items")
    return table.with_columns(n_items).select(*names[:-1], "n_items", "primary")


def rows(table: pl.DataFrame, *keys: str) -> dict:
    return {tuple(r[k] for k in keys): r for r in table.iter_rows(named=True)}


def test_units_share_by_group_rolls_up_parents():
    got = rows(agenda.shares(coded_table(), CODEBOOK, by="source", ci="none"), "source", "item")
    # x: units A1 A2 A3 B1 B2; p counts A1 (its child c) and B1; q counts A2 B1 B2
    assert got[("x", "p")]["units"] == 5 and got[("x", "p")]["units_with_item"] == 2
    assert got[("x", "p")]["share"] == pytest.approx(2 / 5)
    assert got[("x", "c")]["share"] == pytest.approx(2 / 5)
    assert got[("x", "q")]["share"] == pytest.approx(3 / 5)
    assert got[("x", "p")]["docs"] == 2
    assert got[("y", "q")]["share"] == 0.0 and got[("y", "q")]["units"] == 1
    assert got[("x", "c")]["parent"] == "p" and got[("x", "p")]["parent"] is None
    assert got[("x", "c")]["label"] == "Child"


def test_words_weighting():
    got = rows(agenda.shares(coded_table(), CODEBOOK, by="source", measure="words", ci="none"), "source", "item")
    # x has 10+20+5+10+15 = 60 words; p: A1 + B1 = 20; q: A2 + B1 + B2 = 45
    assert got[("x", "p")]["words"] == 60 and got[("x", "p")]["words_with_item"] == 20
    assert got[("x", "p")]["share"] == pytest.approx(20 / 60)
    assert got[("x", "q")]["share"] == pytest.approx(45 / 60)


def test_primary_with_ties_and_none_sums_to_one():
    table = agenda.shares(coded_table(), CODEBOOK, by="source", measure="primary", ci="none")
    got = rows(table, "source", "item")
    assert got[("x", "p")]["share"] == pytest.approx(2 / 5)  # A1 (child c) and B1 (the tie)
    assert got[("x", "c")]["share"] == pytest.approx(1 / 5)
    assert got[("x", "q")]["share"] == pytest.approx(2 / 5)
    assert got[("x", "none")]["share"] == pytest.approx(1 / 5)
    assert got[("x", "none")]["label"] == "No item"
    assert got[("y", "none")]["share"] == 1.0
    top = table.filter(pl.col("parent").is_null()).group_by("source").agg(pl.col("share").sum())
    assert top["share"].to_list() == pytest.approx([1.0, 1.0])
    assert table["item"].to_list()[:4] == ["p", "c", "q", "none"]


def test_periods_fill_empty_months():
    table = agenda.shares(coded_table(), CODEBOOK, period="month", ci="none")
    got = rows(table, "period", "item")
    jan, feb, mar = dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 3, 1)
    assert table["period"].unique().sort().to_list() == [jan, feb, mar]
    assert got[(jan, "p")]["units"] == 4 and got[(jan, "p")]["share"] == pytest.approx(1 / 4)
    assert got[(feb, "p")]["units"] == 0 and got[(feb, "p")]["share"] is None
    assert got[(mar, "q")]["share"] == 1.0
    year = agenda.shares(coded_table(), CODEBOOK, period="year", by="source", ci="none")
    assert rows(year, "source", "item")[("x", "q")]["period"] == dt.date(2021, 1, 1)


def test_wilson_interval_known_values():
    table = agenda.shares(coded_table(), CODEBOOK, period="month", ci="wilson")
    jan = rows(table, "period", "item")[(dt.date(2021, 1, 1), "p")]
    # 1 of 4: the Wilson 95% interval is (0.0456, 0.6994), as in statsmodels' proportion_confint
    assert jan["ci_low"] == pytest.approx(0.045587, abs=1e-5)
    assert jan["ci_high"] == pytest.approx(0.699358, abs=1e-5)
    feb = rows(table, "period", "item")[(dt.date(2021, 2, 1), "p")]
    assert feb["ci_low"] is None


def test_bootstrap_resamples_documents_not_units():
    # one document wholly on the item, one wholly off: resampling documents gives shares of
    # 0, 1/2 or 1, so the 95% interval is [0, 1]; resampling units would give about 0.5 +- 0.22
    units = pl.DataFrame(
        {
            "doc_id": ["A"] * 10 + ["B"] * 10,
            "n_words": [10] * 20,
            "p": [1] * 10 + [0] * 10,
            "n_items": [0] * 20,
            "primary": [None] * 20,
        },
        schema_overrides={"primary": pl.String},
    )
    book = Codebook(id="b", version="1", title="b", items=(Item("p", 1, "P"),))
    got = agenda.shares(units, book, ci="bootstrap", seed=1)
    assert got["share"][0] == 0.5
    assert (got["ci_low"][0], got["ci_high"][0]) == (0.0, 1.0)


def test_bootstrap_matches_normal_approximation_and_is_reproducible():
    n = 200
    units = pl.DataFrame(
        {
            "doc_id": [f"d{i:03}" for i in range(n)],
            "n_words": [10] * n,
            "p": [1 if i % 10 < 3 else 0 for i in range(n)],
            "n_items": [0] * n,
            "primary": [None] * n,
        },
        schema_overrides={"primary": pl.String},
    )
    book = Codebook(id="b", version="1", title="b", items=(Item("p", 1, "P"),))
    first = agenda.shares(units, book, seed=7)
    # one unit a document: p = 0.3, n = 200, 0.3 +- 1.96 * sqrt(0.3 * 0.7 / 200) = [0.236, 0.364]
    assert first["ci_low"][0] == pytest.approx(0.236, abs=0.025)
    assert first["ci_high"][0] == pytest.approx(0.364, abs=0.025)
    assert first.equals(agenda.shares(units, book, seed=7))
    other = agenda.shares(units, book, seed=8)
    assert (other["ci_low"][0], other["ci_high"][0]) != (first["ci_low"][0], first["ci_high"][0])


def test_bootstrap_one_document_has_no_interval():
    got = rows(agenda.shares(coded_table(), CODEBOOK, by="source"), "source", "item")
    assert got[("y", "p")]["ci_low"] is None and got[("y", "p")]["ci_high"] is None
    assert got[("x", "q")]["ci_low"] is not None


def test_codebook_from_provenance_and_columns(tmp_path):
    table = coded_table()
    provenance = {"codebook": "hand", "codebook_version": "1.0", "codebook_sha256": "0" * 64, "agenda_version": "x"}
    out = tmp_path / "coded.csv"
    write_table(table, out, provenance, codebook=CODEBOOK)
    got = agenda.shares(out, ci="none")  # no codebook: items from the columns, labels from the metadata
    assert got["item"].to_list() == ["p", "c", "q"]
    assert got["label"].to_list() == ["Parent", "Child", "Q"]
    assert got["share"].to_list() == pytest.approx([1 / 6, 2 / 6, 3 / 6])  # no roll-up without the codebook


def test_csv_and_parquet_give_the_same_shares(tmp_path):
    table = coded_table()
    write_table(table, tmp_path / "c.csv", {})
    write_table(table, tmp_path / "c.parquet", {})
    a = agenda.shares(tmp_path / "c.csv", CODEBOOK, by="source", period="month", seed=3)
    b = agenda.shares(tmp_path / "c.parquet", CODEBOOK, by="source", period="month", seed=3)
    assert a.equals(b)


@pytest.mark.parametrize(
    ("table", "options", "message"),
    [
        (coded_table().drop("n_words"), {}, "not a coded table"),
        (pl.DataFrame({"doc_id": ["a"], "unit": [1], "item": ["p"], "hits": [1], "terms": ["x"]}), {}, "long"),
        (coded_table(), {"by": "nope"}, "no column 'nope'"),
        (coded_table(), {"period": "month", "date_column": "when"}, "no date column 'when'"),
        (coded_table().with_columns(pl.lit("soon").alias("date")), {"period": "month"}, "'soon' does not parse"),
        (coded_table().with_columns(pl.lit(None, pl.String).alias("date")), {"period": "month"}, "is empty"),
        (coded_table().with_columns(pl.lit(3).alias("date")), {"period": "month"}, "holds years .* needs dates"),
        (coded_table().with_columns(pl.lit(3.5).alias("date")), {"period": "year"}, "not dates or years"),
        (coded_table(), {"cluster": "speech"}, "no cluster column 'speech'"),
        (coded_table(), {"cluster": "source", "ci": "wilson"}, "applies to --ci bootstrap"),
        (coded_table(), {"period": "year", "bins": [2000]}, "not both"),
        (coded_table(), {"bins": "1990,1980"}, "increasing years"),
        (coded_table(), {"bins": "19x0"}, "years separated by commas"),
        (coded_table(), {"bins": [2022, 2023]}, "before the first of --bins"),
        (coded_table(), {"period": "fortnight"}, "unknown period"),
        (coded_table(), {"measure": "words", "ci": "wilson"}, "Wilson"),
        (coded_table(), {"measure": "hits"}, "unknown measure"),
        (coded_table().drop("q"), {}, "no column for item 'q'"),
    ],
)
def test_bad_input_names_the_problem(table, options, message):
    with pytest.raises(agenda.AgendaError, match=message):
        agenda.shares(table, CODEBOOK, **options)


def test_cli_writes_shares_with_provenance(tmp_path):
    write_table(coded_table(), tmp_path / "coded.csv", {"codebook": "hand"})
    book = tmp_path / "hand.yaml"
    book.write_text(
        "codebook: hand\nversion: '1.0'\nitems:\n"
        "  - {id: p, code: 1, label: Parent, terms: [pp]}\n"
        "  - {id: c, code: 2, label: Child, parent: p, terms: [cc]}\n"
        "  - {id: q, code: 3, label: Q, terms: [qq]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "shares.csv"
    args = [str(tmp_path / "coded.csv"), "-c", str(book), "--by", "source", "--ci", "wilson", "-o", str(out)]
    result = CliRunner().invoke(main, ["shares", *args])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        read = {(r["source"], r["item"]): r for r in csv.DictReader(handle)}
    assert float(read[("x", "p")]["share"]) == pytest.approx(0.4)
    assert read[("x", "c")]["parent"] == "p"
    meta = json.loads((tmp_path / "shares.csv.meta.json").read_text("utf-8"))
    assert (meta["codebook"], meta["ci"], meta["by"], meta["measure"]) == ("hand", "wilson", "source", "units")


def test_cli_prints_a_table_and_fails_cleanly(tmp_path):
    write_table(coded_table(), tmp_path / "coded.csv", {})
    runner = CliRunner()
    printed = runner.invoke(main, ["shares", str(tmp_path / "coded.csv"), "--ci", "none"])
    assert printed.exit_code == 0 and "| p " in printed.output
    bad = runner.invoke(main, ["shares", str(tmp_path / "coded.csv"), "--by", "speaker"])
    assert bad.exit_code == 2
    assert "no column 'speaker'" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(main, ["shares", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_sentinel_dates_list_only_the_periods_present():
    """0001-01-01 and 9999-12-31 span 3.65 million days: the table lists the days that hold units."""
    table = coded_table().with_columns(
        pl.when(pl.col("doc_id") == "A").then(pl.lit("0001-01-01")).otherwise(pl.col("date")).alias("date")
    )
    table = table.with_columns(
        pl.when(pl.col("doc_id") == "C").then(pl.lit("9999-12-31")).otherwise(pl.col("date")).alias("date")
    )
    shares = agenda.shares(table, CODEBOOK, period="day", by="source", seed=1, resamples=50)
    days = [dt.date(1, 1, 1), dt.date(2021, 3, 2), dt.date(9999, 12, 31)]
    assert shares["period"].unique().sort().to_list() == days
    assert shares.height == 2 * 3 * 3  # sources x days x items
    got = rows(shares, "source", "period", "item")
    assert got[("x", days[0], "q")]["units"] == 3 and got[("x", days[0], "q")]["share"] == pytest.approx(1 / 3)
    assert got[("y", days[0], "q")]["units"] == 0 and got[("y", days[2], "p")]["units"] == 1
    # Within 10,000 periods the gaps are listed, as before: 2021-01-05 to 2021-03-02 is 57 days.
    daily = agenda.shares(coded_table(), CODEBOOK, period="day", ci="none")
    assert daily["period"].n_unique() == 57


@pytest.mark.parametrize("column", ["item", "share", "hits"])
def test_a_by_column_named_like_a_shares_column_is_refused(tmp_path, column):
    # Found by the fuzz test: a corpus column `item` ended in a polars DuplicateError.
    coded = tmp_path / "coded.csv"
    coded.write_text(f"doc_id,unit,{column},n_words,ukraine,n_items,primary\nd1,1,x,5,1,1,ukraine\n")
    cb = tmp_path / "cb.yaml"
    cb.write_text("codebook: c\nversion: '1'\nitems:\n  - {id: ukraine, code: 1, label: Ukraine, terms: [kyiv]}\n")
    result = CliRunner().invoke(main, ["shares", str(coded), "-c", str(cb), "--by", column])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and f"--by {column}: the shares table has a column" in result.stderr
