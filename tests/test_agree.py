"""agenda agree: agreement figures against hand-worked answers."""

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.agree import agree, measures
from agenda.cli import main
from agenda.code import code
from agenda.codebook import load_codebook
from agenda.errors import AgendaError
from conftest import SHARED, needs_shared

SEED = SHARED / "seed"
CODEBOOK = Path(__file__).parent / "data" / "audit" / "seed-codebook.yaml"
DOC = "putin-biden-talks-2021-12-07"


def tables(cells: dict[tuple[int, int], int], docs: int = 10):
    """A coded and a gold table with one item 'x', as many units of each (coded, gold) pair as given."""
    pairs = [pair for pair, n in cells.items() for _ in range(n)]
    doc_ids = [f"d{k % docs}" for k in range(len(pairs))]
    units = list(range(1, len(pairs) + 1))
    coded = pl.DataFrame({"doc_id": doc_ids, "unit": units, "x": [c * 2 for c, _ in pairs]})  # hits: 0 or 2
    gold = pl.DataFrame({"doc_id": doc_ids, "unit": units, "x": [g for _, g in pairs]})
    return coded, gold


def test_hand_worked_two_by_two():
    # 100 units: a = 20 both coded, b = 5 coded only by agenda, c = 10 only by the human, d = 65 neither.
    # po = 85/100; agenda codes 25/100, the human 30/100; pe = .25*.30 + .75*.70 = .6
    # kappa = (.85 - .6) / (1 - .6) = .625
    # alpha: coincidences o11 = 40, o00 = 130, o01 = o10 = 15; n1 = 55, n0 = 145, N = 200
    #        alpha = 1 - (N - 1) * 30 / (2 * 55 * 145) = 1 - 199 * 15 / 7975 = 4990 / 7975
    # precision = 20/25, recall = 20/30, F1 = 40/55
    coded, gold = tables({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 65})
    result = agree(coded, gold, bootstrap=0)
    row = result.items.row(0, named=True)
    assert (row["units"], row["gold"], row["coded"], row["both"]) == (100, 30, 25, 20)
    assert row["kappa"] == pytest.approx(0.625, abs=1e-9)
    assert row["alpha"] == pytest.approx(4990 / 7975, abs=1e-9)
    assert row["precision"] == pytest.approx(0.8, abs=1e-9)
    assert row["recall"] == pytest.approx(2 / 3, abs=1e-9)
    assert row["f1"] == pytest.approx(40 / 55, abs=1e-9)
    assert row["prevalence_gold"] == pytest.approx(0.30) and row["prevalence_coded"] == pytest.approx(0.25)
    assert row["kappa_lo"] is None  # no bootstrap asked for
    assert result.overall["value"].to_list() == pytest.approx([40 / 55, 40 / 55])


def test_perfect_and_chance_agreement():
    perfect = measures(10, 0, 0, 30)
    assert perfect["kappa"] == 1 and perfect["alpha"] == 1 and perfect["f1"] == 1
    # Independent coders, both coding half of 100 units: po = pe = .5, kappa 0;
    # alpha = 1 - 199 * 50 / (100 * 100) = .005 (alpha corrects for the sample size).
    chance = measures(25, 25, 25, 25)
    assert chance["kappa"] == pytest.approx(0.0, abs=1e-12)
    assert chance["alpha"] == pytest.approx(0.005, abs=1e-12)
    assert chance["f1"] == pytest.approx(0.5)


