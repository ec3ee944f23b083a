"""Agreement weighted back to the corpus, and single-topic gold: figures worked by hand."""

import math

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.agree import agree
from agenda.cli import main
from agenda.codebook import parse_codebook
from agenda.errors import AgendaError

Z = 1.959963984540054  # the normal quantile of 0.975


def wilson(p: float, n: float) -> tuple[float, float]:
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def stratified():
    """Stratum A: 20 corpus units coded for x, 4 drawn (pi = .2, w = 5); the human codes 1, 1, 1, 0.
    Stratum B: 60 units not coded, 3 drawn (pi = .05, w = 20); the human codes 1, 0, 0."""
    key = pl.DataFrame(
        {
            "doc_id": [f"d{k}" for k in range(7)],
            "unit": [1] * 7,
            "stratum": ["A"] * 4 + ["B"] * 3,
            "inclusion_probability": [0.2] * 4 + [0.05] * 3,
            "x": [2, 1, 1, 3, 0, 0, 0],
        }
    )
    gold = pl.DataFrame({"doc_id": [f"d{k}" for k in range(7)], "unit": [1] * 7, "x": [1, 1, 1, 0, 1, 0, 0]})
    return key, gold


def test_horvitz_thompson_figures_by_hand():
    # Corpus totals: TP = 3 * 5 = 15, FP = 1 * 5 = 5, FN = 1 * 20 = 20, TN = 2 * 20 = 40; N = 80.
    key, gold = stratified()
    result = agree(key, gold, bootstrap=0)
    row = result.weighted.row(0, named=True)
    assert (row["corpus_units"], row["gold"], row["coded"], row["both"]) == pytest.approx((80, 35, 20, 15))
    assert row["precision"] == pytest.approx(15 / 20)
    assert row["recall"] == pytest.approx(15 / 35)
    assert row["f1"] == pytest.approx(30 / 55)
    assert row["prevalence_gold"] == pytest.approx(35 / 80)
    # kappa: po = 55/80; coded .25, human .4375; pe = .25 * .4375 + .75 * .5625 = .53125 -> 1/3
    assert row["kappa"] == pytest.approx(1 / 3)
    # The sample as drawn: tp 3, fp 1, fn 1, tn 2.
    plain = result.items.row(0, named=True)
    assert (plain["precision"], plain["recall"]) == pytest.approx((0.75, 0.75))
    assert result.strata.select("stratum", "units", "compared", "weight").rows() == [("A", 20, 4, 5), ("B", 60, 3, 20)]


def test_linearised_variance_and_interval_by_hand():
    key, gold = stratified()
    row = agree(key, gold, bootstrap=0).weighted.row(0, named=True)
    # precision, R = .75, X = 20: in A, (y - R x) / X = (.25, .25, .25, -.75) / 20, sample variance .25 / 400;
    # v = N^2 (1 - n/N) s^2 / n = 400 * .8 * (1/1600) / 4 = .05; B adds nothing (x = y = 0).
    assert row["precision_se"] ** 2 == pytest.approx(0.05)
    n_eff = 0.75 * 0.25 / 0.05  # 3.75, below the 4 coded units
    assert (row["precision_lo"], row["precision_hi"]) == pytest.approx(wilson(0.75, n_eff))
    # recall, R = 3/7, X = 35: A's residuals (4/7, 4/7, 4/7, 0) / 35 have variance (4/49) / 1225,
    # v_A = 400 * .8 * (4/49/1225) / 4 = 320/60025; B's (-3/7, 0, 0) / 35 have (3/49) / 1225,
    # v_B = 3600 * .95 * (3/49/1225) / 3 = 3420/60025.
    v = 3740 / 60025
    assert row["recall_se"] ** 2 == pytest.approx(v)
    assert (row["recall_lo"], row["recall_hi"]) == pytest.approx(wilson(3 / 7, (3 / 7) * (4 / 7) / v))
    # the human prevalence, R = 35/80: v_A = 400 * .8 * (.25/6400) / 4 = .003125,
    # v_B = 3600 * .95 * ((1/3)/6400) / 3 = .059375; v = .0625
    assert row["prevalence_gold_se"] == pytest.approx(0.25)


