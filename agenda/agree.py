"""Agreement of a coded table with human codes: precision, recall, F1, Cohen's kappa, Krippendorff's alpha.

Each item is a binary decision per unit (coded when its column is above 0). Intervals are
percentile bootstrap intervals that resample documents (clusters of units) with replacement.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from agenda.codebook import Codebook, load_codebook
from agenda.corpus import read_table
from agenda.display import render
from agenda.errors import AgendaError

NOT_ITEMS = {"doc_id", "unit", "text", "n_words", "n_items", "primary"}
MEASURES = ("precision", "recall", "f1", "kappa", "alpha")
KEY = ("doc_id", "unit")


@dataclass(frozen=True)
class Agreement:
    """Agreement of a coded table with a gold table, per item and overall."""

    items: pl.DataFrame  # one row per item: counts, prevalences, measures with lo/hi intervals
    overall: pl.DataFrame  # micro and macro F1 with intervals
    units: int  # units in both tables
    documents: int
    only_coded: pl.DataFrame  # doc_id, unit of units missing from the gold table
    only_gold: pl.DataFrame  # doc_id, unit of units missing from the coded table
    disagreements: pl.DataFrame  # doc_id, unit, item, gold, coded, hits (+ text and terms when known)
    missing_items: tuple[str, ...] = field(default=())  # codebook items the gold table does not code

    def table(self) -> pl.DataFrame:
        """The per-item table with micro and macro F1 as two more rows (item '(micro)', '(macro)')."""
        overall = self.overall.select(
            pl.format("({})", pl.col("measure").str.replace("_f1", "")).alias("item"),
            pl.col("value").alias("f1"),
            pl.col("lo").alias("f1_lo"),
            pl.col("hi").alias("f1_hi"),
        )
        return pl.concat([self.items, overall], how="diagonal_relaxed")


def measures(tp, fp, fn, tn) -> dict[str, np.ndarray]:
    """Precision, recall, F1, kappa and alpha of 2x2 counts (arrays broadcast); NaN where undefined.

    kappa = (po - pe) / (1 - pe) with pe from each coder's own marginals (Cohen).
    alpha (nominal, two coders, no missing values) = 1 - (2n - 1) (fp + fn) / (n0 n1), where n1 = 2tp + fp + fn
    and n0 = 2tn + fp + fn are the values' totals in the coincidence matrix (Krippendorff).
    """
    tp, fp, fn, tn = (np.asarray(x, dtype=float) for x in (tp, fp, fn, tn))
    n = tp + fp + fn + tn

    def ratio(num, den):
        return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den > 0)

    pc, pg = ratio(tp + fp, n), ratio(tp + fn, n)
    pe = pc * pg + (1 - pc) * (1 - pg)
    n1, n0 = 2 * tp + fp + fn, 2 * tn + fp + fn
    return {
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "kappa": np.where(pe < 1, ratio(ratio(tp + tn, n) - pe, 1 - pe), np.nan),
        "alpha": 1 - ratio((2 * n - 1) * (fp + fn), n0 * n1),
    }


def _table(table: pl.DataFrame | str | Path, name: str, id_column: str) -> tuple[pl.DataFrame, str]:
    """A table given as a frame or a file; from a file, codes are read as numbers and the ids as text."""
    if isinstance(table, pl.DataFrame):
        return table, name
    path = Path(table)
    return read_table(path, text_column=None, id_column=id_column, infer_types=True), str(path)


def _keyed(frame: pl.DataFrame, source: str, key: tuple[str, ...], single_doc: str | None) -> pl.DataFrame:
    """The table with doc_id (String) and unit (Int64) key columns; duplicate keys are errors."""
    for column in key:
        if column not in frame.columns:
            raise AgendaError(f"{source}: no key column {column!r} (columns: {', '.join(frame.columns)}); use --key")
    doc = pl.col(key[0]).cast(pl.String) if len(key) == 2 else pl.lit(single_doc, pl.String)
    unit_col = key[-1]
    unit = pl.col(unit_col).cast(pl.Int64, strict=False)
    bad = frame.filter(unit.is_null())
    if bad.height:
        raise AgendaError(f"{source}: column {unit_col!r} holds {bad[unit_col][0]!r}, not a unit number")
    rest = [c for c in frame.columns if c not in (*key, *KEY)]
    keyed = frame.select(doc.alias("doc_id"), unit.alias("unit"), *rest)
    dup = keyed.filter(pl.struct(KEY).is_duplicated())
    if dup.height:
        raise AgendaError(f"{source}: unit {dup['unit'][0]} of {dup['doc_id'][0]!r} appears more than once")
    return keyed


def _codes(frame: pl.DataFrame, source: str, item: str, gold: bool = False) -> pl.Expr:
    """An item column as booleans (above 0); anything but non-negative numbers is an error, and in
    the gold table (human codes) anything but 0 and 1."""
    dtype = frame.schema[item]
    if dtype == pl.Boolean:
        values = pl.col(item)
    elif dtype.is_numeric():
        values = pl.col(item)
        wrong = frame.filter(((values != 0) & (values != 1)) if gold else values < 0)
        if wrong.height:
            row = wrong.row(0, named=True)
            raise AgendaError(
                f"{source}: column {item!r} is {row[item]} at unit {row['unit']} of {row['doc_id']!r}; codes are 0 or 1"
            )
        values = values > 0
    else:
        raise AgendaError(f"{source}: column {item!r} holds {dtype} values; codes are 0 or 1")
    missing = frame.filter(pl.col(item).is_null())
    if missing.height:
        row = missing.row(0, named=True)
        raise AgendaError(
            f"{source}: column {item!r} is empty at unit {row['unit']} of {row['doc_id']!r}; code it 0 or 1"
        )
    return values


def _item_columns(coded: pl.DataFrame, gold: pl.DataFrame, codebook: Codebook | None, names) -> tuple[list, list]:
    coded_name, gold_name = names
    if codebook is not None:
        for item_id in codebook.item_ids:
            if item_id not in coded.columns:
                raise AgendaError(f"{coded_name}: no column for item {item_id!r} of {codebook.source}")
        items = [i for i in codebook.item_ids if i in gold.columns]
        missing = [i for i in codebook.item_ids if i not in gold.columns]
        if not items:
            raise AgendaError(f"{gold_name}: no column for any item of {codebook.source} ({', '.join(missing)})")
        return items, missing

    def numeric(frame: pl.DataFrame, column: str) -> bool:
        return frame.schema[column] == pl.Boolean or frame.schema[column].is_numeric()

    items = [c for c in coded.columns if c not in NOT_ITEMS and c in gold.columns and numeric(coded, c)]
    if not items:
        raise AgendaError(f"{coded_name} and {gold_name} share no item column; name the items with -c CODEBOOK")
    return items, []


def agree(
    coded: pl.DataFrame | str | Path,
    gold: pl.DataFrame | str | Path,
    codebook: Codebook | str | Path | None = None,
    key: tuple[str, ...] | list[str] = KEY,
    bootstrap: int = 1000,
    seed: int = 1,
    resample: str = "doc",
    corpus: pl.DataFrame | str | Path | list[str | Path] | None = None,
) -> Agreement:
    """Compare a wide coded table with a gold table of human codes, item by item.

    key names gold's key columns for doc_id and unit (one name: unit only, when the coded table
    holds one document). Units in only one table are reported, never dropped silently.
    Intervals: `bootstrap` resamples of documents (resample="unit": of units) drawn with `seed`;
    none with fewer than two documents or bootstrap=0. Disagreements carry the unit's text when
    the coded table has a text column or a corpus is given, and the terms that fired with a codebook.
    """
    if resample not in ("doc", "unit"):
        raise AgendaError(f"--resample must be doc or unit, not {resample!r}")
    if bootstrap < 0:
        raise AgendaError(f"--bootstrap must be 0 or more, not {bootstrap}")
    key = tuple(key)
    if len(key) not in (1, 2):
        raise AgendaError(f"--key names one or two gold columns (doc_id, unit), not {len(key)}")
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    coded, coded_name = _table(coded, "coded table", KEY[0])
    gold, gold_name = _table(gold, "gold table", key[0] if len(key) == 2 else KEY[0])
    coded = _keyed(coded, coded_name, KEY, None)
    docs = coded["doc_id"].unique().to_list()
    if len(key) == 1 and len(docs) != 1:
        raise AgendaError(f"--key {key[0]}: one key column works only for one document; {coded_name} has {len(docs)}")
    gold = _keyed(gold, gold_name, key, docs[0] if docs else None)
    items, missing = _item_columns(coded, gold, codebook, (coded_name, gold_name))
    c = coded.select(
        *KEY,
        *[_codes(coded, coded_name, i).alias(f"c_{i}") for i in items],
        *[pl.col(i).cast(pl.Int64).alias(f"h_{i}") for i in items],
    )
    g = gold.select(*KEY, *[_codes(gold, gold_name, i, gold=True).alias(f"g_{i}") for i in items])
    both = c.join(g, on=KEY, how="inner", maintain_order="left")
    if both.height == 0:
        raise AgendaError(f"{coded_name} and {gold_name} have no unit in common (keys doc_id and unit)")
    only_coded = c.join(g, on=KEY, how="anti", maintain_order="left").select(KEY)
    only_gold = g.join(c, on=KEY, how="anti", maintain_order="left").select(KEY)

    cluster = "doc_id" if resample == "doc" else ["doc_id", "unit"]
    cells = []
    for i in items:
        cc, gg = pl.col(f"c_{i}"), pl.col(f"g_{i}")
        cells += [(cc & gg).sum(), (cc & ~gg).sum(), (~cc & gg).sum(), (~cc & ~gg).sum()]
    per_cluster = both.group_by(cluster, maintain_order=True).agg([x.alias(f"x{k}") for k, x in enumerate(cells)])
    counts = per_cluster.select(f"x{k}" for k in range(len(cells))).to_numpy().astype(float)
    counts = counts.reshape(len(per_cluster), len(items), 4)
    total = counts.sum(axis=0)
    point = measures(*total.T)
    n_docs = both["doc_id"].n_unique()
    reps = _bootstrap(counts, bootstrap, seed) if bootstrap and len(per_cluster) > 1 else None

    columns: dict[str, list] = {
        "item": items,
        "units": [int(both.height)] * len(items),
        "gold": total[:, 0] + total[:, 2],
        "coded": total[:, 0] + total[:, 1],
        "both": total[:, 0],
        "prevalence_gold": (total[:, 0] + total[:, 2]) / both.height,
        "prevalence_coded": (total[:, 0] + total[:, 1]) / both.height,
    }
    boot = measures(*np.moveaxis(reps, -1, 0)) if reps is not None else None
    for name in MEASURES:
        columns[name] = point[name]
        lo, hi = _interval(boot[name] if boot else None, len(items))
        columns[f"{name}_lo"], columns[f"{name}_hi"] = lo, hi
    if codebook is not None:
        labels = {item.id: item.label for item in codebook.items}
        columns["label"] = [labels[i] for i in items]
    table = pl.DataFrame(columns, nan_to_null=True).with_columns(
        pl.col("gold", "coded", "both").cast(pl.UInt32), pl.col("units").cast(pl.UInt32)
    )
    if codebook is not None:
        table = table.select("item", "label", *[c for c in table.columns if c not in ("item", "label")])
    overall = _overall(total, reps)
    return Agreement(
        items=table,
        overall=overall,
        units=both.height,
        documents=n_docs,
        only_coded=only_coded,
        only_gold=only_gold,
        disagreements=_disagreements(both, items, coded, codebook, corpus),
        missing_items=tuple(missing),
    )


def _bootstrap(counts: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """Counts summed over clusters drawn with replacement: shape (reps, items, 4)."""
    rng = np.random.default_rng(seed)
    n = counts.shape[0]
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=reps).astype(float)
    return np.einsum("bd,dik->bik", weights, counts)


def _interval(values: np.ndarray | None, size: int) -> tuple[list, list]:
    """The 2.5th and 97.5th percentiles over resamples where the measure is defined."""
    if values is None:
        return [None] * size, [None] * size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(values, [2.5, 97.5], axis=0)
    return list(lo), list(hi)


def _overall(total: np.ndarray, reps: np.ndarray | None) -> pl.DataFrame:
    """Micro F1 (pooled counts) and macro F1 (mean over items where F1 is defined)."""

    def both_f1(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pooled = counts.sum(axis=-2)
        micro = measures(*np.moveaxis(pooled, -1, 0))["f1"]
        per_item = measures(*np.moveaxis(counts, -1, 0))["f1"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            macro = np.nanmean(per_item, axis=-1)
        return micro, macro

    micro, macro = both_f1(total)
    if reps is not None:
        rep_micro, rep_macro = both_f1(reps)
        (mlo, mhi), (alo, ahi) = (_interval(x[:, None], 1) for x in (rep_micro, rep_macro))
    else:
        mlo = mhi = alo = ahi = [None]
    return pl.DataFrame(
        {
            "measure": ["micro_f1", "macro_f1"],
            "value": [float(micro), float(macro)],
            "lo": [mlo[0], alo[0]],
            "hi": [mhi[0], ahi[0]],
        },
        schema={"measure": pl.String, "value": pl.Float64, "lo": pl.Float64, "hi": pl.Float64},
        nan_to_null=True,
    )


def _disagreements(both: pl.DataFrame, items: list[str], coded: pl.DataFrame, codebook, corpus) -> pl.DataFrame:
    """Every unit and item where the tables disagree, with text and terms when they can be known."""
    parts = [
        both.filter(pl.col(f"c_{i}") != pl.col(f"g_{i}")).select(
            *KEY,
            pl.lit(i).alias("item"),
            pl.col(f"g_{i}").cast(pl.UInt8).alias("gold"),
            pl.col(f"c_{i}").cast(pl.UInt8).alias("coded"),
            pl.col(f"h_{i}").alias("hits"),
        )
        for i in items
    ]
    out = pl.concat(parts)
    text = None
    if "text" in coded.columns:
        text = coded.select(*KEY, pl.col("text").cast(pl.String))
    elif corpus is not None:
        from agenda.audit import load_units

        if codebook is None:
            raise AgendaError("a corpus for the disagreements' text needs the codebook (-c) that split it")
        _, units = load_units(corpus, codebook, boilerplate=True)
        text = units.select(pl.col("doc_id"), pl.col("unit").cast(pl.Int64), "text")
    if text is None:
        return out
    out = out.join(text, on=KEY, how="left", maintain_order="left")
    if codebook is not None and out.height:
        from agenda.code import long_units

        units = out.select(*KEY, "text").unique(KEY, maintain_order=True)
        terms = long_units(units.with_columns(pl.col("unit").cast(pl.UInt32)), codebook).collect()
        terms = terms.select("doc_id", pl.col("unit").cast(pl.Int64), "item", "terms")
        out = out.join(terms, on=[*KEY, "item"], how="left", maintain_order="left")
        out = out.select(*KEY, "item", "gold", "coded", "hits", "terms", "text")
    return out


def format_agreement(result: Agreement) -> str:
    """The per-item table and overall figures for a terminal, rounded to 3 decimals."""

    def cell(name: str) -> pl.Expr:
        value = pl.col(name).round(3).cast(pl.String).fill_null("-")
        if result.items[f"{name}_lo"].null_count() == result.items.height:
            return value.alias(name)
        lo = pl.col(f"{name}_lo").round(3).cast(pl.String).fill_null("-")
        hi = pl.col(f"{name}_hi").round(3).cast(pl.String).fill_null("-")
        return pl.format("{} [{}, {}]", value, lo, hi).alias(name)

    shown = result.items.select("item", "gold", "coded", "both", *[cell(m) for m in MEASURES])
    lines = [render(shown, str_lengths=40, width=200)]
    for row in result.overall.iter_rows(named=True):
        value = "-" if row["value"] is None else f"{row['value']:.3f}"
        ci = f" [{row['lo']:.3f}, {row['hi']:.3f}]" if row["lo"] is not None else ""
        lines.append(f"{row['measure'].replace('_', ' ')}: {value}{ci}")
    docs = "document" if result.documents == 1 else "documents"
    lines.append(f"units compared: {result.units} in {result.documents} {docs}")
    return "\n".join(lines)
