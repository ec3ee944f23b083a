"""Agreement of a coded table with human codes: precision, recall, F1, Cohen's kappa, Krippendorff's alpha.

Each item is a binary decision per unit (coded when its column is above 0). Intervals are
percentile bootstrap intervals that resample documents (clusters of units) with replacement.
When the coded table is the key of a sample (`agenda sample`: columns stratum and
inclusion_probability), the figures are also weighted back to the corpus (agenda.weighted).
Gold in the single-topic form (one column of topic ids or codes, the CAP convention) is compared
with the coded table's primary item: accuracy, a confusion matrix and per-topic figures.
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
from agenda.rollup import descendants
from agenda.sample import NO_ITEM, PROBABILITY, STRATUM
from agenda.weighted import ratio_figures, stratified_bootstrap, weighted_totals

NOT_ITEMS = {"doc_id", "unit", "text", "n_words", "n_items", "primary", "before", "after", STRATUM, PROBABILITY}
MEASURES = ("precision", "recall", "f1", "kappa", "alpha")
KEY = ("doc_id", "unit")
NO_TOPIC = {"", "0", "none", "(none)", "na"}  # gold topic values that mean: no topic


@dataclass(frozen=True)
class Agreement:
    """Agreement of a coded table with a gold table, per item and overall."""

    items: pl.DataFrame  # one row per item: counts, prevalences, measures with lo/hi intervals (unweighted)
    overall: pl.DataFrame  # micro and macro F1 with intervals
    units: int  # units in both tables
    documents: int
    only_coded: pl.DataFrame  # doc_id, unit of units missing from the gold table
    only_gold: pl.DataFrame  # doc_id, unit of units missing from the coded table
    disagreements: pl.DataFrame  # doc_id, unit, item, gold, coded, hits (+ text and terms when known)
    missing_items: tuple[str, ...] = field(default=())  # codebook items the gold table does not code
    weighted: pl.DataFrame | None = None  # per item, weighted to the corpus (a sample's key), see agenda.weighted
    strata: pl.DataFrame | None = None  # stratum, units (N_h), compared (n_h), weight
    by: pl.DataFrame | None = None  # the group columns, weighting, then per-item figures of each group
    topics: TopicAgreement | None = None  # single-topic gold: accuracy and confusion matrix

    def table(self) -> pl.DataFrame:
        """The per-item table with micro and macro F1 as two more rows (item '(micro)', '(macro)');
        for a sample, the weighted rows first, each row labelled in `weighting`."""
        overall = self.overall.select(
            pl.format("({})", pl.col("measure").str.replace("_f1", "")).alias("item"),
            pl.col("value").alias("f1"),
            pl.col("lo").alias("f1_lo"),
            pl.col("hi").alias("f1_hi"),
        )
        plain = pl.concat([self.items, overall], how="diagonal_relaxed")
        if self.weighted is None:
            return plain
        return pl.concat(
            [
                self.weighted.select(pl.lit("weighted").alias("weighting"), pl.all()),
                plain.select(pl.lit("unweighted").alias("weighting"), pl.all()),
            ],
            how="diagonal_relaxed",
        )


@dataclass(frozen=True)
class TopicAgreement:
    """Single-topic gold against the primary item: accuracy, the confusion matrix, what was compared."""

    accuracy: float  # share of units whose primary item is the gold topic (no topic on both sides counts)
    accuracy_lo: float | None
    accuracy_hi: float | None
    confusion: pl.DataFrame  # gold (topic), then one column a coded primary item, counts of units
    weighted_accuracy: float | None = None  # for a sample: weighted to the corpus
    weighted_accuracy_lo: float | None = None
    weighted_accuracy_hi: float | None = None
    rolled_up: bool = False  # the primary items were rolled up to their top-level parents


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


def read_sheet(table: pl.DataFrame | str | Path, name: str, id_column: str) -> tuple[pl.DataFrame, str]:
    """A table given as a frame or a file (.xlsx too); from a file, codes are read as numbers and the ids as text."""
    if isinstance(table, pl.DataFrame):
        return table, name
    path = Path(table)
    from agenda.sheets import is_xlsx, read_xlsx

    if is_xlsx(path):
        return read_xlsx(path), str(path)
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


def _gold_codes(gold: pl.DataFrame, source: str, items: list[str], codebook: Codebook | None) -> list[pl.Expr]:
    """The human codes of items, rolled up as the coded table is (agenda.rollup): a parent is coded when
    it or a descendant the coder coded is, so a coder who codes the most specific item agrees with the table.
    Each gold column is checked once."""
    families = descendants(codebook) if codebook is not None else {}
    members = {i: [m for m in families.get(i, [i]) if m in gold.columns] for i in items}
    codes = {m: _codes(gold, source, m, gold=True) for m in dict.fromkeys(m for ms in members.values() for m in ms)}
    return [pl.any_horizontal(codes[m] for m in members[i]).alias(f"g_{i}") for i in items]


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
    elif dtype == pl.Null:
        values = pl.col(item).cast(pl.Boolean)
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
            raise AgendaError(
                f"{gold_name}: no column for any item of {codebook.source} ({', '.join(missing)}); "
                "for one column of topic codes use --topic COLUMN"
            )
        return items, missing

    def numeric(frame: pl.DataFrame, column: str) -> bool:
        return frame.schema[column] == pl.Boolean or frame.schema[column].is_numeric()

    items = [c for c in coded.columns if c not in NOT_ITEMS and c in gold.columns and numeric(coded, c)]
    if not items:
        raise AgendaError(f"{coded_name} and {gold_name} share no item column; name the items with -c CODEBOOK")
    return items, []


def _top_level(codebook: Codebook) -> dict[str, str]:
    """Each item's top-level ancestor (itself when it has no parent)."""
    parent = {item.id: item.parent for item in codebook.items}

    def top(item_id: str) -> str:
        while parent[item_id]:
            item_id = parent[item_id]
        return item_id

    return {i: top(i) for i in parent}