def test_weighted_interval_where_the_sample_is_perfect_is_not_a_point():
    key, gold = stratified()
    gold = gold.with_columns(pl.Series("x", [1, 1, 1, 1, 0, 0, 0]))  # the human agrees with every unit of A
    row = agree(key, gold, bootstrap=0).weighted.row(0, named=True)
    assert row["precision"] == 1 and row["precision_se"] == 0
    assert (row["precision_lo"], row["precision_hi"]) == pytest.approx(wilson(1.0, 4))  # n_eff: the 4 coded units
    assert row["precision_lo"] < 0.6


def test_domains_by_group_keep_the_design():
    key, gold = stratified()
    key = key.with_columns(pl.Series("source", ["s", "s", "t", "t", "s", "t", "t"]))
    result = agree(key, gold, bootstrap=0, by="source")
    weighted = result.by.filter(pl.col("weighting") == "weighted")
    # source s: A units d0, d1 (tp, tp) and B unit d4 (fn): TP = 10, FN = 20 -> recall 1/3, precision 1.
    s = weighted.filter(pl.col("source") == "s").row(0, named=True)
    assert (s["precision"], s["recall"], s["corpus_units"]) == pytest.approx((1, 1 / 3, 30))
    plain = result.by.filter((pl.col("weighting") == "unweighted") & (pl.col("source") == "t")).row(0, named=True)
    assert (plain["units"], plain["precision"]) == (4, 0.5)  # d2 tp, d3 fp, d5 and d6 tn


def test_bad_probabilities():
    key, gold = stratified()
    for bad, message in (
        (key.with_columns(pl.lit(0.0).alias("inclusion_probability")), "is 0.0 at unit 1 of 'd0'"),
        (key.with_columns(pl.Series("inclusion_probability", [0.2, 0.3] + [0.05] * 5)), "stratum 'A' holds more"),
    ):
        with pytest.raises(AgendaError, match=message):
            agree(bad, gold, bootstrap=0)
    assert agree(key, gold, bootstrap=0, weights=False).weighted is None


CODEBOOK = parse_codebook(
    "codebook: t\nversion: '1'\nitems:\n"
    "  - {id: a, code: 1, label: A, terms: {en: [apple]}}\n"
    "  - {id: b, code: 2, label: B, terms: {en: [bean]}}\n"
    "  - {id: c, code: 3, label: C, terms: {en: [corn]}}\n",
    "t.yaml",
)


def topic_tables():
    # unit: primary / gold topic
    # 1: a / 1 (a)   2: a / 2 (b)   3: b / 2 (b)   4: none / 0   5: none / 3 (c)   6: b / 'b'
    coded = pl.DataFrame(
        {
            "doc_id": ["d"] * 6,
            "unit": [1, 2, 3, 4, 5, 6],
            "a": [1, 2, 0, 0, 0, 0],
            "b": [0, 1, 1, 0, 0, 3],
            "c": [0, 0, 0, 0, 0, 0],
            "primary": ["a", "a", "b", None, None, "b"],
        }
    )
    gold = pl.DataFrame({"doc_id": ["d"] * 6, "unit": [1, 2, 3, 4, 5, 6], "topic": ["1", "2", "2", "0", "3", "b"]})
    return coded, gold


def test_single_topic_gold_confusion_matrix_by_hand():
    coded, gold = topic_tables()
    result = agree(coded, gold, CODEBOOK, topic="topic", bootstrap=0)
    assert result.topics.accuracy == pytest.approx(4 / 6)  # units 1, 3, 4, 6
    assert result.topics.confusion.rows() == [
        ("a", 1, 0, 0, 0),
        ("b", 1, 2, 0, 0),
        ("c", 0, 0, 0, 1),
        ("(none)", 0, 0, 0, 1),
    ]
    assert result.topics.confusion.columns == ["gold", "a", "b", "c", "(none)"]
    items = {r["item"]: r for r in result.items.iter_rows(named=True)}
    assert (items["a"]["precision"], items["a"]["recall"]) == (0.5, 1.0)
    assert (items["b"]["precision"], items["b"]["recall"]) == pytest.approx((1.0, 2 / 3))
    assert items["c"]["precision"] is None and items["c"]["recall"] == 0


