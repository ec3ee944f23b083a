"""Krippendorff's alpha for two or more coders (nominal data, missing values allowed), per item.

From the values each unit received (n_uc: coders giving unit u the value c, m_u = sum_c n_uc),
for the pairable units (m_u >= 2), Krippendorff's coincidences give
    alpha = 1 - (n - 1) * sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1) / (n^2 - sum_c n_c^2),
n_c = sum_u n_uc and n = sum_c n_c. The interval is a percentile bootstrap that draws pairable
units with replacement (Krippendorff's own bootstrap resamples pairs of values instead; both
keep the units' values together).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import polars as pl

from agenda.agree import KEY, NOT_ITEMS, _keyed, read_sheet
from agenda.codebook import Codebook, load_codebook
from agenda.errors import AgendaError


def nominal_alpha(counts: np.ndarray) -> np.ndarray:
    """Alpha of value counts (..., units, values); units with fewer than two values are left out."""
    counts = np.asarray(counts, dtype=float)
    m = counts.sum(axis=-1)
    pairable = m >= 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        observed = np.where(pairable, (m * m - (counts * counts).sum(axis=-1)) / np.where(pairable, m - 1, 1), 0)
        n_c = (counts * pairable[..., None]).sum(axis=-2)
        n = n_c.sum(axis=-1)
        expected = n * n - (n_c * n_c).sum(axis=-1)
        return np.where(expected > 0, 1 - (n - 1) * observed.sum(axis=-1) / np.where(expected > 0, expected, 1), np.nan)


def alpha(
    sheets: list[pl.DataFrame | str | Path],
    codebook: Codebook | str | Path | None = None,
    columns: list[str] | tuple[str, ...] | None = None,
    key: tuple[str, ...] | list[str] = KEY,
    bootstrap: int = 1000,
    seed: int = 1,
) -> pl.DataFrame:
    """Agreement of two or more coders' sheets, one row per item: Krippendorff's alpha (nominal).

    Each sheet has the key columns and the coded columns (any values: 0/1 per item, or topic
    codes); an empty cell is a missing value. The columns compared: `columns`, else the
    codebook's items found in every sheet, else every column all sheets share.
    """
    if len(sheets) < 2:
        raise AgendaError(f"alpha compares two or more coders' sheets, not {len(sheets)}")
    if bootstrap < 0:
        raise AgendaError(f"--bootstrap must be 0 or more, not {bootstrap}")
    key = tuple(key)
    if len(key) != 2:
        raise AgendaError(f"--key names the sheets' two columns for doc_id and unit, not {len(key)}")
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    frames = []
    for k, sheet in enumerate(sheets):
        frame, name = read_sheet(sheet, f"sheet {k + 1}", key[0])
        frames.append((_keyed(frame, name, key, None), name))
    shared = [c for c in frames[0][0].columns if all(c in f.columns for f, _ in frames[1:])]
    if columns:
        for column in columns:
            for frame, name in frames:
                if column not in frame.columns:
                    raise AgendaError(f"{name}: no column {column!r}")
        chosen = list(columns)
    elif codebook is not None:
        chosen = [i for i in codebook.item_ids if i in shared]
        if not chosen:
            raise AgendaError(f"the sheets share no column for an item of {codebook.source}")
    else:
        chosen = [c for c in shared if c not in NOT_ITEMS and c not in KEY]
        if not chosen:
            raise AgendaError("the sheets share no coded column; name them with --column or -c")
    rows = []
    for column in chosen:
        values = pl.concat(
            [
                f.select(*KEY, pl.col(column).cast(pl.String).str.strip_chars().replace("", None).alias("value"))
                for f, _ in frames
            ]
        ).drop_nulls("value")
        values = values.with_columns(pl.col("value").str.replace(r"^(-?\d+)\.0+$", "${1}"))  # 1.0 typed as 1
        counts = values.group_by(*KEY, "value").len().pivot("value", index=list(KEY), values="len").fill_null(0)
        counts = counts.sort(KEY).select(*KEY, *sorted(c for c in counts.columns if c not in KEY))  # reproducible
        matrix = counts.drop(KEY).to_numpy().astype(float) if counts.width > 2 else np.zeros((0, 1))
        matrix = matrix[matrix.sum(axis=1) >= 2]
        point = float(nominal_alpha(matrix)) if matrix.size else float("nan")
        lo = hi = None
        if bootstrap and len(matrix) > 1:
            rng = np.random.default_rng(seed)
            draws = rng.integers(0, len(matrix), size=(bootstrap, len(matrix)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = (float(v) for v in np.nanpercentile(nominal_alpha(matrix[draws]), [2.5, 97.5]))
        rows.append(
            {
                "item": column,
                "coders": len(frames),
                "units": len(matrix),
                "values": int(matrix.sum()),
                "alpha": None if point != point else point,
                "alpha_lo": None if lo != lo else lo,
                "alpha_hi": None if hi != hi else hi,
            }
        )
    schema = {"item": pl.String, "coders": pl.UInt32, "units": pl.UInt32, "values": pl.UInt32}
    return pl.DataFrame(rows, schema={**schema, "alpha": pl.Float64, "alpha_lo": pl.Float64, "alpha_hi": pl.Float64})