def _topic_codes(coded: pl.DataFrame, gold: pl.DataFrame, topic: str, codebook: Codebook, names):
    """Single-topic gold: the gold topic and the coded primary item as item ids (NO_ITEM for none),
    one-vs-rest booleans per topic, and whether primary items were rolled up to their parents."""
    coded_name, gold_name = names
    if topic not in gold.columns:
        raise AgendaError(f"{gold_name}: no column {topic!r} (--topic; columns: {', '.join(gold.columns)})")
    if "primary" not in coded.columns:
        raise AgendaError(f"{coded_name}: no column 'primary' to compare single-topic gold with")
    known = {i: i for i in codebook.item_ids} | {str(item.code): item.id for item in codebook.items}
    raw = gold[topic].cast(pl.String).str.strip_chars()
    raw = raw.str.replace(r"^(-?\d+)\.0+$", "${1}")  # a code typed 2 in a spreadsheet comes back 2.0
    none = raw.is_null() | raw.str.to_lowercase().is_in(list(NO_TOPIC))
    mapped = raw.replace_strict(known, default=None, return_dtype=pl.String)
    unknown = gold.filter(~none & mapped.is_null())
    if unknown.height:
        row = unknown.row(0, named=True)
        raise AgendaError(
            f"{gold_name}: column {topic!r} is {row[topic]!r} at unit {row['unit']} of {row['doc_id']!r}, "
            f"not an item id or code of {codebook.source}"
        )
    gold_topic = pl.when(none).then(pl.lit(NO_ITEM)).otherwise(mapped)
    g = gold.select(*KEY, gold_topic.alias("_gold_topic"))
    tops = _top_level(codebook)
    used = set(g["_gold_topic"]) - {NO_ITEM}
    rolled = any(item.parent for item in codebook.items) and all(tops[t] == t for t in used)
    primary = pl.col("primary").cast(pl.String)
    if rolled:
        primary = primary.replace_strict(tops, default=None)
    c = coded.select(*KEY, primary.fill_null(NO_ITEM).alias("_primary"))
    seen = used | (set(c["_primary"]) - {NO_ITEM})
    topics = [i for i in codebook.item_ids if i in seen]
    if not topics:
        raise AgendaError(f"{gold_name} and {coded_name}: no unit has a topic on either side")
    hits = [
        (pl.col(t).cast(pl.Int64) if t in coded.columns else (pl.col("_primary") == t).cast(pl.Int64)).alias(f"h_{t}")
        for t in topics
    ]
    c = coded.select(*KEY, *[pl.col(t) for t in topics if t in coded.columns]).join(c, on=KEY, maintain_order="left")
    c = c.select(*KEY, "_primary", *[(pl.col("_primary") == t).alias(f"c_{t}") for t in topics], *hits)
    g = g.select(*KEY, "_gold_topic", *[(pl.col("_gold_topic") == t).alias(f"g_{t}") for t in topics])
    return c, g, topics, rolled


