"""Shares corrected for the codebook's measured errors (the Rogan-Gladen estimator).

A unit share q measured with a codebook whose true positive rate (recall) is TPR and whose false
positive rate is FPR estimates the share of units a human would code as

    corrected = (q - FPR) / (TPR - FPR),   clipped to [0, 1],

with the delta-method variance, q and the two rates taken as independent estimates (q from the
coded corpus, the rates from the validation sample; their variances from their intervals, see
error_rates):

    v = (v_q + corrected^2 v_TPR + (1 - corrected)^2 v_FPR) / (TPR - FPR)^2

and a normal interval clipped to [0, 1]. It assumes that the codebook errs in every group as it
erred in the validation sample (the same TPR and FPR: the sample should cover the groups), that
the human coding is the truth, and TPR > FPR (else the share is left empty).
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import polars as pl

from agenda.agree import Agreement
from agenda.corpus import read_table
from agenda.errors import AgendaError


def _frame(table: pl.DataFrame | str | Path) -> tuple[pl.DataFrame, str]:
    if isinstance(table, pl.DataFrame):
        return table, "table"
    return read_table(Path(table), text_column=None, id_column=None, infer_types=True), str(table)


def error_rates(agreement: Agreement | pl.DataFrame | str | Path, level: float = 0.95) -> pl.DataFrame:
    """Per item: tpr, fpr and their standard errors, from `agree` (weighted to the corpus where it can be).

    A rate's standard error is the half-width of its Wilson interval over z (weighted figures: the
    interval `agree` gives, at the effective sample size; unweighted: from the units the human
    codes and those it does not), so a rate the sample never saw err still has an uncertainty.
    """
    if isinstance(agreement, Agreement):
        table = agreement.weighted if agreement.weighted is not None else agreement.items
        source = "agreement"
    else:
        table, source = _frame(agreement)
        if "weighting" in table.columns:
            kinds = set(table["weighting"].drop_nulls())
            table = table.filter(pl.col("weighting") == ("weighted" if "weighted" in kinds else "unweighted"))
    for column in ("item", "recall", "fpr"):
        if column not in table.columns:
            raise AgendaError(f"{source}: no column {column!r}; give the table `agenda agree -o` writes")
    table = table.filter(~pl.col("item").str.starts_with("("))  # the (micro) and (macro) rows
    z = NormalDist().inv_cdf(0.5 + level / 2)
    if "recall_se" in table.columns:  # weighted: the Wilson intervals at the effective sample size
        se_tpr = (pl.col("recall_hi") - pl.col("recall_lo")) / (2 * z)
        se_fpr = (pl.col("fpr_hi") - pl.col("fpr_lo")) / (2 * z)
    else:
        se_tpr = _wilson_se(pl.col("recall"), pl.col("gold"), z)
        se_fpr = _wilson_se(pl.col("fpr"), pl.col("units") - pl.col("gold"), z)
    return table.select("item", pl.col("recall").alias("tpr"), se_tpr.alias("tpr_se"), "fpr", se_fpr.alias("fpr_se"))


def _wilson_se(p: pl.Expr, n: pl.Expr, z: float) -> pl.Expr:
    """The half-width of the Wilson score interval of p out of n, over z."""
    return (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / (1 + z * z / n)


def corrected_shares(
    shares: pl.DataFrame | str | Path, agreement: Agreement | pl.DataFrame | str | Path, level: float = 0.95
) -> pl.DataFrame:
    """The shares table (of the units measure, from `agenda shares`) with each item's share corrected
    for the codebook's error rates measured by `agree`: tpr, fpr, corrected_share, corrected_se,
    corrected_low, corrected_high (empty for items `agree` did not measure or where TPR <= FPR).

    >>> agenda.corrected_shares("shares.csv", agenda.agree("sheet.key.csv", "coder-a.csv", "codebook.yaml"))
    """
    if not 0 < level < 1:
        raise AgendaError(f"--level must lie between 0 and 1, not {level}")
    table, source = _frame(shares)
    for column in ("item", "share", "units"):
        if column not in table.columns:
            raise AgendaError(f"{source}: no column {column!r}; give a table `agenda shares` writes")
    if "measure" in table.columns and set(table["measure"].drop_nulls()) - {"units"}:
        raise AgendaError(
            f"{source}: corrected shares need the units measure (agree measures units), not words or primary"
        )
    rates = error_rates(agreement, level)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    q = pl.col("share")
    if "ci_low" in table.columns and "ci_high" in table.columns:
        from_interval = (pl.col("ci_high") - pl.col("ci_low")) / (2 * z)
        se_q = (
            pl.when(pl.col("ci_low").is_not_null())
            .then(from_interval)
            .otherwise((q * (1 - q) / pl.col("units")).sqrt())
        )
    else:
        se_q = (q * (1 - q) / pl.col("units")).sqrt()
    gap = pl.col("tpr") - pl.col("fpr")
    raw = pl.when(gap > 0).then((q - pl.col("fpr")) / gap)
    out = table.join(rates, on="item", how="left", maintain_order="left").with_columns(
        raw.clip(0, 1).alias("corrected_share"), se_q.alias("_se_q")
    )
    c = pl.col("corrected_share")
    variance = (pl.col("_se_q") ** 2 + c**2 * pl.col("tpr_se") ** 2 + (1 - c) ** 2 * pl.col("fpr_se") ** 2) / gap**2
    se = pl.when(gap > 0).then(variance.sqrt())
    return (
        out.with_columns(se.alias("corrected_se"))
        .with_columns(
            (c - z * pl.col("corrected_se")).clip(0, 1).alias("corrected_low"),
            (c + z * pl.col("corrected_se")).clip(0, 1).alias("corrected_high"),
        )
        .drop("_se_q", "tpr_se", "fpr_se")
    )