def test_undefined_measures_are_null_not_zero():
    # Neither coder ever codes the item: no precision, recall, F1, kappa or alpha to speak of.
    none = measures(0, 0, 0, 50)
    assert all(v != v for v in none.values())  # NaN
    coded, gold = tables({(0, 0): 20})
    row = agree(coded, gold, bootstrap=0).items.row(0, named=True)
    assert row["kappa"] is None and row["f1"] is None and row["alpha"] is None


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    coded, gold = tables({(1, 1): 20, (1, 0): 5, (0, 1): 10, (0, 0): 65}, docs=7)  # documents differ
    one = agree(coded, gold, bootstrap=300, seed=3).items
    two = agree(coded, gold, bootstrap=300, seed=3).items
    other = agree(coded, gold, bootstrap=300, seed=4).items
    assert one.equals(two)
    assert not one.equals(other)
    row = one.row(0, named=True)
    for name in ("precision", "recall", "f1", "kappa", "alpha"):
        assert row[f"{name}_lo"] <= row[name] <= row[f"{name}_hi"]
        assert row[f"{name}_lo"] < row[f"{name}_hi"]


def test_one_document_gives_no_document_intervals():
    coded, gold = tables({(1, 1): 3, (0, 0): 3}, docs=1)
    assert agree(coded, gold).items["kappa_lo"].to_list() == [None]
    assert agree(coded, gold, resample="unit").items["kappa_lo"].to_list() != [None]


def test_micro_and_macro_f1():
    # Item x: tp 2, fp 1, fn 0 -> F1 4/5; item y: tp 1, fp 0, fn 2 -> F1 2/4.
    # micro F1 = 2*3 / (2*3 + 1 + 2) = 6/9; macro F1 = (0.8 + 0.5) / 2 = 0.65
    coded = pl.DataFrame({"doc_id": ["a"] * 5, "unit": [1, 2, 3, 4, 5], "x": [1, 1, 1, 0, 0], "y": [1, 0, 0, 0, 0]})
    gold = pl.DataFrame({"doc_id": ["a"] * 5, "unit": [1, 2, 3, 4, 5], "x": [1, 1, 0, 0, 0], "y": [1, 1, 1, 0, 0]})
    overall = dict(agree(coded, gold, bootstrap=0).overall.select("measure", "value").iter_rows())
    assert overall["micro_f1"] == pytest.approx(6 / 9)
    assert overall["macro_f1"] == pytest.approx(0.65)


def test_units_in_one_table_are_reported():
    coded = pl.DataFrame({"doc_id": ["a", "a", "b"], "unit": [1, 2, 1], "x": [1, 0, 1]})
    gold = pl.DataFrame({"doc_id": ["a", "a", "c"], "unit": [1, 3, 1], "x": [1, 0, 0]})
    result = agree(coded, gold, bootstrap=0)
    assert result.units == 1
    assert result.only_coded.rows() == [("a", 2), ("b", 1)]
    assert result.only_gold.rows() == [("a", 3), ("c", 1)]


@pytest.mark.parametrize(
    "gold, message",
    [
        (pl.DataFrame({"doc_id": ["a"], "unit": [1], "x": [-1]}), "column 'x' is -1 at unit 1 of 'a'"),
        (pl.DataFrame({"doc_id": ["a", "b"], "unit": [1, 1], "x": [1, 2]}), "column 'x' is 2 at unit 1 of 'b'"),
        (
            pl.DataFrame({"doc_id": ["a"], "unit": [1], "x": [0.5]}),
            "column 'x' is 0.5 at unit 1 of 'a'; codes are 0 or 1",
        ),
        (pl.DataFrame({"doc_id": ["a"], "unit": [1], "x": [None]}, schema_overrides={"x": pl.Int64}), "is empty"),
        (pl.DataFrame({"doc_id": ["a"], "unit": [1], "x": ["yes"]}), "column 'x' holds String"),
        (pl.DataFrame({"doc_id": ["a", "a"], "unit": [1, 1], "x": [1, 1]}), "unit 1 of 'a' appears more than once"),
        (pl.DataFrame({"doc": ["a"], "unit": [1], "x": [1]}), "no key column 'doc_id'"),
        (pl.DataFrame({"doc_id": ["a"], "unit": ["one"], "x": [1]}), "holds 'one', not a unit number"),
        (pl.DataFrame({"doc_id": ["a"], "unit": [1], "z": [1]}), "share no item column"),
        (pl.DataFrame({"doc_id": ["q"], "unit": [1], "x": [1]}), "no unit in common"),
    ],
)
def test_bad_gold_tables(gold, message):
    coded = pl.DataFrame({"doc_id": ["a", "b"], "unit": [1, 1], "x": [1, 3]})  # hits: any count above 0 is coded
    with pytest.raises(AgendaError, match=message):
        agree(coded, gold, bootstrap=0)