def _design(coded: pl.DataFrame, source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A sample's key: each unit's stratum index (_stratum), and the strata with their sizes N_h (sum of 1/pi)."""
    pi = pl.col(PROBABILITY).cast(pl.Float64, strict=False)
    bad = coded.filter(pi.is_null() | (pi <= 0) | (pi > 1))
    if bad.height:
        row = bad.row(0, named=True)
        raise AgendaError(
            f"{source}: column {PROBABILITY!r} is {row[PROBABILITY]!r} at unit {row['unit']} of {row['doc_id']!r}; "
            "an inclusion probability is above 0 and at most 1"
        )
    stratum = pl.col(STRATUM).cast(pl.String) if STRATUM in coded.columns else pi.cast(pl.String)
    units = coded.select(*KEY, stratum.fill_null("").alias(STRATUM), pi.alias(PROBABILITY))
    strata = units.group_by(STRATUM, maintain_order=True).agg(
        pl.col(PROBABILITY).n_unique().alias("_probabilities"),
        (1 / pl.col(PROBABILITY)).sum().round(6).alias("units"),
    )
    mixed = strata.filter(pl.col("_probabilities") > 1)
    if mixed.height:
        raise AgendaError(f"{source}: stratum {mixed[STRATUM][0]!r} holds more than one inclusion probability")
    strata = strata.sort(STRATUM).with_row_index("_stratum").drop("_probabilities")
    units = units.join(strata.select(STRATUM, "_stratum"), on=STRATUM, how="left", maintain_order="left")
    return units.select(*KEY, "_stratum"), strata


def agree(
    coded: pl.DataFrame | str | Path,
    gold: pl.DataFrame | str | Path,
    codebook: Codebook | str | Path | None = None,
    key: tuple[str, ...] | list[str] = KEY,
    bootstrap: int = 1000,
    seed: int = 1,
    resample: str = "doc",
    corpus: pl.DataFrame | str | Path | list[str | Path] | None = None,
    topic: str | None = None,
    by: str | list[str] | tuple[str, ...] = (),
    weights: bool = True,
) -> Agreement:
    """Compare a wide coded table with a gold table of human codes, item by item.

    key names gold's key columns for doc_id and unit (one name: unit only, when the coded table
    holds one document). Units in only one table are reported, never dropped silently.
    Intervals: `bootstrap` resamples of documents (resample="unit": of units) drawn with `seed`;
    none with fewer than two documents or bootstrap=0. Disagreements carry the unit's text when
    the coded table has a text column or a corpus is given, and the terms that fired with a codebook.

    A coded table with an inclusion_probability column (the key of `agenda.sample`) also gives
    `weighted`: the figures for the corpus (see agenda.weighted; weights=False: not). topic names
    a gold column of topic ids or codes (one per unit; empty, 0 or none for no topic): compared
    with the primary item (rolled up to top-level items when the gold codes only those), with
    accuracy and a confusion matrix in `topics`. by: group columns of the coded table, for `by`.
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
    if topic is not None and codebook is None:
        raise AgendaError("--topic needs the codebook (-c): the topic ids and codes are its items")
    by = [by] if isinstance(by, str) else list(by)
    coded, coded_name = read_sheet(coded, "coded table", KEY[0])
    gold, gold_name = read_sheet(gold, "gold table", key[0] if len(key) == 2 else KEY[0])
    coded = _keyed(coded, coded_name, KEY, None)
    docs = coded["doc_id"].unique().to_list()
    if len(key) == 1 and len(docs) != 1:
        raise AgendaError(f"--key {key[0]}: one key column works only for one document; {coded_name} has {len(docs)}")
    gold = _keyed(gold, gold_name, key, docs[0] if docs else None)
    for column in by:
        if column not in coded.columns or column in KEY:
            raise AgendaError(f"--by {column}: no such column in {coded_name}")
    names = (coded_name, gold_name)
    rolled = False
    if topic is not None:
        c, g, items, rolled = _topic_codes(coded, gold, topic, codebook, names)
        missing: list[str] = []
    else:
        items, missing = _item_columns(coded, gold, codebook, names)
        c = coded.select(
            *KEY,
            *[_codes(coded, coded_name, i).alias(f"c_{i}") for i in items],
            *[pl.col(i).cast(pl.Int64).alias(f"h_{i}") for i in items],
        )
        g = gold.select(*KEY, *_gold_codes(gold, gold_name, items, codebook))
    strata = None
    if weights and PROBABILITY in coded.columns:
        units, strata = _design(coded, coded_name)
        c = c.join(units, on=KEY, maintain_order="left")
    if by:
        c = c.join(coded.select(*KEY, *[pl.col(b).alias(f"_by_{b}") for b in by]), on=KEY, maintain_order="left")
    both = c.join(g, on=KEY, how="inner", maintain_order="left")
    if both.height == 0:
        raise AgendaError(f"{coded_name} and {gold_name} have no unit in common (keys doc_id and unit)")
    only_coded = c.join(g, on=KEY, how="anti", maintain_order="left").select(KEY)
    only_gold = g.join(c, on=KEY, how="anti", maintain_order="left").select(KEY)

    cluster = "doc_id" if resample == "doc" else ["doc_id", "unit"]
    labels = {item.id: item.label for item in codebook.items} if codebook is not None else None
    table, overall = _figures(both, items, cluster, bootstrap, seed, labels)
    weighted = None
    if strata is not None:
        population = strata["units"].to_numpy()
        weighted = _weighted(both, items, population, np.ones(both.height, bool), bootstrap, seed, labels)
        compared = both.group_by("_stratum").len("compared")
        strata = (
            strata.join(compared, on="_stratum", how="left")
            .with_columns(pl.col("compared").fill_null(0).cast(pl.UInt32))
            .with_columns((pl.col("units") / pl.col("compared")).alias("weight"))
            .drop("_stratum")
        )
    by_table = _by_groups(
        both,
        items,
        by,
        cluster,
        bootstrap,
        seed,
        labels,
        strata is not None,
        population if strata is not None else None,
    )
    topics = (
        _topics(both, cluster, bootstrap, seed, population if strata is not None else None, rolled) if topic else None
    )
    return Agreement(
        items=table,
        overall=overall,
        units=both.height,
        documents=both["doc_id"].n_unique(),
        only_coded=only_coded,
        only_gold=only_gold,
        disagreements=_disagreements(both, items, coded, codebook, corpus),
        missing_items=tuple(missing),
        weighted=weighted,
        strata=strata,
        by=by_table,
        topics=topics,
    )


