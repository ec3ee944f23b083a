"""Keyword in context: every match of a codebook's rules, with the words around it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from agenda.audit import align, counting_events, load_units, rule_label, select_items, with_tokens
from agenda.codebook import Codebook, Item, Rule
from agenda.engine.match import TEXT, compile_codebook
from agenda.errors import AgendaError

KWIC_SCHEMA = {
    "doc_id": pl.String,
    "unit": pl.UInt32,
    "item": pl.String,
    "term": pl.String,
    "left": pl.String,
    "match": pl.String,
    "right": pl.String,
}
NEW_TERM = "(new term)"


def kwic(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    item: str | None = None,
    term: str | None = None,
    window: int = 5,
    sample: int | None = None,
    seed: int = 1,
    unit: str | None = None,
    date_column: str | None = None,
    per_item: bool = False,
    **read_options: str,
) -> pl.DataFrame:
    """One row per match that counts: doc_id, unit, item, term, left, match, right.

    The rows are the match events behind the coded table's hits: a match counts when no exclude
    removes it, a context hit when a neighbouring unit licenses it, and only in units coded for
    the item (min_hits, dates), so the rows of a unit and item are exactly its hits (with weights:
    its weighted matches). A near, all or any rule's match spans the whole of it (a near pair and
    the words between). Context is `window` tokens (words and punctuation marks) each side, shown
    in the original text. `term` keeps the matches of one rule as written in the codebook (its
    display: a pattern with or without its slashes); a term that is not in the codebook is
    searched as a new term. `sample` draws that many rows at random, reproducibly by seed (that many of each
    item's with per_item=True).
    """
    if window < 0:
        raise AgendaError(f"--window must be 0 or more, not {window}")
    if sample is not None and sample < 1:
        raise AgendaError(f"--sample must be 1 or more, not {sample}")
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    items = select_items(codebook, item)
    if term is not None:
        wanted = [c for c in items if any(_is(rule, term) for rule in c.all_rules)]
        if not wanted:
            codebook = _new_term(codebook, term)
            items = list(compile_codebook(codebook))
        else:
            items = wanted
    tokens = with_tokens(units, codebook, date_column)
    matches = counting_events(tokens, codebook, items)
    if term is not None:
        chosen = [(c.item.id, k) for c in items for k, rule in enumerate(c.all_rules) if _is(rule, term)]
        pairs = pl.DataFrame(chosen, schema={"item": pl.String, "rule": pl.UInt32}, orient="row")
        matches = matches.join(pairs, on=["item", "rule"], how="semi", maintain_order="left")
    if sample is not None and per_item:
        matches = matches.filter(pl.int_range(pl.len()).shuffle(seed=seed).over("item") < sample)
    elif sample is not None and matches.height > sample:
        matches = matches.with_row_index("_order").sample(n=sample, seed=seed).sort("_order").drop("_order")
    if matches.height == 0:
        return pl.DataFrame(schema=KWIC_SCHEMA)
    labels = pl.DataFrame(
        [(c.item.id, k, rule_label(c, k)) for c in items for k in range(len(c.all_rules))],
        schema={"item": pl.String, "rule": pl.UInt32, "term": pl.String},
        orient="row",
    )
    matches = matches.join(labels, on=["item", "rule"], how="left", maintain_order="left")
    rows = matches["_row"].unique().sort()
    aligned = align(units["text"].gather(rows).to_list(), tokens[TEXT].gather(rows).to_list(), codebook.joins)
    return _lines(matches, units, rows, aligned, window)


def _lines(matches: pl.DataFrame, units: pl.DataFrame, rows: pl.Series, aligned, window: int) -> pl.DataFrame:
    """The kwic rows: each match's tokens and `window` tokens each side, cut from the units' display text."""
    sizes = [len(a.spans) for a in aligned]
    texts = dict(zip(rows.to_list(), (a.text for a in aligned)))
    shown = pl.DataFrame(
        {"_row": rows, "_n": sizes},
        schema={"_row": pl.UInt32, "_n": pl.Int64},
    ).with_columns((pl.col("_n").cum_sum() - pl.col("_n")).alias("_base"))
    starts = pl.Series([s for a in aligned for s, _ in a.spans], dtype=pl.Int64)
    ends = pl.Series([e for a in aligned for _, e in a.spans], dtype=pl.Int64)
    frame = matches.join(shown, on="_row", how="left", maintain_order="left").with_columns(
        pl.col("first", "last").cast(pl.Int64).clip(upper_bound=pl.col("_n"))
    )
    first, last, n = pl.col("first"), pl.col("last"), pl.col("_n")
    bounds = {
        "left": ((first - window).clip(lower_bound=0), first),
        "match": (first, last),
        "right": (last, (last + window).clip(upper_bound=n)),
    }
    index = frame.select(
        **{
            f"{name}_{side}": pl.col("_base") + (a if side == "a" else b - 1).clip(0, pl.max_horizontal(n - 1, 0))
            for name, (a, b) in bounds.items()
            for side in ("a", "b")
        },
        **{f"{name}_empty": a >= b for name, (a, b) in bounds.items()},
    )
    pieces = {}
    for name in bounds:
        begin = starts.gather(index[f"{name}_a"]) if len(starts) else pl.Series([0] * frame.height)
        end = ends.gather(index[f"{name}_b"]) if len(ends) else pl.Series([0] * frame.height)
        # each unit's text is held once: joined onto every match it would be copied per match
        cut = pl.Series(
            [texts[r][a:b] for r, a, b in zip(frame["_row"].to_list(), begin.to_list(), end.to_list())],
            dtype=pl.String,
        )
        pieces[name] = pl.select(
            pl.when(index[f"{name}_empty"]).then(pl.lit("")).otherwise(cut.str.replace_all(r"\s+", " "))
        ).to_series()
    keys = units.select("doc_id", "unit").with_row_index("_row")
    return (
        frame.select("_row", "item", "term")
        .with_columns(**pieces)
        .join(keys, on="_row", how="left", maintain_order="left")
        .select(list(KWIC_SCHEMA))
        .cast(KWIC_SCHEMA)
    )


def _is(rule: Rule, term: str) -> bool:
    return term in (rule.text, rule.display)


def _new_term(codebook: Codebook, term: str) -> Codebook:
    """A one-item codebook for a term the codebook does not have."""
    if not term.strip():
        raise AgendaError("--term is empty")
    item = Item(id=NEW_TERM, code=0, label=NEW_TERM, rules=(Rule("term", term.strip()),))
    return replace(codebook, items=(item,))


def format_kwic(table: pl.DataFrame, width: int = 40) -> str:
    """The lines of a kwic table aligned on the match, for a terminal."""
    if table.height == 0:
        return "no matches"
    keys = [f"{d}:{u}" for d, u in zip(table["doc_id"], table["unit"])]
    key_width = max(map(len, keys))
    item_width = max(len(i) for i in table["item"])
    lines = []
    for key, item, left, match, right in zip(keys, table["item"], table["left"], table["match"], table["right"]):
        left = left if len(left) <= width else "..." + left[-(width - 3) :]
        right = right if len(right) <= width else right[: width - 3] + "..."
        lines.append(f"{key:<{key_width}}  {item:<{item_width}}  {left:>{width}} [{match}] {right}".rstrip())
    return "\n".join(lines)