def seed_gold() -> pl.DataFrame:
    """The human coding of the seed article in the gold shape: doc_id, unit, one 0/1 column per item."""
    gold = pl.read_csv(SEED / "gold.csv")
    return gold.select(pl.lit(DOC).alias("doc_id"), pl.col("paragraph").alias("unit"), pl.exclude("paragraph"))


@needs_shared(SEED)
def test_seed_agreement_equals_counts_from_the_two_tables():
    codebook = load_codebook(CODEBOOK)
    coded = code(SEED / f"{DOC}.txt", codebook)
    gold = seed_gold()
    result = agree(coded, gold, codebook, bootstrap=0)
    # The codebook drops 'Related Posts' and 'Leave a Reply' (units 18, 19): reported, not compared.
    assert result.only_gold.rows() == [(DOC, 18), (DOC, 19)]
    assert result.only_coded.height == 0
    joined = coded.join(gold, on="unit", suffix="_gold")
    n = joined.height
    assert n == result.units == 18
    for item in codebook.item_ids:
        c = [h > 0 for h in joined[item]]
        g = [v == 1 for v in joined[f"{item}_gold"]]
        tp = sum(a and b for a, b in zip(c, g))
        fp = sum(a and not b for a, b in zip(c, g))
        fn = sum(b and not a for a, b in zip(c, g))
        tn = n - tp - fp - fn
        po, pc, pg = (tp + tn) / n, (tp + fp) / n, (tp + fn) / n
        pe = pc * pg + (1 - pc) * (1 - pg)
        row = result.items.filter(pl.col("item") == item).row(0, named=True)
        assert (row["both"], row["coded"], row["gold"]) == (tp, tp + fp, tp + fn)
        assert row["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-12)
        assert row["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-12)
    # By hand from gold.csv: strategic stability is coded by the human in units 2 and 14; the
    # codebook finds unit 2 only (14's "security and stability" is excluded): tp 1, fn 1, tn 16.
    # kappa = (17/18 - 274/324) / (1 - 274/324) = 32/50; alpha = 1 - 35 * 1 / (3 * 33) = 64/99.
    row = result.items.filter(pl.col("item") == "strategic_stability").row(0, named=True)
    assert row["kappa"] == pytest.approx(32 / 50, abs=1e-12)
    assert row["alpha"] == pytest.approx(64 / 99, abs=1e-12)
    assert result.disagreements.select("unit", "item", "gold", "coded").rows() == [(14, "strategic_stability", 1, 0)]


@needs_shared(SEED)
def test_agree_cli_writes_tables_and_disagreements(tmp_path):
    coded_path = tmp_path / "coded.csv"
    code(SEED / f"{DOC}.txt", CODEBOOK, keep_text=True).write_csv(coded_path)
    gold_path = tmp_path / "gold.csv"
    pl.read_csv(SEED / "gold.csv").write_csv(gold_path)
    args = ["agree", str(coded_path), "--gold", str(gold_path), "--key", "paragraph", "-c", str(CODEBOOK)]
    runner = CliRunner()
    result = runner.invoke(main, [*args, "-o", str(tmp_path / "a.csv"), "--disagreements", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert "micro f1: 0.941" in result.output  # 8 both, 0 agenda only, 1 human only: 16/17
    table = pl.read_csv(tmp_path / "a.csv")
    assert table["item"].to_list()[-2:] == ["(micro)", "(macro)"]
    dis = pl.read_csv(tmp_path / "d.csv")
    assert dis["unit"].to_list() == [14] and "security and stability" in dis["text"][0]
    again = runner.invoke(main, [*args, "-o", str(tmp_path / "b.csv")])
    assert again.exit_code == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    bad = runner.invoke(main, ["agree", str(coded_path), "--gold", str(gold_path)])
    assert bad.exit_code == 2 and "no key column 'doc_id'" in bad.output


@needs_shared(SEED)
def test_disagreements_need_text(tmp_path):
    coded = code(SEED / f"{DOC}.txt", CODEBOOK)
    coded.write_csv(tmp_path / "coded.csv")
    seed_gold().write_csv(tmp_path / "gold.csv")
    out = CliRunner().invoke(
        main, ["agree", str(tmp_path / "coded.csv"), "--gold", str(tmp_path / "gold.csv"), "--disagreements", "x.csv"]
    )
    assert out.exit_code == 2 and "--disagreements needs the units' text" in out.output
    with_corpus = agree(coded, seed_gold(), CODEBOOK, bootstrap=0, corpus=SEED / f"{DOC}.txt")
    assert with_corpus.disagreements["terms"].to_list() == [None]  # nothing fired in unit 14
    assert with_corpus.disagreements["text"][0].startswith("In addition")


def test_gold_files_keep_leading_zero_ids_and_refuse_codes_other_than_0_and_1(tmp_path):
    (tmp_path / "coded.csv").write_text("doc_id,unit,x\n01,1,2\n1,1,0\n")
    (tmp_path / "gold.csv").write_text("doc_id,unit,x\n01,1,1\n1,1,0\n")
    result = agree(tmp_path / "coded.csv", tmp_path / "gold.csv", bootstrap=0)
    assert result.units == 2 and result.items.select("gold", "coded", "both").row(0) == (1, 1, 1)
    (tmp_path / "gold.csv").write_text("doc_id,unit,x\n01,1,1\n1,1,2\n")
    with pytest.raises(AgendaError, match=r"gold.csv: column 'x' is 2 at unit 1 of '1'; codes are 0 or 1"):
        agree(tmp_path / "coded.csv", tmp_path / "gold.csv", bootstrap=0)


def test_gold_codes_roll_up_to_parents_as_the_coded_table_does(tmp_path):
    """A coder who codes the subtopic agrees with the table's rolled-up parent (issue 16's one rule)."""
    cb = tmp_path / "cb.yaml"
    cb.write_text(
        "codebook: c\nversion: '1'\nitems:\n"
        "  - {id: economy, code: 1, label: Economy, terms: [economy]}\n"
        "  - {id: taxes, code: 2, label: Taxes, parent: economy, terms: [tax*]}\n"
    )
    texts = ["Taxes rise again.", "The economy grew.", "Nothing happened here."]
    coded = code(pl.DataFrame({"doc_id": ["d"], "text": ["\n\n".join(texts)]}), cb)
    assert coded["economy"].to_list() == [1, 1, 0]  # rolled up: unit 1's tax counts for economy
    # The coder codes only the most specific item: unit 1 taxes, unit 2 economy.
    gold = pl.DataFrame({"doc_id": ["d"] * 3, "unit": [1, 2, 3], "economy": [0, 1, 0], "taxes": [1, 0, 0]})
    rows = {r["item"]: r for r in agree(coded, gold, cb, bootstrap=0).items.iter_rows(named=True)}
    # economy, rolled up on both sides: coded units 1, 2; gold units 1, 2 -> both 2, precision = recall = 1
    assert (rows["economy"]["gold"], rows["economy"]["coded"], rows["economy"]["both"]) == (2, 2, 2)
    assert (rows["taxes"]["gold"], rows["taxes"]["coded"], rows["taxes"]["both"]) == (1, 1, 1)
