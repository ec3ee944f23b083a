"""Rule-level evidence against human codes: how precise each rule is, what dropping it does to F1,
and the false positives and negatives as keyword-in-context lines.

The units are those of the gold table (human codes, one 0/1 column per item), found in the corpus
as `code` splits it; whole documents are matched, so context rules see their neighbours. A rule
`fires` in a unit where one of its matches counts toward the item's hits there (see agenda.audit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from agenda.agree import KEY, _codes, _keyed, measures, read_sheet
from agenda.audit import Presence, judge, load_units, rule_label, rule_number, unit_events, with_tokens
from agenda.codebook import Codebook, load_codebook
from agenda.engine.match import compile_codebook
from agenda.errors import AgendaError
from agenda.kwic import _lines
from agenda.rules import decisive_units


@dataclass(frozen=True)
class RuleEvidence:
    """Per rule: precision against gold and the drop-one-rule F1; the errors as kwic lines."""

    rules: pl.DataFrame  # item, kind, rule, language, units, gold_yes, precision, f1, f1_without, f1_change
    errors: pl.DataFrame  # doc_id, unit, item, error, term, left, match, right, why


def rule_precision(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    gold: pl.DataFrame | str | Path,
    key: tuple[str, ...] | list[str] = KEY,
    window: int = 5,
    unit: str | None = None,
    date_column: str | None = None,
    **read_options: str,
) -> RuleEvidence:
    """Each rule's precision among the gold units it fires in, and the item's F1 without it.

    errors: a false positive's lines are the matches that made the unit coded (term: the rule);
    a false negative's are its near misses, matches that did not count (why: excluded,
    unlicensed, below_min_hits, outside_dates), or one line with empty match when nothing matched.

    >>> evidence = agenda.rule_precision("examples/corpus", "codebook/us-russia-2021.yaml", "gold.csv")
    """
    if not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    key = tuple(key)
    if len(key) != 2:
        raise AgendaError(f"--key names gold's two columns for doc_id and unit, not {len(key)}")
    frame, name = read_sheet(gold, "gold table", key[0])
    frame = _keyed(frame, name, key, None)
    items = [i for i in codebook.item_ids if i in frame.columns]
    if not items:
        raise AgendaError(f"{name}: no column for any item of {codebook.source}")
    gold_codes = frame.select(*KEY, *[_codes(frame, name, i, gold=True).alias(i) for i in items])
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    units = units.join(gold_codes.select("doc_id").unique(), on="doc_id", how="semi", maintain_order="left")
    keys = units.select("doc_id", pl.col("unit").cast(pl.Int64)).with_row_index("_row")
    in_gold = keys.join(gold_codes, on=KEY, how="inner", maintain_order="left")
    if in_gold.height == 0:
        raise AgendaError(f"{name}: none of its units is in the corpus as the codebook splits it")
    tokens = with_tokens(units, codebook, date_column)
    compiled = compile_codebook(codebook)
    presences = {c.item.id: Presence.of(tokens, c) for c in compiled}
    events = unit_events(tokens, list(compiled), removed=True, presences=presences)
    judged, coding = judge(tokens, events, codebook)
    counting = judged.filter(pl.col("fate").is_null())
    coded = coding.filter(pl.col("coded")).select("item", "_row")
    read_by_context = {r.of for c in compiled for r in c.item.context_rules}
    rows = []
    for c in compiled:
        if c.item.id not in items:
            continue
        item_id = c.item.id
        gold_rows = in_gold.filter(pl.col(item_id))["_row"]
        sampled = in_gold["_row"]
        coded_rows = coded.filter(pl.col("item") == item_id)["_row"]
        f1 = _f1(coded_rows, gold_rows, sampled)
        for rule in c.item.rules:
            k = rule_number(c, rule)
            fired = counting.filter((pl.col("item") == item_id) & (pl.col("rule") == k))
            fired_rows = fired["_row"].unique().filter(fired["_row"].unique().is_in(sampled.implode()))
            gold_yes = int(fired_rows.is_in(gold_rows.implode()).sum())
            without = f1  # a rule firing in no gold unit changes them only through context rules that read it
            if fired_rows.len() or (fired.height and item_id in read_by_context):
                change = decisive_units(tokens, events, coding, codebook, c, rule, fired, presences[item_id])
                change = change.filter(pl.col("item") == item_id)
                after = pl.concat(
                    [coded_rows.filter(~coded_rows.is_in(change["_row"].implode())), change.filter("coded")["_row"]]
                )
                without = _f1(after, gold_rows, sampled)
            rows.append(
                (
                    item_id,
                    rule.kind,
                    rule.display,
                    rule.language,
                    fired_rows.len(),
                    gold_yes,
                    f1,
                    without,
                )
            )
    table = pl.DataFrame(
        rows,
        schema={
            "item": pl.String,
            "kind": pl.String,
            "rule": pl.String,
            "language": pl.String,
            "units": pl.UInt32,
            "gold_yes": pl.UInt32,
            "f1": pl.Float64,
            "f1_without": pl.Float64,
        },
        orient="row",
        nan_to_null=True,
    )
    table = table.with_columns(
        (pl.col("gold_yes") / pl.col("units")).alias("precision"),
        (pl.col("f1_without") - pl.col("f1")).alias("f1_change"),
    ).select("item", "kind", "rule", "language", "units", "gold_yes", "precision", "f1", "f1_without", "f1_change")
    return RuleEvidence(table, _errors(units, tokens, judged, coded, in_gold, compiled, items, codebook, window))


def _f1(coded_rows: pl.Series, gold_rows: pl.Series, sampled: pl.Series) -> float | None:
    """F1 of the coded units against the gold units, among the sampled units."""
    coded_rows = coded_rows.filter(coded_rows.is_in(sampled.implode()))
    tp = int(coded_rows.is_in(gold_rows.implode()).sum())
    fp, fn = coded_rows.len() - tp, gold_rows.len() - tp
    value = float(measures(tp, fp, fn, 0)["f1"])
    return None if np.isnan(value) else value


def _errors(units, tokens, judged, coded, in_gold, compiled, items, codebook, window) -> pl.DataFrame:
    """False positives with the matches that counted, false negatives with their near misses."""
    from agenda.audit import align
    from agenda.engine.match import TEXT

    labels = pl.DataFrame(
        [(c.item.id, k, rule_label(c, k)) for c in compiled for k in range(len(c.all_rules))],
        schema={"item": pl.String, "rule": pl.UInt32, "term": pl.String},
        orient="row",
    )
    parts = []
    for item_id in items:
        is_coded = pl.col("_row").is_in(coded.filter(pl.col("item") == item_id)["_row"].implode())
        fp = in_gold.filter(is_coded & ~pl.col(item_id)).select("_row", pl.lit("false positive").alias("error"))
        fn = in_gold.filter(~is_coded & pl.col(item_id)).select("_row", pl.lit("false negative").alias("error"))
        mine = judged.filter(pl.col("item") == item_id)
        lines = pl.concat(
            [
                mine.filter(pl.col("fate").is_null()).join(fp, on="_row"),
                mine.filter(pl.col("fate").is_not_null()).join(fn, on="_row"),
            ]
        )
        silent = fn.join(lines.select("_row").unique(), on="_row", how="anti")
        parts.append((item_id, lines, silent))
    matches = pl.concat([p[1] for p in parts]).sort("_row", "first")
    out = []
    if matches.height:
        matches = matches.join(labels, on=["item", "rule"], how="left", maintain_order="left")
        rows = matches["_row"].unique().sort()
        aligned = align(
            units["text"].gather(rows).to_list(), tokens[TEXT].gather(rows).to_list(), codebook.join_hyphens
        )
        kwic = _lines(matches, units, rows, aligned, window)
        extra = matches.select("error", pl.col("fate").alias("why"))
        out.append(pl.concat([kwic, extra], how="horizontal"))
    keys = units.select("doc_id", "unit").with_row_index("_row")
    for item_id, _, silent in parts:
        if silent.height:
            found = silent.join(keys, on="_row", how="left", maintain_order="left")
            out.append(
                found.select(
                    "doc_id",
                    "unit",
                    pl.lit(item_id).alias("item"),
                    pl.lit(None, pl.String).alias("term"),
                    *[pl.lit("").alias(c) for c in ("left", "match", "right")],
                    "error",
                    pl.lit("no rule matched").alias("why"),
                )
            )
    schema = {
        "doc_id": pl.String,
        "unit": pl.UInt32,
        "item": pl.String,
        "error": pl.String,
        "term": pl.String,
        "left": pl.String,
        "match": pl.String,
        "right": pl.String,
        "why": pl.String,
    }
    if not out:
        return pl.DataFrame(schema=schema)
    table = pl.concat(
        [o.cast({k: v for k, v in schema.items() if k in o.columns}) for o in out], how="diagonal_relaxed"
    )
    return table.select(list(schema)).sort("doc_id", "unit", "item", maintain_order=True)