def _cells(both: pl.DataFrame, items: list[str]) -> list[pl.Expr]:
    """tp, fp, fn, tn of each item, in that order, as boolean expressions over the joined table."""
    cells = []
    for i in items:
        cc, gg = pl.col(f"c_{i}"), pl.col(f"g_{i}")
        cells += [cc & gg, cc & ~gg, ~cc & gg, ~cc & ~gg]
    return cells


def _figures(both: pl.DataFrame, items: list[str], cluster, bootstrap: int, seed: int, labels) -> tuple:
    """The unweighted per-item table and micro/macro F1, with document (or unit) bootstrap intervals."""
    cells = _cells(both, items)
    per_cluster = both.group_by(cluster, maintain_order=True).agg([x.sum().alias(f"x{k}") for k, x in enumerate(cells)])
    counts = per_cluster.select(f"x{k}" for k in range(len(cells))).to_numpy().astype(float)
    counts = counts.reshape(len(per_cluster), len(items), 4)
    total = counts.sum(axis=0)
    point = measures(*total.T)
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
    columns["fpr"] = _fpr(total)  # for corrected shares: coded among the units the human does not code
    columns["fpr_lo"], columns["fpr_hi"] = _interval(_fpr(reps) if reps is not None else None, len(items))
    table = pl.DataFrame(columns, nan_to_null=True).with_columns(
        pl.col("gold", "coded", "both").cast(pl.UInt32), pl.col("units").cast(pl.UInt32)
    )
    return _labelled(table, labels), _overall(total, reps)


def _fpr(counts: np.ndarray) -> np.ndarray:
    """fp / (fp + tn) of counts (..., 4); NaN where the human codes every unit."""
    fp, tn = counts[..., 1], counts[..., 3]
    return np.divide(fp, fp + tn, out=np.full(fp.shape, np.nan), where=(fp + tn) > 0)


def _labelled(table: pl.DataFrame, labels: dict[str, str] | None) -> pl.DataFrame:
    if labels is None:
        return table
    table = table.with_columns(pl.col("item").replace_strict(labels, default=pl.col("item")).alias("label"))
    return table.select("item", "label", pl.exclude("item", "label"))


