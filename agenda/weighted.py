"""Agreement figures of a stratified sample weighted back to the corpus it was drawn from.

The design is a stratified simple random sample without replacement (`agenda sample`): stratum h
holds N_h units of the corpus, of which n_h were compared with the human codes, so each compared
unit stands for w = N_h / n_h units (the inverse of its inclusion probability; units left out
by the coders are taken out of n_h). Corpus totals of the 2x2 cells are the Horvitz-Thompson
sums of w; precision, recall, F1 and the human prevalence are ratios R = Y / X of such totals.

Interval of a ratio: its Taylor-linearised variance under the design,
    v = sum_h N_h^2 (1 - n_h / N_h) s_h^2 / n_h,   s_h^2 the sample variance in h of (y - R x) / X,
and the Wilson score interval at the effective sample size n_eff = R (1 - R) / v (Korn and
Graubard's idea; capped at the sampled units with x > 0, which n_eff also is where v = 0). A
stratum of one compared unit adds no variance. Kappa and alpha, which are no plain ratios, get
a percentile interval from a stratified bootstrap (units drawn with replacement within strata).
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

RATIOS = {  # measure: (numerator, denominator) as coefficients of the cells tp, fp, fn, tn
    "precision": ((1, 0, 0, 0), (1, 1, 0, 0)),
    "recall": ((1, 0, 0, 0), (1, 0, 1, 0)),
    "f1": ((2, 0, 0, 0), (2, 1, 1, 0)),
    "prevalence_gold": ((1, 0, 1, 0), (1, 1, 1, 1)),
    "prevalence_coded": ((1, 1, 0, 0), (1, 1, 1, 1)),
    "fpr": ((0, 1, 0, 0), (0, 1, 0, 1)),  # false positive rate: coded among the units the human does not code
}


def unit_weights(stratum: np.ndarray, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """w of each compared unit (N_h / n_h) and n_h per stratum; stratum holds indices into population."""
    compared = np.bincount(stratum, minlength=len(population)).astype(float)
    return population[stratum] / compared[stratum], compared


def ratio_figures(
    cells: np.ndarray, stratum: np.ndarray, population: np.ndarray, level: float = 0.95
) -> dict[str, np.ndarray]:
    """Point, standard error, lo and hi of each ratio per item: cells (units, items, 4) of 0/1."""
    w, compared = unit_weights(stratum, population)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    out: dict[str, np.ndarray] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, (num, den) in RATIOS.items():
            y, x = cells @ np.array(num, float), cells @ np.array(den, float)  # (units, items)
            total_y, total_x = w @ y, w @ x
            r = np.where(total_x > 0, total_y / np.where(total_x > 0, total_x, 1), np.nan)
            resid = (y - np.nan_to_num(r) * x) / np.where(total_x > 0, total_x, 1)
            v = np.zeros(cells.shape[1])
            for h in range(len(population)):
                rows = stratum == h
                n_h = compared[h]
                if n_h > 1:
                    fpc = 1 - n_h / population[h]
                    v += population[h] ** 2 * fpc * resid[rows].var(axis=0, ddof=1) / n_h
            m = (x > 0).sum(axis=0).astype(float)
            n_eff = np.where(v > 1e-15, np.minimum(r * (1 - r) / np.where(v > 1e-15, v, 1), m), m)
            lo, hi = wilson(r, n_eff, z)
            undefined = ~(total_x > 0)
            out[name] = r
            out[f"{name}_se"] = np.where(undefined, np.nan, np.sqrt(v))
            out[f"{name}_lo"] = np.where(undefined, np.nan, lo)
            out[f"{name}_hi"] = np.where(undefined, np.nan, hi)
    return out


def wilson(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion p out of n (arrays); NaN where n is 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        n = np.where(n > 0, n, np.nan)
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = np.where(p <= 0, 0.0, np.clip(centre - half, 0, 1))  # exact bounds where rounding would leave 1e-17
    return lo, np.where(p >= 1, 1.0, np.clip(centre + half, 0, 1))


def weighted_totals(cells: np.ndarray, stratum: np.ndarray, population: np.ndarray) -> np.ndarray:
    """The corpus totals of the cells per item (items, 4): sums of w over compared units."""
    w, _ = unit_weights(stratum, population)
    return np.einsum("u,uik->ik", w, cells)


def stratified_bootstrap(
    cells: np.ndarray, stratum: np.ndarray, population: np.ndarray, reps: int, seed: int
) -> np.ndarray:
    """Weighted totals of `reps` resamples (reps, items, 4), drawing n_h units with replacement in each stratum."""
    rng = np.random.default_rng(seed)
    w, compared = unit_weights(stratum, population)
    times = np.zeros((reps, len(stratum)))
    for h in range(len(population)):
        rows = np.flatnonzero(stratum == h)
        if rows.size:
            times[:, rows] = rng.multinomial(rows.size, np.full(rows.size, 1.0 / rows.size), size=reps)
    return np.einsum("bu,uik->bik", times * w, cells)
