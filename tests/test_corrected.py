"""Corrected shares (q - FPR) / (TPR - FPR) and their delta-method interval, by hand."""

import math

import polars as pl
import pytest
from click.testing import CliRunner
from test_weighted import stratified

from agenda.agree import agree
from agenda.cli import main
from agenda.corrected import corrected_shares
from agenda.errors import AgendaError

Z = 1.959963984540054

# 100 compared units: the human codes 30, of which the codebook finds 24 (TPR .8); of the 70 others
# it codes 7 (FPR .1).
AGREEMENT = pl.DataFrame(
    {"item": ["x", "(micro)"], "units": [100, None], "gold": [30, None], "recall": [0.8, None], "fpr": [0.1, None]}
)


def test_corrected_share_and_interval_by_hand():
    shares = pl.DataFrame({"item": ["x", "y"], "units": [1000, 1000], "share": [0.3, 0.2]})
    row = corrected_shares(shares, AGREEMENT).row(0, named=True)
    assert row["corrected_share"] == pytest.approx(0.2 / 0.7)
    # v_q = .3 * .7 / 1000; the rates' variances: (half-width of the Wilson interval / z)^2,
    # which for p out of n is (p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n)^2
    c = 0.2 / 0.7

    def wilson_v(p, n):
        return (p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n) ** 2

    v = (0.21 / 1000 + c * c * wilson_v(0.8, 30) + (1 - c) ** 2 * wilson_v(0.1, 70)) / 0.49
    assert row["corrected_se"] == pytest.approx(math.sqrt(v))
    assert (row["corrected_low"], row["corrected_high"]) == pytest.approx((c - Z * v**0.5, c + Z * v**0.5))
    other = corrected_shares(shares, AGREEMENT).row(1, named=True)
    assert other["corrected_share"] is None  # agree did not measure y


def test_share_below_the_false_positive_rate_is_clipped_and_tpr_below_fpr_is_empty():
    low = corrected_shares(pl.DataFrame({"item": ["x"], "units": [10], "share": [0.05]}), AGREEMENT)
    assert low["corrected_share"][0] == 0
    bad = AGREEMENT.with_columns(pl.Series("recall", [0.05, None]))
    assert (
        corrected_shares(pl.DataFrame({"item": ["x"], "units": [10], "share": [0.3]}), bad)["corrected_share"][0]
        is None
    )


def test_weighted_rates_from_a_sample():
    # The stratified example of test_weighted: TP 15, FP 5, FN 20, TN 40: TPR 3/7, FPR 5/45.
    key, gold = stratified()
    result = agree(key, gold, bootstrap=0)
    assert result.weighted["fpr"][0] == pytest.approx(1 / 9)
    row = corrected_shares(pl.DataFrame({"item": ["x"], "units": [80], "share": [0.25]}), result).row(0, named=True)
    assert row["corrected_share"] == pytest.approx((0.25 - 1 / 9) / (3 / 7 - 1 / 9))
    assert row["tpr"] == pytest.approx(3 / 7)


def test_bad_inputs_and_the_cli(tmp_path):
    with pytest.raises(AgendaError, match="need the units measure"):
        corrected_shares(pl.DataFrame({"item": ["x"], "units": [1], "share": [0.1], "measure": ["words"]}), AGREEMENT)
    with pytest.raises(AgendaError, match="no column 'fpr'"):
        corrected_shares(pl.DataFrame({"item": ["x"], "units": [1], "share": [0.1]}), AGREEMENT.drop("fpr"))
    pl.DataFrame({"item": ["x"], "units": [1000], "share": [0.3]}).write_csv(tmp_path / "s.csv")
    AGREEMENT.write_csv(tmp_path / "a.csv")
    out = CliRunner().invoke(
        main,
        [
            "corrected-shares",
            str(tmp_path / "s.csv"),
            "--agreement",
            str(tmp_path / "a.csv"),
            "-o",
            str(tmp_path / "c.csv"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert pl.read_csv(tmp_path / "c.csv")["corrected_share"][0] == pytest.approx(0.2 / 0.7)