def _unit_cells(both: pl.DataFrame, items: list[str]) -> np.ndarray:
    """The 2x2 cell each unit falls in, per item: (units, items, 4) of 0/1."""
    cells = both.select([x.cast(pl.Float64).alias(f"x{k}") for k, x in enumerate(_cells(both, items))])
    return cells.to_numpy().reshape(both.height, len(items), 4)


def _weighted(
    both: pl.DataFrame, items: list[str], population: np.ndarray, domain: np.ndarray, bootstrap: int, seed: int, labels
) -> pl.DataFrame:
    """Per item, the figures for the corpus (or the domain of it that `domain` marks among compared units)."""
    cells = _unit_cells(both, items) * domain[:, None, None]
    stratum = both["_stratum"].to_numpy().astype(int)
    total = weighted_totals(cells, stratum, population)
    point = measures(*total.T)
    ratios = ratio_figures(cells, stratum, population)
    columns: dict[str, object] = {
        "item": items,
        "units": [int(domain.sum())] * len(items),
        "corpus_units": total.sum(axis=1),
        "gold": total[:, 0] + total[:, 2],
        "coded": total[:, 0] + total[:, 1],
        "both": total[:, 0],
    }
    for name in ("prevalence_gold", "prevalence_coded", "precision", "recall", "f1", "fpr"):
        for suffix in ("", "_se", "_lo", "_hi"):
            columns[name + suffix] = ratios[name + suffix]
    reps = stratified_bootstrap(cells, stratum, population, bootstrap, seed) if bootstrap else None
    boot = measures(*np.moveaxis(reps, -1, 0)) if reps is not None else None
    for name in ("kappa", "alpha"):
        columns[name] = point[name]
        columns[f"{name}_lo"], columns[f"{name}_hi"] = _interval(boot[name] if boot else None, len(items))
    table = pl.DataFrame(columns, nan_to_null=True).with_columns(pl.col("units").cast(pl.UInt32))
    return _labelled(table, labels)


def _by_groups(both, items, by, cluster, bootstrap, seed, labels, weighted: bool, population) -> pl.DataFrame | None:
    """Per group of the `by` columns: the unweighted figures, and for a sample the weighted ones
    (domain estimates: each group's units keep the weights of the whole design)."""
    if not by:
        return None
    columns = [f"_by_{b}" for b in by]
    parts = []
    groups = both.select(columns).unique(maintain_order=True).sort(columns, nulls_last=True)
    for values in groups.iter_rows():
        inside = pl.all_horizontal([pl.col(c).eq_missing(v) for c, v in zip(columns, values)])
        mask = both.select(inside).to_series().to_numpy()
        group = [pl.lit(v).alias(b) for b, v in zip(by, values)]
        if weighted:
            table = _weighted(both, items, population, mask, bootstrap, seed, labels)
            parts.append(table.select(*group, pl.lit("weighted").alias("weighting"), pl.all()))
        table, _ = _figures(both.filter(inside), items, cluster, bootstrap, seed, labels)
        parts.append(table.select(*group, pl.lit("unweighted").alias("weighting"), pl.all()))
    return pl.concat(parts, how="diagonal_relaxed")


def _topics(both: pl.DataFrame, cluster, bootstrap: int, seed: int, population, rolled: bool) -> TopicAgreement:
    """Accuracy of the primary item against the gold topic, and the confusion matrix (gold rows, coded columns)."""
    same = pl.col("_gold_topic") == pl.col("_primary")
    per_cluster = both.group_by(cluster, maintain_order=True).agg(same.sum().alias("a"), pl.len().alias("n"))
    counts = per_cluster.select("a", "n").to_numpy().astype(float)[:, None, :]
    accuracy = counts[:, 0, 0].sum() / counts[:, 0, 1].sum()
    lo = hi = None
    if bootstrap and len(per_cluster) > 1:
        reps = _bootstrap(counts, bootstrap, seed)
        (lo,), (hi,) = _interval(reps[:, :, 0] / reps[:, :, 1], 1)
    order = [t for t in both["_gold_topic"].unique().to_list() + both["_primary"].unique().to_list() if t != NO_ITEM]
    positions = {c.removeprefix("c_"): k for k, c in enumerate(both.columns) if c.startswith("c_")}
    order = sorted(set(order), key=lambda t: positions.get(t, len(positions))) + [NO_ITEM]
    counted = both.group_by("_gold_topic", "_primary").len()
    confusion = pl.DataFrame({"gold": order})
    for coded_topic in order:
        column = counted.filter(pl.col("_primary") == coded_topic).select(
            pl.col("_gold_topic").alias("gold"), pl.col("len").alias(coded_topic)
        )
        confusion = confusion.join(column, on="gold", how="left", maintain_order="left")
    confusion = confusion.with_columns(pl.exclude("gold").fill_null(0).cast(pl.UInt32))
    weighted = dict.fromkeys(("weighted_accuracy", "weighted_accuracy_lo", "weighted_accuracy_hi"))
    if population is not None:
        hit = both.select(same.cast(pl.Float64)).to_numpy()[:, 0]
        cells = np.stack([hit, np.zeros_like(hit), 1 - hit, np.zeros_like(hit)], axis=-1)[:, None, :]
        figures = ratio_figures(cells, both["_stratum"].to_numpy().astype(int), population)
        # Accuracy is a ratio of agreeing units to units: the 'recall' of cells (agree, 0, disagree, 0).
        weighted = {f"weighted_accuracy{s}": float(figures[f"recall{s}"][0]) for s in ("", "_lo", "_hi")}
    return TopicAgreement(float(accuracy), lo, hi, confusion, **weighted, rolled_up=rolled)


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
    return [None if v != v else float(v) for v in lo], [None if v != v else float(v) for v in hi]


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


