"""agenda diff: two codebooks that differ by one term, on a corpus whose changes are counted by hand."""

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.cli import main
from agenda.diff import diff

OLD = """codebook: fruit
version: '1.0'
units: {split: paragraph, min_words: 1}
items:
  - {id: fruit, code: 1, label: Fruit, terms: {en: [apple]}}
  - {id: tools, code: 2, label: Tools, terms: {en: [hammer]}}
"""
NEW = OLD.replace("version: '1.0'", "version: '1.1'").replace("[apple]", "[apple, pear]")


def corpus() -> pl.DataFrame:
    # a: 'an apple', 'a pear and a hammer' (gains fruit), 'nothing'; b: 'pear pie' (gains fruit), 'apple'
    return pl.DataFrame(
        {
            "doc_id": ["a", "b"],
            "source": ["x", "y"],
            "text": ["an apple\n\na pear and a hammer\n\nnothing here", "pear pie\n\nan apple"],
        }
    )


def write(tmp_path):
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    corpus().write_csv(tmp_path / "corpus.csv")
    return [str(tmp_path / n) for n in ("old.yaml", "new.yaml", "corpus.csv")]


def test_one_more_term_gains_its_units(tmp_path):
    old, new, corpus_path = write(tmp_path)
    result = diff(old, new, corpus_path, by="source")
    assert result.changed
    assert result.units.select("doc_id", "unit", "item", "change", "old_hits", "new_hits").rows() == [
        ("a", 2, "fruit", "gained", 0, 1),
        ("b", 1, "fruit", "gained", 0, 1),
    ]
    assert result.units["new_rules"].to_list() == ["pear", "pear"]
    assert result.units["old_rules"].to_list() == [None, None]
    shares = {(r["source"], r["item"]): r for r in result.shares.iter_rows(named=True)}
    # source x: 3 units, fruit 1 -> 2; source y: 2 units, fruit 1 -> 2; tools unchanged (1 of 3 in x).
    assert (shares[("x", "fruit")]["old_share"], shares[("x", "fruit")]["new_share"]) == pytest.approx((1 / 3, 2 / 3))
    assert shares[("y", "fruit")]["change"] == pytest.approx(0.5)
    assert shares[("x", "tools")]["change"] == 0
    back = diff(new, old, corpus_path)
    assert back.units["change"].to_list() == ["lost", "lost"] and back.units["old_rules"].to_list() == ["pear"] * 2


def test_no_change_and_the_exit_status(tmp_path):
    old, new, corpus_path = write(tmp_path)
    assert not diff(old, old, corpus_path).changed
    runner = CliRunner()
    same = runner.invoke(main, ["diff", old, old, corpus_path])
    assert same.exit_code == 0 and "no change" in same.output
    moved = runner.invoke(
        main,
        [
            "diff",
            old,
            new,
            corpus_path,
            "--by",
            "source",
            "-o",
            str(tmp_path / "u.csv"),
            "--shares-output",
            str(tmp_path / "s.csv"),
        ],
    )
    assert moved.exit_code == 1, moved.output
    assert "units gained: 2, lost: 0" in moved.output
    assert pl.read_csv(tmp_path / "u.csv")["unit"].to_list() == [2, 1]
    assert pl.read_csv(tmp_path / "s.csv").height == 4
    refused = runner.invoke(main, ["diff", old, new, corpus_path, "-o", corpus_path])
    assert refused.exit_code == 2 and "would replace an input" in refused.output


def test_an_item_in_one_version_only(tmp_path):
    old, _, corpus_path = write(tmp_path)
    (tmp_path / "more.yaml").write_text(OLD + "  - {id: pies, code: 3, label: Pies, terms: {en: [pie]}}\n")
    result = diff(old, tmp_path / "more.yaml", corpus_path)
    assert result.units.select("doc_id", "unit", "item", "change").rows() == [("b", 1, "pies", "gained")]
    pies = result.shares.filter(pl.col("item") == "pies").row(0, named=True)
    assert pies["old_share"] is None and pies["new_share"] == pytest.approx(1 / 5)
