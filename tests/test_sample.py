"""agenda sample and sample-size: strata, allocations and probabilities counted by hand."""

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.cli import main
from agenda.errors import AgendaError
from agenda.sample import allocate, sample, sample_size
from conftest import make_codebook

CODEBOOK = make_codebook(
    """
    - id: fruit
      code: 1
      label: Fruit
      terms: {en: [apple]}
    - id: tools
      code: 2
      label: Tools
      terms: {en: [hammer]}
    """,
    "units: {split: paragraph, min_words: 1}\n",
)


def corpus() -> pl.DataFrame:
    """Ten one-paragraph documents (four mention fruit, one tools, five nothing) and one of three paragraphs."""
    texts = [f"an apple number {k}" for k in range(4)] + ["a hammer here"] + [f"plain words {k}" for k in range(5)]
    docs = [f"d{k}" for k in range(10)]
    lang = ["en", "fr"] * 5
    three = "first plain paragraph\n\nsecond with an apple\n\nthird plain paragraph"
    return pl.DataFrame({"doc_id": [*docs, "long"], "text": [*texts, three], "lang": [*lang, "en"]})


def test_equal_allocation_and_probabilities_by_hand():
    # Coded units: d0-d3 (apple), d4 (hammer), long:2 (apple) = 6; not coded: d5-d9, long:1, long:3 = 7.
    # n = 6, equal: 3 and 3; probabilities 3/6 and 3/7.
    drawn = sample(corpus(), CODEBOOK, n=6, seed=3)
    strata = dict(drawn.strata.select("stratum", "units").iter_rows())
    assert strata == {"coded": 6, "not coded": 7}
    assert drawn.strata["sampled"].to_list() == [3, 3]
    assert sorted(drawn.key["inclusion_probability"].unique().to_list()) == pytest.approx([3 / 7, 3 / 6])
    assert drawn.key.group_by("stratum").len().sort("stratum")["len"].to_list() == [3, 3]
    # Every key row's stratum agrees with its own codes.
    coded = drawn.key.select((pl.col("n_items") > 0) == (pl.col("stratum") == "coded")).to_series()
    assert coded.all()


def test_the_sheet_has_the_text_and_no_hint_of_the_codes():
    drawn = sample(corpus(), CODEBOOK, n=8, seed=1)
    assert drawn.sheet.columns == ["doc_id", "unit", "text", "fruit", "tools"]
    assert drawn.sheet.select(pl.col("fruit", "tools").null_count()).row(0) == (8, 8)
    assert drawn.sheet.select("doc_id", "unit").equals(drawn.key.select("doc_id", "unit"))  # same order
    assert "stratum" not in drawn.sheet.columns and "inclusion_probability" not in drawn.sheet.columns
    texts = dict(zip(corpus()["doc_id"], corpus()["text"]))
    for doc, unit, text in drawn.sheet.select("doc_id", "unit", "text").iter_rows():
        if doc != "long":
            assert (unit, text) == (1, texts[doc])


def test_seeded_and_reproducible():
    one, two = sample(corpus(), CODEBOOK, n=6, seed=5), sample(corpus(), CODEBOOK, n=6, seed=5)
    assert one.sheet.equals(two.sheet) and one.key.equals(two.key)
    others = [sample(corpus(), CODEBOOK, n=6, seed=s).sheet for s in range(6, 12)]
    assert any(not other.equals(one.sheet) for other in others)


def test_strata_by_a_column_and_by_primary():
    # by lang: coded en = d0, d2, d4, long:2 (4); coded fr = d1, d3 (2); not coded en = d6, d8, long:1, long:3
    # (4); not coded fr = d5, d7, d9 (3).
    drawn = sample(corpus(), CODEBOOK, n=40, by="lang")
    assert dict(drawn.strata.select("stratum", "units").iter_rows()) == {
        "coded | lang=en": 4,
        "coded | lang=fr": 2,
        "not coded | lang=en": 4,
        "not coded | lang=fr": 3,
    }
    assert drawn.key["inclusion_probability"].to_list() == [1.0] * 13  # n above the corpus: every unit
    primary = sample(corpus(), CODEBOOK, n=3, strata="primary")
    assert dict(primary.strata.select("stratum", "sampled").iter_rows()) == {"(none)": 1, "fruit": 1, "tools": 1}


def test_context_paragraphs():
    drawn = sample(corpus(), CODEBOOK, n=13, context=1)
    rows = {
        u: (b, a) for d, u, b, a in drawn.sheet.select("doc_id", "unit", "before", "after").iter_rows() if d == "long"
    }
    assert rows[1] == (None, "second with an apple")
    assert rows[2] == ("first plain paragraph", "third plain paragraph")
    assert rows[3] == ("second with an apple", None)
    wide = sample(corpus(), CODEBOOK, n=13, context=2)
    rows = {u: b for d, u, b in wide.sheet.select("doc_id", "unit", "before").iter_rows() if d == "long"}
    assert rows[3] == "first plain paragraph\n\nsecond with an apple"


