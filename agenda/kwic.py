"""Keyword in context: every match of a codebook's rules, with the words around it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from agenda.codebook import Codebook, Item, Rule
from agenda.errors import AgendaError
from agenda.match import compile_codebook
from agenda.spans import align, find_matches, load_units, rule_label, select_items, with_tokens

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
    **read_options: str,
) -> pl.DataFrame:
    """One row per match that counts: doc_id, unit, item, term, left, match, right.

    Context is `window` tokens (words and punctuation marks) each side, shown in the original text.
    A match counts when no exclude removes it and its unit reaches the item's min_hits, so the rows
    of a unit and item are exactly its hits in the coded table. `term` keeps the matches of one rule
    as written in the codebook (a pattern with or without its slashes); a term that is not in the
    codebook is searched as a new term. `sample` draws that many rows at random, reproducibly by seed.
    """
    if window < 0:
        raise AgendaError(f"--window must be 0 or more, not {window}")
    if sample is not None and sample < 1:
        raise AgendaError(f"--sample must be 1 or more, not {sample}")
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    items = select_items(codebook, item)
    if term is not None:
        wanted = [c for c in items if any(_is(rule, term) for rule, _ in c.rules)]
        if not wanted:
            codebook = _new_term(codebook, term)
            items = list(compile_codebook(codebook))
        else:
            items = wanted
    tokens = with_tokens(units, codebook)
    matches = find_matches(tokens, items)
    if term is not None:
        chosen = [(c.item.id, k) for c in items for k, (rule, _) in enumerate(c.rules) if _is(rule, term)]
        pairs = pl.DataFrame(chosen, schema={"item": pl.String, "rule": pl.UInt32}, orient="row")
        matches = matches.join(pairs, on=["item", "rule"], how="semi")
    matches = _counting(matches, items)
    if sample is not None and matches.height > sample:
        matches = matches.with_row_index("_order").sample(n=sample, seed=seed).sort("_order").drop("_order")
    if matches.height == 0:
        return pl.DataFrame(schema=KWIC_SCHEMA)
    rows = matches["_row"].unique().sort().to_list()
    aligned = dict(
        zip(
            rows,
            align(
                units["text"].gather(rows).to_list(),
                tokens["_agenda_tokens"].gather(rows).to_list(),
                codebook.join_hyphens,
            ),
        )
    )
    by_id = {c.item.id: c for c in items}
    out = {name: [] for name in KWIC_SCHEMA}
    for row, item_id, rule, first, last in matches.select("_row", "item", "rule", "first", "last").iter_rows():
        a = aligned[row]
        values = (
            units["doc_id"][row],
            units["unit"][row],
            item_id,
            rule_label(by_id[item_id], rule),
            a.slice(max(0, first - window), first),
            a.slice(first, last),
            a.slice(last, last + window),
        )
        for name, value in zip(KWIC_SCHEMA, values):
            out[name].append(value)
    return pl.DataFrame(out, schema=KWIC_SCHEMA)


def _is(rule: Rule, term: str) -> bool:
    return term in (rule.text, rule.display)


def _counting(matches: pl.DataFrame, items) -> pl.DataFrame:
    """Matches not removed by an exclude, in units where their item reaches min_hits."""
    min_hits = pl.DataFrame({"item": [c.item.id for c in items], "_min": [c.item.min_hits for c in items]})
    return (
        matches.filter(pl.col("excluded_by").is_null())
        .join(min_hits, on="item", how="left")
        .filter(pl.len().over("_row", "item") >= pl.col("_min"))
        .sort("_row", "first", "item")
        .drop("_min")
    )


def _new_term(codebook: Codebook, term: str) -> Codebook:
    """A one-item codebook for a term the codebook does not have."""
    if not term.strip():
        raise AgendaError("--term is empty")
    item = Item(id=NEW_TERM, code=0, label=NEW_TERM, rules=(Rule("term", term.strip()),))
    return Codebook(id=codebook.id, version=codebook.version, title=codebook.title, items=(item,), units=codebook.units)


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
