"""Coding sheets as .xlsx: written by agenda, read back by openpyxl itself, filled in and read by agree."""

import sys

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.agree import agree
from agenda.cli import main
from agenda.errors import AgendaError
from agenda.sample import sample, write_sample
from agenda.sheets import read_xlsx, write_xlsx
from conftest import make_codebook

openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra (openpyxl) is not installed")

CODEBOOK = make_codebook(
    """
    - id: fruit
      code: 1
      label: Fruit
      terms: {en: [apple]}
    """,
    "units: {split: paragraph, min_words: 1}\n",
)


def test_sheet_written_as_xlsx_reads_back_with_openpyxl(tmp_path):
    corpus = pl.DataFrame(
        {"doc_id": ["007", "8"], "text": ['an apple here\n\n=1+1 is no fruit, only "quotes" &', "plain"]}
    )
    drawn = sample(corpus, CODEBOOK, n=3, context=1)
    paths = write_sample(drawn, tmp_path / "sheet.xlsx", tmp_path / "sheet.key.csv", CODEBOOK.provenance())
    assert paths[-1] == tmp_path / "sheet.xlsx"
    book = openpyxl.load_workbook(tmp_path / "sheet.xlsx")
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("doc_id", "unit", "before", "text", "after", "fruit")
    assert sorted(r[0] for r in rows[1:]) == ["007", "007", "8"]  # ids stay text: 007 keeps its zeros
    assert all(r[5] is None for r in rows[1:])  # nothing to hint at the codes
    texts = {r[3] for r in rows[1:]}
    assert '=1+1 is no fruit, only "quotes" &' in texts  # a formula-looking text stays text
    formulas = openpyxl.load_workbook(tmp_path / "sheet.xlsx", data_only=True)
    assert '=1+1 is no fruit, only "quotes" &' in {r[3] for r in formulas.active.iter_rows(values_only=True)}
    assert book.active.freeze_panes == "A2"
    back = read_xlsx(tmp_path / "sheet.xlsx")
    assert back.select("doc_id", "unit", "text").equals(
        drawn.sheet.select("doc_id", pl.col("unit").cast(pl.Int64), "text")
    )


def test_a_coder_fills_the_xlsx_and_agree_reads_it(tmp_path):
    corpus = pl.DataFrame({"doc_id": ["d1", "d2", "d3"], "text": ["an apple", "a pear", "apple and pear"]})
    drawn = sample(corpus, CODEBOOK, n=3)
    write_sample(drawn, tmp_path / "sheet.xlsx", tmp_path / "sheet.key.csv", CODEBOOK.provenance())
    book = openpyxl.load_workbook(tmp_path / "sheet.xlsx")
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        row[3].value = 1.0 if row[0].value in ("d1", "d2") else 0  # the coder: d1, d2 fruit; d3 not
    book.save(tmp_path / "filled.xlsx")
    result = agree(tmp_path / "sheet.key.csv", tmp_path / "filled.xlsx", CODEBOOK, bootstrap=0)
    row = result.items.row(0, named=True)
    assert (row["both"], row["coded"], row["gold"]) == (1, 2, 2)  # d1 both; d3 agenda only; d2 human only


def test_bad_xlsx_and_a_missing_openpyxl(tmp_path, monkeypatch):
    (tmp_path / "bad.xlsx").write_text("not a spreadsheet")
    with pytest.raises(AgendaError, match="bad.xlsx: not a readable .xlsx file"):
        read_xlsx(tmp_path / "bad.xlsx")
    book = openpyxl.Workbook()
    book.active.append(["doc_id", "doc_id"])
    book.save(tmp_path / "twice.xlsx")
    with pytest.raises(AgendaError, match="column 'doc_id' appears twice"):
        read_xlsx(tmp_path / "twice.xlsx")
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(AgendaError, match=r"needs openpyxl: pip install 'agenda-codebook\[xlsx\]'"):
        write_xlsx(pl.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
    corpus = tmp_path / "corpus.csv"
    pl.DataFrame({"doc_id": ["d"], "text": ["an apple"]}).write_csv(corpus)
    (tmp_path / "cb.yaml").write_text(
        "codebook: t\nversion: '1'\nitems:\n  - {id: fruit, code: 1, label: F, terms: {en: [apple]}}\n"
    )
    out = CliRunner().invoke(
        main, ["sample", str(corpus), "-c", str(tmp_path / "cb.yaml"), "-n", "1", "-o", str(tmp_path / "s.xlsx")]
    )
    assert out.exit_code == 2 and "agenda-codebook[xlsx]" in out.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.xlsx",
        "cb.yaml",
        "corpus.csv",
        "twice.xlsx",
    ]  # no key either
