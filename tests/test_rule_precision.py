"""Rule precision against gold, the drop-one-rule F1 and the error lines, counted by hand."""

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.cli import main
from agenda.errors import AgendaError
from agenda.rule_precision import rule_precision
from conftest import make_codebook

CODEBOOK = make_codebook(
    """
    - id: fruit
      code: 1
      label: Fruit
      terms: {en: [apple, pear]}
      exclude: [apple pie]
    """,
    "units: {split: paragraph, min_words: 1}\n",
)
TEXTS = ["an apple tree", "a pear on the table", "apple pie recipe", "a banana split", "pear and apple jam", "plain"]
# gold:  1 (tp)           0 (fp)                 1 (fn: excluded)    1 (fn: nothing)   1 (tp, both rules)  0


def corpus() -> pl.DataFrame:
    return pl.DataFrame({"doc_id": ["a"], "text": ["\n\n".join(TEXTS)]})


def gold() -> pl.DataFrame:
    return pl.DataFrame({"doc_id": ["a"] * 6, "unit": [1, 2, 3, 4, 5, 6], "fruit": [1, 0, 1, 1, 1, 0]})


def test_per_rule_precision_and_drop_one_f1_by_hand():
    result = rule_precision(corpus(), CODEBOOK, gold())
    rows = {r["rule"]: r for r in result.rules.iter_rows(named=True)}
    # apple fires in units 1 and 5 (3 is excluded), both coded by the human; pear in 2 and 5, one of them.
    assert (rows["apple"]["units"], rows["apple"]["gold_yes"], rows["apple"]["precision"]) == (2, 2, 1.0)
    assert (rows["pear"]["units"], rows["pear"]["gold_yes"], rows["pear"]["precision"]) == (2, 1, 0.5)
    # The item: coded {1, 2, 5}, gold {1, 3, 4, 5}: tp 2, fp 1, fn 2, F1 = 4/7.
    # Without apple: coded {2, 5}: F1 = 2/6; without pear: coded {1, 5}: F1 = 4/6.
    assert rows["apple"]["f1"] == pytest.approx(4 / 7)
    assert rows["apple"]["f1_without"] == pytest.approx(1 / 3)
    assert rows["pear"]["f1_without"] == pytest.approx(2 / 3)
    assert rows["pear"]["f1_change"] == pytest.approx(2 / 3 - 4 / 7)


def test_errors_as_kwic_lines_with_the_rule_or_the_near_miss():
    errors = rule_precision(corpus(), CODEBOOK, gold(), window=2).errors
    assert errors.select("unit", "error", "term", "match", "why").rows() == [
        (2, "false positive", "pear", "pear", None),
        (3, "false negative", "apple", "apple", "excluded"),
        (4, "false negative", None, "", "no rule matched"),
    ]
    assert errors.filter(pl.col("unit") == 2)["right"][0] == "on the"


def test_bad_gold():
    with pytest.raises(AgendaError, match="no column for any item"):
        rule_precision(corpus(), CODEBOOK, gold().rename({"fruit": "veg"}))
    with pytest.raises(AgendaError, match="none of its units is in the corpus"):
        rule_precision(corpus(), CODEBOOK, gold().with_columns(pl.lit("zz").alias("doc_id")))


def test_cli_rule_precision(tmp_path):
    corpus().write_csv(tmp_path / "corpus.csv")
    gold().write_csv(tmp_path / "gold.csv")
    (tmp_path / "cb.yaml").write_text(
        "codebook: t\nversion: '1'\nunits: {split: paragraph, min_words: 1}\nitems:\n"
        "  - {id: fruit, code: 1, label: Fruit, terms: {en: [apple, pear]}, exclude: [apple pie]}\n"
    )
    out = CliRunner().invoke(
        main,
        [
            "rule-precision",
            str(tmp_path / "corpus.csv"),
            "-c",
            str(tmp_path / "cb.yaml"),
            "--gold",
            str(tmp_path / "gold.csv"),
        ]
        + ["-o", str(tmp_path / "r.csv"), "--errors", str(tmp_path / "e.csv")],
    )
    assert out.exit_code == 0, out.output
    assert pl.read_csv(tmp_path / "r.csv")["precision"].to_list() == [1.0, 0.5]
    assert pl.read_csv(tmp_path / "e.csv").height == 3
