"""One roll-up rule: a parent's column holds the parent coded when it or a child is, in every table.

Checked against the hand count, against Stata's reader (pyreadstat, as `tab` sees the .dta) and
against R's haven where Rscript with haven is installed.
"""

from __future__ import annotations

import subprocess

import polars as pl
import pyreadstat
import pytest
from test_r_roundtrip import rscript

import agenda
from agenda.export import write_table
from agenda.rollup import rolled_up
from conftest import make_codebook

# econ is a parent of jobs and prices; prices is a parent of fuel (three levels); war stands alone.
BOOK = make_codebook(
    """
    - {id: econ, code: 1, label: Economy, terms: {en: [economy]}}
    - {id: jobs, code: 2, label: Jobs, parent: econ, terms: {en: [jobs]}}
    - {id: prices, code: 3, label: Prices, parent: econ, terms: {en: [prices]}}
    - {id: fuel, code: 4, label: Fuel, parent: prices, terms: {en: [fuel]}}
    - {id: war, code: 5, label: War, terms: {en: [war]}}
    """
)
CORPUS = pl.DataFrame(
    {
        "doc_id": ["d1", "d2", "d3"],
        "text": [
            "The economy and jobs.\n\nWar and war again.",  # unit 1: econ 1 + jobs 1; unit 2: war 2
            "Fuel prices, fuel.\n\nNothing here at all.",  # unit 1: prices 1 + fuel 2; unit 2: none
            "Jobs, jobs.",  # unit 1: jobs 2
        ],
    }
)


def test_wide_table_rolls_parents_up_and_primary_stays_specific():
    coded = agenda.code(CORPUS, BOOK)
    got = coded.select("doc_id", "unit", "econ", "jobs", "prices", "fuel", "war", "n_items", "primary").rows()
    assert got == [
        ("d1", 1, 2, 1, 0, 0, 0, 2, "econ"),  # econ: own 1 + jobs 1; primary: tie of own hits, econ first
        ("d1", 2, 0, 0, 0, 0, 2, 1, "war"),
        ("d2", 1, 3, 0, 3, 2, 0, 3, "fuel"),  # prices: own 1 + fuel 2 = 3; econ: 0 + prices 3 = 3
        ("d2", 2, 0, 0, 0, 0, 0, 0, None),
        ("d3", 1, 2, 2, 0, 0, 0, 2, "jobs"),
    ]
    # own hits are recoverable: the parent minus its direct children
    own = coded.select(pl.col("econ") - pl.col("jobs") - pl.col("prices"))["econ"].to_list()
    assert own == [1, 0, 0, 0, 0]


def test_long_table_rolls_up_with_the_terms_of_all():
    long = agenda.code(CORPUS, BOOK, long=True)
    econ = long.filter(pl.col("item") == "econ").select("doc_id", "unit", "hits", "terms").rows()
    assert econ == [("d1", 1, 2, "economy; jobs"), ("d2", 1, 3, "fuel; prices"), ("d3", 1, 2, "jobs")]
    wide = agenda.code(CORPUS, BOOK)
    for item in BOOK.item_ids:  # every item: the long rows are the wide table's units with hits
        coded_units = wide.filter(pl.col(item) > 0).select("doc_id", "unit", pl.col(item).alias("hits"))
        rows = long.filter(pl.col("item") == item).select("doc_id", "unit", "hits")
        assert rows.rows() == coded_units.rows(), item


def test_stata_tab_gives_the_share_that_shares_gives(tmp_path):
    coded = agenda.code(CORPUS, BOOK)
    write_table(coded, tmp_path / "coded.dta", BOOK.provenance(), codebook=BOOK)
    stata, _ = pyreadstat.read_dta(tmp_path / "coded.dta", output_format="polars")
    shares = agenda.shares(coded, BOOK, ci="none")
    for item in BOOK.item_ids:
        tab = (stata[item] > 0).mean()  # `tab` of the variable, as a share of units
        assert shares.filter(pl.col("item") == item)["share"][0] == pytest.approx(tab), item
    assert (stata["econ"] > 0).mean() == pytest.approx(3 / 5)  # d1-1, d2-1, d3-1 by hand


def test_haven_reads_the_rolled_up_parent(tmp_path):
    r = rscript()
    coded = agenda.code(CORPUS, BOOK)
    write_table(coded, tmp_path / "coded.dta", BOOK.provenance(), codebook=BOOK)
    script = 'x <- haven::read_dta(commandArgs(TRUE)[1]); cat(mean(x$econ > 0), sum(x$econ), "\\n")'
    out = subprocess.run([r, "-e", script, str(tmp_path / "coded.dta")], capture_output=True, text=True, check=True)
    share, total = out.stdout.split()
    assert float(share) == pytest.approx(3 / 5) and int(total) == 7


def test_rolled_up_expressions_turn_own_hits_into_the_coded_columns():
    own = pl.DataFrame({"econ": [1, 0], "jobs": [1, 0], "prices": [0, 1], "fuel": [0, 2], "war": [0, 0]})
    assert own.with_columns(rolled_up(BOOK)).rows() == [(2, 1, 0, 0, 0), (3, 0, 3, 2, 0)]