def test_allocation_by_hand():
    assert allocate([5, 100, 100], 30, equal=True) == [5, 13, 12]  # 5 is full; 25 split 13/12 (ties: first)
    assert allocate([5, 100, 100], 30, equal=False) == [1, 15, 14]  # 30*5/205 = 0.73 -> 1 (largest remainder)
    assert allocate([1, 1000], 10, equal=False) == [1, 9]  # 0.01 rounds to 0, but every stratum gets one
    assert allocate([3, 4], 10, equal=True) == [3, 4]
    with pytest.raises(AgendaError, match="smaller than the 3 strata"):
        allocate([5, 5, 5], 2, equal=True)


def test_sample_size_matches_the_textbook():
    assert sample_size(0.1) == 385  # 1.96^2 * .25 / .05^2 = 384.1
    assert sample_size(0.1, expected=0.8) == 246  # 1.96^2 * .16 / .0025 = 245.9
    assert sample_size(0.1, population=1000) == 278  # 384.1 / (1 + 383.1 / 1000) = 277.7
    assert sample_size(0.2, level=0.9) == 68  # 1.645^2 * .25 / .01 = 67.6
    for bad in ({"width": 0}, {"width": 0.1, "expected": 1}, {"width": 0.1, "population": 0}):
        with pytest.raises(AgendaError):
            sample_size(**bad)


def test_bad_options():
    with pytest.raises(AgendaError, match="--strata must be one of"):
        sample(corpus(), CODEBOOK, n=4, strata="topic")
    with pytest.raises(AgendaError, match="--by nowhere: no such corpus column"):
        sample(corpus(), CODEBOOK, n=4, by="nowhere")
    with pytest.raises(AgendaError, match="-n must be 1 or more"):
        sample(corpus(), CODEBOOK, n=0)


def test_cli_sample_then_agree(tmp_path):
    corpus().write_csv(tmp_path / "corpus.csv")
    (tmp_path / "cb.yaml").write_text(
        "codebook: test\nversion: '1'\nunits: {split: paragraph, min_words: 1}\nitems:\n"
        "  - {id: fruit, code: 1, label: Fruit, terms: {en: [apple]}}\n"
        "  - {id: tools, code: 2, label: Tools, terms: {en: [hammer]}}\n"
    )
    runner = CliRunner()
    args = ["sample", str(tmp_path / "corpus.csv"), "-c", str(tmp_path / "cb.yaml"), "-n", "6", "--seed", "2"]
    result = runner.invoke(main, [*args, "-o", str(tmp_path / "sheet.csv")])
    assert result.exit_code == 0, result.output
    sheet, key = pl.read_csv(tmp_path / "sheet.csv"), pl.read_csv(tmp_path / "sheet.key.csv")
    assert sheet.height == key.height == 6 and "inclusion_probability" in key.columns
    # The coder agrees with the codebook except on fruit in one unit the codebook left uncoded.
    coded = key.select("doc_id", "unit", (pl.col("fruit") > 0).cast(pl.Int8), (pl.col("tools") > 0).cast(pl.Int8))
    flip = key.with_row_index().filter(pl.col("stratum") == "not coded")["index"][0]
    gold = coded.with_row_index().with_columns(
        pl.when(pl.col("index") == flip).then(1).otherwise(pl.col("fruit")).alias("fruit")
    )
    sheet.select("doc_id", "unit", "text").join(gold.drop("index"), on=["doc_id", "unit"]).write_csv(
        tmp_path / "filled.csv"
    )
    out = runner.invoke(
        main,
        [
            "agree",
            str(tmp_path / "sheet.key.csv"),
            "--gold",
            str(tmp_path / "filled.csv"),
            "-c",
            str(tmp_path / "cb.yaml"),
        ]
        + ["-o", str(tmp_path / "agreement.csv")],
    )
    assert out.exit_code == 0, out.output
    assert "weighted to the corpus" in out.output and "unweighted (the sample as drawn)" in out.output
    table = pl.read_csv(tmp_path / "agreement.csv")
    fruit = table.filter((pl.col("item") == "fruit") & (pl.col("weighting") == "weighted")).row(0, named=True)
    # 3 coded units (weight 6/3 = 2) all right; the one missed unit stands for 7/3 units.
    assert fruit["precision"] == pytest.approx(1.0)
    tp = 2 * key.filter((pl.col("stratum") == "coded") & (pl.col("fruit") > 0)).height
    assert fruit["recall"] == pytest.approx(tp / (tp + 7 / 3))
    # Refusals: an output that is an input, and an -n out of bounds.
    again = runner.invoke(main, [*args, "-o", str(tmp_path / "corpus.csv")])
    assert again.exit_code == 2 and "would replace an input" in again.output
    zero = runner.invoke(main, ["sample", str(tmp_path / "corpus.csv"), "-c", str(tmp_path / "cb.yaml"), "-n", "0"])
    assert zero.exit_code == 2
    size = runner.invoke(main, ["sample-size", "--width", "0.1", "--expected", "0.8"])
    assert size.exit_code == 0 and size.output.strip() == "246"