def test_single_topic_rolls_subtopics_up_and_refuses_unknown_codes():
    book = parse_codebook(
        "codebook: t\nversion: '1'\nitems:\n"
        "  - {id: econ, code: 1, label: Economy, terms: {en: [economy]}}\n"
        "  - {id: tax, code: 101, label: Taxes, parent: econ, terms: {en: [tax]}}\n"
        "  - {id: war, code: 2, label: War, terms: {en: [war]}}\n",
        "t.yaml",
    )
    coded = pl.DataFrame(
        {
            "doc_id": ["d"] * 3,
            "unit": [1, 2, 3],
            "econ": [0, 1, 0],
            "tax": [2, 0, 0],
            "war": [0, 0, 1],
            "primary": ["tax", "econ", "war"],
        }
    )
    gold = pl.DataFrame({"doc_id": ["d"] * 3, "unit": [1, 2, 3], "major": [1, 1, 2]})
    result = agree(coded, gold, book, topic="major", bootstrap=0)
    assert result.topics.rolled_up and result.topics.accuracy == 1.0
    with pytest.raises(AgendaError, match=r"column 'major' is 7 at unit 2 of 'd', not an item id or code"):
        agree(coded, gold.with_columns(pl.Series("major", [1, 7, 2])), book, topic="major", bootstrap=0)
    with pytest.raises(AgendaError, match="--topic needs the codebook"):
        agree(coded, gold, topic="major")


def test_cli_topic_writes_the_matrix_and_its_heatmap(tmp_path):
    coded, gold = topic_tables()
    coded.write_csv(tmp_path / "coded.csv")
    gold.write_csv(tmp_path / "gold.csv")
    (tmp_path / "t.yaml").write_text(
        "codebook: t\nversion: '1'\nitems:\n"
        "  - {id: a, code: 1, label: '$5 apples', terms: {en: [apple]}}\n"
        "  - {id: b, code: 2, label: B, terms: {en: [bean]}}\n"
        "  - {id: c, code: 3, label: C, terms: {en: [corn]}}\n"
    )
    args = ["agree", str(tmp_path / "coded.csv"), "--gold", str(tmp_path / "gold.csv"), "-c", str(tmp_path / "t.yaml")]
    out = CliRunner().invoke(
        main,
        [
            *args,
            "--topic",
            "topic",
            "--confusion",
            str(tmp_path / "m.csv"),
            "--confusion-plot",
            str(tmp_path / "m.png"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "accuracy of primary: 0.667" in out.output
    assert pl.read_csv(tmp_path / "m.csv")["b"].to_list() == [0, 2, 0, 0]
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = CliRunner().invoke(main, [*args, "--confusion", str(tmp_path / "n.csv")])
    assert bad.exit_code == 2 and "need --topic" in bad.output


def test_a_stratum_the_coders_skipped_is_reported(tmp_path):
    key, gold = stratified()
    key.write_csv(tmp_path / "key.csv")
    gold.head(4).write_csv(tmp_path / "gold.csv")  # stratum B left uncoded
    result = agree(tmp_path / "key.csv", tmp_path / "gold.csv", bootstrap=0)
    assert result.strata.select("stratum", "compared").rows() == [("A", 4), ("B", 0)]
    out = CliRunner().invoke(
        main, ["agree", str(tmp_path / "key.csv"), "--gold", str(tmp_path / "gold.csv"), "--bootstrap", "0"]
    )
    assert out.exit_code == 0, out.output
    assert "stratum 'B': no unit coded by hand; the weighted figures leave out its 60 units" in out.output
