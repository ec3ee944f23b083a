"""The demo end to end on a small corpus of its own, and on the examples shipped in the package."""

from __future__ import annotations

import csv
import re

import matplotlib.image
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main

CODEBOOK = """\
codebook: demo-test
version: '0.1'
items:
  - {id: alpha, code: 1, label: Alpha, terms: [alpha]}
  - {id: beta, code: 2, label: Beta, terms: [beta]}
"""


@pytest.fixture
def corpus(write):
    write("corpus/k1.txt", "alpha one\n\nbeta two\n\nplain text\n")
    write("corpus/k2.txt", "alpha beta\n\nnothing here\n")
    write("corpus/w1.txt", "alpha\n\nalpha again\n\nbeta\n\nzero\n")
    write(
        "corpus/metadata.csv",
        "file,source,date\nk1.txt,Kremlin,2021-12-07\nk2.txt,Kremlin,2022-01-10\nw1.txt,White House,2021-12-07\n",
    )
    return write("demo-test.yaml", CODEBOOK).parent


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_demo_writes_coded_table_shares_and_charts(corpus):
    out = corpus / "out"
    written = agenda.demo(out, corpus=corpus / "corpus", codebook=corpus / "demo-test.yaml")
    names = {path.name for path, _ in written}
    assert {"coded.csv", "shares-by-source.csv", "shares-by-month.csv", "shares-by-source.png", "timeline.png"} <= names
    assert "report.html" in names  # tests/test_report*.py check what it holds
    assert all(path.exists() for path, _ in written)
    assert len(read(out / "coded.csv")) == 9
    by_source = {(r["source"], r["item"]): float(r["share"]) for r in read(out / "shares-by-source.csv")}
    # Kremlin: 5 units, alpha in 2, beta in 2; White House: 4 units, alpha in 2, beta in 1
    assert by_source == pytest.approx(
        {
            ("Kremlin", "alpha"): 0.4,
            ("Kremlin", "beta"): 0.4,
            ("White House", "alpha"): 0.5,
            ("White House", "beta"): 0.25,
        }
    )
    by_month = {(r["period"], r["item"]): float(r["share"]) for r in read(out / "shares-by-month.csv")}
    assert by_month[("2021-12-01", "alpha")] == pytest.approx(3 / 7)
    assert by_month[("2022-01-01", "beta")] == pytest.approx(0.5)
    assert matplotlib.image.imread(out / "timeline.png").shape[1] == 6.5 * 300


def test_demo_is_byte_identical_twice(corpus):
    first = agenda.demo(corpus / "a", corpus=corpus / "corpus", codebook=corpus / "demo-test.yaml")
    agenda.demo(corpus / "b", corpus=corpus / "corpus", codebook=corpus / "demo-test.yaml")
    run_date = re.compile(rb"<time [^>]*>[^<]*</time>")  # the report's date of the run, and nothing else, differs
    for path, _ in first:
        if not path.name.endswith(".meta.json"):
            other = (corpus / "b" / path.name).read_bytes()
            assert run_date.sub(b"", path.read_bytes()) == run_date.sub(b"", other), path.name


def test_demo_without_examples_fails_clearly(tmp_path):
    with pytest.raises(agenda.AgendaError, match="example corpus is missing"):
        agenda.demo(tmp_path / "out", corpus=tmp_path / "nowhere")
    (tmp_path / "c").mkdir()
    with pytest.raises(agenda.AgendaError, match="example codebook is missing"):
        agenda.demo(tmp_path / "out", corpus=tmp_path / "c", codebook=tmp_path / "none.yaml")


def test_cli_demo_on_the_bundled_examples(tmp_path):  # shipped in the package (agenda/data)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "timeline.png" in result.output and "shares-by-source.png" in result.output
    rows = read(tmp_path / "demo" / "shares-by-source.csv")
    assert rows
    coded = read(tmp_path / "demo" / "coded.csv")
    for r in rows:  # every share is units_with_item / units, counted again from the coded table
        units = [c for c in coded if c["source"] == r["source"]]
        assert int(r["units"]) == len(units)
        assert int(r["units_with_item"]) == sum(int(c[r["item"]]) > 0 for c in units)
    # The per-item summary: units coded for each item, counted again from the coded table.
    for item in ("strategic_stability", "ukraine", "cybercrime", "jcpoa", "diplomatic_missions"):
        n = sum(int(c[item]) > 0 for c in coded)
        assert any(line.startswith(f"| {item} ") and f"| {n} " in line for line in result.output.splitlines())
