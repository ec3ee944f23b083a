"""Explain how one unit was coded: its matches marked in the text, each item's hits, the primary item."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda.code import code_units
from agenda.codebook import Codebook
from agenda.display import render
from agenda.errors import AgendaError
from agenda.match import compile_codebook
from agenda.segment import n_words
from agenda.spans import align, find_matches, load_units, rule_label, with_tokens


@dataclass(frozen=True)
class Explanation:
    """Why a unit was coded as it was."""

    doc_id: str
    unit: int
    text: str
    marked: str  # the text with every match in [brackets] followed by its number
    matches: pl.DataFrame  # n, item, kind, rule, matched, counts, note
    items: pl.DataFrame  # item, label, hits, min_hits, coded
    primary: str | None
    reason: str

    def __str__(self) -> str:
        parts = [
            f"{self.doc_id}, unit {self.unit}",
            "",
            textwrap.fill(self.marked, width=100, break_long_words=False, break_on_hyphens=False),
            "",
            render(self.matches, str_lengths=80) if self.matches.height else "no rule of any item matches this unit",
            "",
            render(self.items, str_lengths=80),
            "",
            f"primary: {self.primary or '(none)'}: {self.reason}",
        ]
        return "\n".join(parts)


def explain(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    doc: str,
    unit: int,
    unit_type: str | None = None,
    **read_options: str,
) -> Explanation:
    """Explain the coding of unit `unit` of document `doc`: what matched, what an exclude removed, why."""
    codebook, units = load_units(corpus, codebook, unit_type, boilerplate=True, **read_options)
    if doc not in set(units["doc_id"].unique().to_list()):
        known = units["doc_id"].unique(maintain_order=True).to_list()
        listed = ", ".join(known[:5]) + (", ..." if len(known) > 5 else "")
        raise AgendaError(f"no document {doc!r} in the corpus (documents: {listed})")
    in_doc = units.filter(pl.col("doc_id") == doc)
    chosen = in_doc.filter(pl.col("unit") == unit)
    if chosen.height == 0:
        raise AgendaError(f"document {doc!r} has no unit {unit} (units {in_doc['unit'].min()}-{in_doc['unit'].max()})")
    _check_kept(chosen, codebook, doc, unit)
    items = list(compile_codebook(codebook))
    tokens = with_tokens(chosen, codebook)
    found = find_matches(tokens, [c for c in items if c.rules], removed=True)
    aligned = align(chosen["text"].to_list(), tokens["_agenda_tokens"].to_list(), codebook.join_hyphens)[0]
    by_id = {c.item.id: c for c in items}
    coded = code_units(chosen, codebook).collect().row(0, named=True)
    order = {item_id: k for k, item_id in enumerate(codebook.item_ids)}
    found = found.with_columns(pl.col("item").replace_strict(order, return_dtype=pl.UInt32).alias("_order")).sort(
        "first", "_order", "last"
    )
    rows = []
    for k, (item_id, rule, first, last, excluded_by) in enumerate(
        found.select("item", "rule", "first", "last", "excluded_by").iter_rows(), start=1
    ):
        c = by_id[item_id]
        kind = c.rules[rule][0].kind if rule is not None else "term"
        reached = coded[item_id] > 0
        if excluded_by is not None:
            note = f"removed by exclude {rule_label(c, excluded_by, exclude=True)!r}"
        elif not reached:
            note = f"below min_hits {c.item.min_hits}"
        else:
            note = ""
        rows.append(
            (k, item_id, kind, rule_label(c, rule), aligned.slice(first, last), excluded_by is None, note, first, last)
        )
    matches = pl.DataFrame(
        [r[:7] for r in rows],
        schema={
            "n": pl.UInt32,
            "item": pl.String,
            "kind": pl.String,
            "rule": pl.String,
            "matched": pl.String,
            "counts": pl.Boolean,
            "note": pl.String,
        },
        orient="row",
    )
    marked = _mark(aligned, [(r[0], r[7], r[8], r[5]) for r in rows])
    raw_hits = found.filter(pl.col("excluded_by").is_null())
    raw = {item_id: raw_hits.filter(pl.col("item") == item_id).height for item_id in codebook.item_ids}
    table = pl.DataFrame(
        {
            "item": codebook.item_ids,
            "label": [i.label for i in codebook.items],
            "matches": [raw[i] for i in codebook.item_ids],
            "min_hits": [i.min_hits for i in codebook.items],
            "hits": [coded[i] for i in codebook.item_ids],
        },
        schema={"item": pl.String, "label": pl.String, "matches": pl.UInt32, "min_hits": pl.UInt32, "hits": pl.UInt32},
    )
    primary = coded["primary"]
    return Explanation(doc, unit, chosen["text"][0], marked, matches, table, primary, _reason(coded, codebook))


def _check_kept(chosen: pl.DataFrame, codebook: Codebook, doc: str, unit: int) -> None:
    """A unit that `code` drops is an error that says why."""
    from agenda.segment import drop_regex

    text = chosen["text"][0]
    pattern = drop_regex(codebook.units["drop"])
    if pattern and chosen.select(pl.col("text").str.contains(pattern)).item():
        raise AgendaError(f"unit {unit} of {doc!r} is dropped as boilerplate by the codebook's units.drop: {text!r}")
    words = chosen.select(n_words(pl.col("text"))).item()
    if words < codebook.units["min_words"]:
        raise AgendaError(
            f"unit {unit} of {doc!r} is dropped: {words} words, fewer than units.min_words "
            f"{codebook.units['min_words']}"
        )


def _mark(aligned, spans: list[tuple[int, int, int, bool]]) -> str:
    """The text with each match bracketed: `[matched]3`, or `{matched}3` when an exclude removed it."""
    if not aligned.spans:
        return aligned.text
    events = []
    for n, first, last, counts in spans:
        if first >= last:
            continue
        start, end = aligned.spans[first][0], aligned.spans[last - 1][1]
        opening, closing = ("[", "]") if counts else ("{", "}")
        events.append((start, 1, -end, opening))
        events.append((end, 0, -start, f"{closing}{n}"))
    out, pos = [], 0
    for at, _, _, mark in sorted(events):
        out += [aligned.text[pos:at], mark]
        pos = at
    out.append(aligned.text[pos:])
    return " ".join("".join(out).split())


def _reason(coded: dict, codebook: Codebook) -> str:
    """Why the primary item is the primary item."""
    hits = [(item.id, coded[item.id]) for item in codebook.items]
    most = max(h for _, h in hits)
    if most == 0:
        return "no item reaches its min_hits"
    top = [item_id for item_id, h in hits if h == most]
    others = sorted(((h, item_id) for item_id, h in hits if 0 < h < most), reverse=True)
    if len(top) > 1:
        return f"{len(top)} items tie with {most} hits ({', '.join(top)}); the tie goes to the item listed first"
    if others:
        return f"the most hits ({most}; next {others[0][1]} with {others[0][0]})"
    return f"the only item coded ({most} hits)"
