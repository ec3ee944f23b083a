"""Bad rules of the rule language (issue 12, "Bad input"): one line naming the file, the item and
the rule, exit status 2, nothing written; from Python, an AgendaError with the same message."""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

import agenda
from agenda.cli import main
from agenda.errors import AgendaError

CORPUS = "doc_id,date,text\nd1,2022-03-01,Iran sells oil.\n"


def codebook(rule: str) -> str:
    item = f"  - id: x\n    code: 1\n    label: X\n    terms: [a]\n    rules: [{rule}]\n"
    return "codebook: t\nversion: '1'\nitems:\n" + item


BAD = [
    # (the rule, what the message says besides the file, the item and the rule's place)
    ("{near: [[Iran], [oil]]}", "'within' is a required property"),
    ("{near: [[Iran], [oil]], within: -1}", "-1 is less than the minimum of 0"),
    ("{near: [[Iran], [oil]], within: 2, scope: paragraph}", "'paragraph' is not one of ['sentence', 'unit']"),
    ("{all: [[Iran], [oil]], scope: document}", "'document' is not one of ['sentence', 'unit']"),
    ("{context: [oil], window: 0}", "0 is less than the minimum of 1"),
    ("{context: [oil], window: -2}", "-2 is less than the minimum of 1"),
    ("{term: Iran, from: '2022-13-01'}", "'2022-13-01' is not a date (YYYY-MM-DD)"),
    ("{term: Iran, until: soon}", "'soon' does not match"),
    ("{term: Iran, from: '2022-02-01', until: '2022-01-01'}", "'from' 2022-02-01 is after 'until' 2022-01-01"),
    ("{term: Iran, weight: 0}", "0 is less than or equal to the minimum of 0"),
    ("{any: [Iran], weight: -1.5}", "-1.5 is less than or equal to the minimum of 0"),
    ("{term: Iran, weight: heavy}", "'heavy' is not of type 'number'"),
    ("{context: [oil], of: nosuch}", "unknown item 'nosuch'"),
]


@pytest.mark.parametrize(("rule", "reason"), BAD)
def test_bad_rule(tmp_path, rule, reason):
    (tmp_path / "cb.yaml").write_text(codebook(rule), "utf-8")
    (tmp_path / "corpus.csv").write_text(CORPUS, "utf-8")
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(
        main, ["code", str(tmp_path / "corpus.csv"), "-c", str(tmp_path / "cb.yaml"), "-o", str(out)]
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"agenda: error: {tmp_path / 'cb.yaml'}: ")
    assert "item 'x'" in lines[0] and "rules[0]" in lines[0] and reason in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.yaml", "corpus.csv"]  # nothing written
    with pytest.raises(AgendaError, match="rules\\[0\\]"):
        agenda.load_codebook(tmp_path / "cb.yaml")


@pytest.mark.parametrize("date_column", [None, "published"])
def test_date_rule_on_a_corpus_without_the_date_column(tmp_path, date_column):
    # The corpus has a `date` column but not `published`; without --date-column it has none.
    (tmp_path / "cb.yaml").write_text(codebook("{term: Iran, from: '2022-02-24'}"), "utf-8")
    corpus = "doc_id,text\nd1,Iran sells oil.\n" if date_column is None else CORPUS
    (tmp_path / "corpus.csv").write_text(corpus, "utf-8")
    args = ["code", str(tmp_path / "corpus.csv"), "-c", str(tmp_path / "cb.yaml"), "-o", str(tmp_path / "coded.csv")]
    result = CliRunner().invoke(main, args + (["--date-column", date_column] if date_column else []))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    name = date_column or "date"
    assert "cb.yaml: item 'x': rule 'Iran' has date bounds" in lines[0]
    assert f"no date column {name!r}" in lines[0] and "_agenda" not in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.yaml", "corpus.csv"]


def test_item_date_bounds_need_the_date_column_too(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_text(codebook("{any: [Iran]}") + "    from: '2015-07-14'\n", "utf-8")
    with pytest.raises(AgendaError, match=r"cb.yaml: item 'x': its from/until has date bounds, but the corpus has no"):
        agenda.code(pl.DataFrame({"doc_id": ["d"], "text": ["Iran"]}), path)
