"""Krippendorff's alpha for several coders, against Krippendorff's own worked example."""

import polars as pl
import pytest
from click.testing import CliRunner

from agenda.agree import measures
from agenda.alpha import alpha, nominal_alpha
from agenda.cli import main
from agenda.errors import AgendaError

N = None
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example of four observers
# coding twelve units with values 1-5 and missing values: nominal alpha = 0.743.
OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def sheets():
    return [
        pl.DataFrame({"doc_id": ["u"] * 12, "unit": list(range(1, 13)), "v": values}, schema_overrides={"v": pl.Int64})
        for values in OBSERVERS
    ]


def test_krippendorffs_worked_example():
    row = alpha(sheets(), bootstrap=0).row(0, named=True)
    # Unit 12 has one value (not pairable): 11 units and n = 40 pairable values, as in the paper.
    assert (row["coders"], row["units"], row["values"]) == (4, 11, 40)
    assert row["alpha"] == pytest.approx(0.743, abs=5e-4)
    # By hand: per pairable unit (m^2 - sum n_c^2) / (m - 1) is 0 but for unit 2 (6/3), 6 (12/3) and
    # 8 (6/3): 8 in all. n_c = 9, 13, 10, 5, 3 for values 1-5; n^2 - sum n_c^2 = 1600 - 384 = 1216.
    assert row["alpha"] == pytest.approx(1 - 39 * 8 / 1216, abs=1e-12)


def test_two_coders_equal_the_two_coder_formula():
    # Two coders without missing values: the 2x2 formula of agree (tp 20, fp 5, fn 10, tn 65).
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 65
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 65
    frames = [pl.DataFrame({"doc_id": ["d"] * 100, "unit": list(range(1, 101)), "x": v}) for v in (a, b)]
    assert alpha(frames, bootstrap=0)["alpha"][0] == pytest.approx(float(measures(20, 5, 10, 65)["alpha"]))


def test_bootstrap_interval_brackets_and_repeats():
    one, two = alpha(sheets(), bootstrap=500, seed=2), alpha(sheets(), bootstrap=500, seed=2)
    assert one.equals(two)
    row = one.row(0, named=True)
    assert row["alpha_lo"] < row["alpha"] < row["alpha_hi"] <= 1


def test_perfect_and_undefined():
    same = [pl.DataFrame({"doc_id": ["d"] * 3, "unit": [1, 2, 3], "x": [0, 1, 1]})] * 3
    assert alpha(same, bootstrap=0)["alpha"][0] == 1
    constant = [pl.DataFrame({"doc_id": ["d"] * 3, "unit": [1, 2, 3], "x": [1, 1, 1]})] * 2
    assert alpha(constant, bootstrap=0)["alpha"][0] is None  # no variation: alpha undefined, not 0
    assert nominal_alpha([[2, 0], [0, 2]]) == 1


def test_bad_inputs(tmp_path):
    with pytest.raises(AgendaError, match="two or more"):
        alpha(sheets()[:1])
    with pytest.raises(AgendaError, match="no column 'w'"):
        alpha(sheets(), columns=["w"])
    dup = sheets()[0].vstack(sheets()[0].head(1))
    with pytest.raises(AgendaError, match="appears more than once"):
        alpha([dup, sheets()[1]])


def test_cli_alpha(tmp_path):
    paths = []
    for k, frame in enumerate(sheets()):
        paths.append(str(tmp_path / f"coder{k}.csv"))
        frame.write_csv(paths[-1])
    out = CliRunner().invoke(
        main, ["alpha", *paths, "--column", "v", "--bootstrap", "0", "-o", str(tmp_path / "a.csv")]
    )
    assert out.exit_code == 0, out.output
    assert pl.read_csv(tmp_path / "a.csv")["alpha"][0] == pytest.approx(0.7434, abs=1e-4)
    bad = CliRunner().invoke(main, ["alpha", paths[0], "-o", paths[0]])
    assert bad.exit_code == 2