def _shown(table: pl.DataFrame, names) -> pl.DataFrame:
    """Measures as 'value [lo, hi]' (or the value alone when no interval), rounded to 3 decimals."""

    def cell(name: str) -> pl.Expr:
        value = pl.col(name).round(3).cast(pl.String).fill_null("-")
        if table[f"{name}_lo"].null_count() == table.height:
            return value.alias(name)
        lo = pl.col(f"{name}_lo").round(3).cast(pl.String).fill_null("-")
        hi = pl.col(f"{name}_hi").round(3).cast(pl.String).fill_null("-")
        return pl.format("{} [{}, {}]", value, lo, hi).alias(name)

    counts = [pl.col(c).round(1) if table.schema[c].is_float() else pl.col(c) for c in ("gold", "coded", "both")]
    return table.select("item", *counts, *[cell(m) for m in names])


def format_agreement(result: Agreement) -> str:
    """The per-item table and overall figures for a terminal, rounded to 3 decimals; for a sample,
    the weighted table first; for single-topic gold, accuracy and the confusion matrix."""
    lines = []
    if result.weighted is not None:
        lines.append("weighted to the corpus (inclusion probabilities of the sample; counts are corpus estimates):")
        lines.append(render(_shown(result.weighted, ("precision", "recall", "f1", "kappa")), str_lengths=40, width=200))
        lines.append("unweighted (the sample as drawn):")
    lines.append(render(_shown(result.items, MEASURES), str_lengths=40, width=200))
    for row in result.overall.iter_rows(named=True):
        value = "-" if row["value"] is None else f"{row['value']:.3f}"
        ci = f" [{row['lo']:.3f}, {row['hi']:.3f}]" if row["lo"] is not None else ""
        lines.append(f"{row['measure'].replace('_', ' ')}: {value}{ci}")
    if result.topics is not None:
        t = result.topics
        ci = f" [{t.accuracy_lo:.3f}, {t.accuracy_hi:.3f}]" if t.accuracy_lo is not None else ""
        lines.append(f"accuracy of primary: {t.accuracy:.3f}{ci}")
        if t.weighted_accuracy is not None:
            lines.append(
                f"accuracy of primary, weighted: {t.weighted_accuracy:.3f} "
                f"[{t.weighted_accuracy_lo:.3f}, {t.weighted_accuracy_hi:.3f}]"
            )
        if t.rolled_up:
            lines.append("(primary items rolled up to their top-level parents, as the gold codes only those)")
        lines.append("confusion matrix (rows: gold topic, columns: primary item):")
        lines.append(render(t.confusion, str_lengths=40, width=200))
    if result.by is not None:
        groups = [c for c in result.by.columns if c not in ("weighting", "item")][
            : result.by.columns.index("weighting")
        ]
        figures = [pl.col(m).round(3) for m in ("precision", "recall", "f1")]
        lines.append("by group:")
        lines.append(
            render(result.by.select(*groups, "weighting", "item", "units", *figures), str_lengths=40, width=200)
        )
    docs = "document" if result.documents == 1 else "documents"
    lines.append(f"units compared: {result.units} in {result.documents} {docs}")
    return "\n".join(lines)
