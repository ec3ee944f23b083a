"""agenda sample: a seeded, stratified random sample of units for human coding, and its key.

The corpus is coded, its units are put into strata (coded for some item or for none, or by
primary item; crossed with any metadata columns), and a simple random sample without
replacement is drawn in each stratum. Each sampled unit's inclusion probability is n_h / N_h,
so figures measured on the sample can be weighted back to the corpus (see `agree`). The coding
sheet holds the units in random order, their text (and neighbouring paragraphs for context) and
one empty column per item: nothing on it tells the coder what the codebook coded. The key holds
the codebook's codes, the strata and the probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

from agenda.code import code
from agenda.codebook import Codebook, load_codebook
from agenda.errors import AgendaError

STRATA = ("coded", "primary", "none")
ALLOCATIONS = ("equal", "proportional")
NO_ITEM = "(none)"
PROBABILITY = "inclusion_probability"
STRATUM = "stratum"


@dataclass(frozen=True)
class Sample:
    """A drawn sample: the sheet for coders, the key for `agree`, and the strata as drawn."""

    sheet: pl.DataFrame  # doc_id, unit, [before], text, [after], one empty Int8 column per item; random order
    key: pl.DataFrame  # doc_id, unit, stratum, inclusion_probability, the coded table's columns; sheet order
    strata: pl.DataFrame  # stratum, units (N_h), sampled (n_h), inclusion_probability


def allocate(sizes: list[int], n: int, equal: bool) -> list[int]:
    """Units to draw per stratum: n split equally (or in proportion to size), none above a stratum's
    size, what a full stratum cannot take passed on to the others, and at least one per stratum.

    Shares are rounded by largest remainder, ties to the first stratum, so the split is reproducible.
    """
    total = sum(sizes)
    if n >= total:
        return list(sizes)
    if n < len(sizes):
        raise AgendaError(f"-n {n} is smaller than the {len(sizes)} strata; draw more units or use fewer strata")
    weight = [1.0 if equal else float(s) for s in sizes]
    taken = [0] * len(sizes)
    active = list(range(len(sizes)))
    remaining = n
    while True:
        scale = remaining / sum(weight[h] for h in active)
        full = [h for h in active if weight[h] * scale >= sizes[h]]
        if not full:
            break
        for h in full:
            taken[h] = sizes[h]
            remaining -= sizes[h]
            active.remove(h)
    ideal = {h: weight[h] * scale for h in active}
    for h in active:
        taken[h] = math.floor(ideal[h])
    left = remaining - sum(taken[h] for h in active)
    for h in sorted(active, key=lambda h: (-(ideal[h] - taken[h]), h))[:left]:
        taken[h] += 1
    for h in range(len(sizes)):  # every stratum is represented, else its units could never be weighted
        if taken[h] == 0:
            donor = max(range(len(sizes)), key=lambda d: (taken[d], -d))
            taken[donor] -= 1
            taken[h] = 1
    return taken


def sample(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    n: int,
    strata: str = "coded",
    by: str | list[str] | tuple[str, ...] = (),
    allocation: str = "equal",
    seed: int = 1,
    context: int = 0,
    unit: str | None = None,
    date_column: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    **read_options: str,
) -> Sample:
    """Draw n units for human coding, stratified, each with its inclusion probability.

    strata: "coded" (units coded for some item / for none), "primary" (by primary item, and
    none), or "none"; `by` adds metadata columns (source, language, period) to the strata.
    allocation "equal" draws the same number from every stratum (precision and recall of rare
    codes need it), "proportional" in proportion to stratum size (a self-weighting sample).
    context: the K units before and after each unit, in columns `before` and `after`.
    progress is called as the corpus is coded (see agenda.code).

    >>> drawn = agenda.sample("examples/corpus", "codebook/us-russia-2021.yaml", n=30, by="source")
    """
    if strata not in STRATA:
        raise AgendaError(f"--strata must be one of {', '.join(STRATA)}, not {strata!r}")
    if allocation not in ALLOCATIONS:
        raise AgendaError(f"--allocation must be one of {', '.join(ALLOCATIONS)}, not {allocation!r}")
    if n < 1:
        raise AgendaError(f"-n must be 1 or more, not {n}")
    if context < 0:
        raise AgendaError(f"--context must be 0 or more, not {context}")
    by = [by] if isinstance(by, str) else list(by)
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    coded = code(corpus, codebook, unit, keep_text=True, progress=progress, date_column=date_column, **read_options)
    for column in by:
        if column not in coded.columns or column in (*codebook.item_ids, "text", "n_items", "primary"):
            meta = [c for c in coded.columns if c not in (*codebook.item_ids, "text", "n_words", "n_items", "primary")]
            raise AgendaError(f"--by {column}: no such corpus column (metadata: {', '.join(meta)})")
    if STRATUM in coded.columns or PROBABILITY in coded.columns:
        raise AgendaError(f"the corpus has a column named {STRATUM!r} or {PROBABILITY!r}, which the key needs")

    parts = {"coded": [pl.when(pl.col("n_items") > 0).then(pl.lit("coded")).otherwise(pl.lit("not coded"))]}
    parts["primary"] = [pl.col("primary").fill_null(NO_ITEM)]
    parts["none"] = []
    labels = [*parts[strata], *[pl.format("{}={}", pl.lit(c), pl.col(c).cast(pl.String).fill_null("")) for c in by]]
    stratum = pl.concat_str(labels, separator=" | ") if labels else pl.lit("all")
    rng = np.random.default_rng(seed)
    frame = coded.with_columns(
        stratum.alias(STRATUM),
        pl.Series("_draw", rng.random(coded.height)),
        pl.Series("_order", rng.permutation(coded.height)),
    )
    sizes = frame.group_by(STRATUM).len("units").sort(STRATUM)
    taken = allocate(sizes["units"].to_list(), n, allocation == "equal")
    table = sizes.with_columns(pl.Series("sampled", taken, dtype=pl.UInt32), pl.col("units").cast(pl.UInt32))
    table = table.with_columns((pl.col("sampled") / pl.col("units")).alias(PROBABILITY))
    drawn = (
        frame.join(table, on=STRATUM, how="left")
        .filter(pl.col("_draw").rank("ordinal").over(STRATUM) <= pl.col("sampled"))
        .sort("_order")
    )
    if context:
        drawn = _with_context(frame, drawn, context)
    sheet = drawn.select(
        "doc_id",
        "unit",
        *(["before"] if context else []),
        "text",
        *(["after"] if context else []),
        *[pl.lit(None, pl.Int8).alias(i) for i in codebook.item_ids],
    )
    kept = [c for c in coded.columns if c != "text"]
    key = drawn.select("doc_id", "unit", STRATUM, PROBABILITY, *[c for c in kept if c not in ("doc_id", "unit")])
    return Sample(sheet=sheet, key=key, strata=table)


def _with_context(frame: pl.DataFrame, drawn: pl.DataFrame, k: int) -> pl.DataFrame:
    """The texts of the k units before and after each drawn unit in its document, joined by blank lines."""
    text = pl.col("text")
    around = frame.select(
        "doc_id",
        "unit",
        pl.concat_str([text.shift(s).over("doc_id") for s in range(k, 0, -1)], separator="\n\n", ignore_nulls=True)
        .replace("", None)
        .alias("before"),
        pl.concat_str([text.shift(-s).over("doc_id") for s in range(1, k + 1)], separator="\n\n", ignore_nulls=True)
        .replace("", None)
        .alias("after"),
    )
    return drawn.join(around, on=["doc_id", "unit"], how="left", maintain_order="left")


def sample_size(width: float, expected: float = 0.5, level: float = 0.95, population: int | None = None) -> int:
    """Units needed in a measure's denominator for a confidence interval of total `width`.

    The normal approximation for a proportion: n0 = z^2 p (1 - p) / (width / 2)^2, with p the
    expected precision or recall (0.5, the default, is the most conservative); with the
    population size (the units coded for the item, for precision) the finite population
    correction n0 / (1 + (n0 - 1) / N). For precision the denominator is the sampled units the
    codebook codes for the item; for recall, the sampled units the human codes for it.
    """
    if not 0 < width < 1:
        raise AgendaError(f"--width must be between 0 and 1, not {width}")
    if not 0 < expected < 1:
        raise AgendaError(f"--expected must be between 0 and 1 (exclusive), not {expected}")
    if not 0 < level < 1:
        raise AgendaError(f"--level must be between 0 and 1, not {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    n0 = z * z * expected * (1 - expected) / (width / 2) ** 2
    if population is not None:
        if population < 1:
            raise AgendaError(f"--population must be 1 or more, not {population}")
        n0 = n0 / (1 + (n0 - 1) / population)
    return math.ceil(n0 - 1e-9)


def key_path(sheet: str | Path) -> Path:
    """Where the key of a coding sheet goes by default: SHEET.key.csv beside it."""
    sheet = Path(sheet)
    return sheet.with_name(f"{sheet.stem}.key.csv")


def write_sample(drawn: Sample, sheet: str | Path, key: str | Path, provenance: dict[str, str]) -> list[Path]:
    """Write the key (CSV or Parquet, with provenance), then the sheet (.csv, .parquet or .xlsx)."""
    from agenda.export import output_files, write_table
    from agenda.sheets import is_xlsx, openpyxl_module, write_xlsx

    if is_xlsx(sheet):
        openpyxl_module()  # refused before the key is written, when the extra is missing
    written = list(write_table(drawn.key, key, provenance))
    if is_xlsx(sheet):
        write_xlsx(drawn.sheet, sheet)
        return [*written, Path(sheet)]
    write_table(drawn.sheet, sheet, provenance)
    return [*written, *output_files(sheet)]
