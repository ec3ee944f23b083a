"""Explain how one unit was coded: its matches marked in the text, each item's hits, the primary item."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from agenda.audit import (
    BELOW_MIN_HITS,
    EXCLUDED,
    OUTSIDE_DATES,
    UNLICENSED,
    align,
    judge,
    read_units,
    rule_label,
    split_units,
    unit_events,
    with_tokens,
)
from agenda.code import code_units
from agenda.codebook import Codebook
from agenda.display import render
from agenda.engine.match import TEXT, CompiledItem, compile_codebook
from agenda.engine.segment import n_words
from agenda.errors import AgendaError

OUTSIDE_RULE_DATES = "outside_rule_dates"  # the rule's own date bounds do not admit the unit's date


@dataclass(frozen=True)
class Explanation:
    """Why a unit was coded as it was."""

    doc_id: str
    unit: int
    text: str
    marked: str  # the text with every match in [brackets] followed by its number
    matches: pl.DataFrame  # n, item, kind, rule, matched, counts, note
    items: pl.DataFrame  # item, label, matches, min_hits, hits
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
    date_column: str | None = None,
    **read_options: str,
) -> Explanation:
    """Explain the coding of unit `unit` of document `doc`: every match event, whether it counts, and why.

    Each event says which rule fired (as written, see Rule.display) and its kind; one that does
    not count says why: the exclude that removed it, no neighbouring unit coded for the item a
    context rule reads (a context hit that counts names the unit that licensed it), the rule's or
    the item's dates, or min_hits. The unit is coded in its document, as `code` codes it.
    """
    codebook, frame = read_units(corpus, codebook, **read_options)
    known = frame.select(pl.col("doc_id").unique(maintain_order=True)).collect()["doc_id"]
    if doc not in set(known.to_list()):
        listed = ", ".join(known[:5].to_list()) + (", ..." if len(known) > 5 else "")
        raise AgendaError(f"no document {doc!r} in the corpus (documents: {listed})")
    frame = frame.filter(pl.col("doc_id") == doc)
    in_doc = split_units(frame, codebook, unit_type, boilerplate=True)
    chosen = in_doc.filter(pl.col("unit") == unit)
    if chosen.height == 0:
        raise AgendaError(f"document {doc!r} has no unit {unit} (units {in_doc['unit'].min()}-{in_doc['unit'].max()})")
    _check_kept(chosen, codebook, doc, unit)
    units = split_units(frame, codebook, unit_type)
    row = units["unit"].to_list().index(unit)
    items = [c for c in compile_codebook(codebook) if c.all_rules]
    tokens = with_tokens(units, codebook, date_column)
    judged, _ = judge(tokens, unit_events(tokens, items, removed=True), codebook)
    found = judged.filter(pl.col("_row") == row)
    if any(c.item.dated for c in items):  # the events a rule's dates leave out, shown with a note
        every = unit_events(tokens.slice(row, 1), items, removed=True, dated=False)
        keys = ["item", "rule", "first", "last", "excluded_by"]
        outside = every.join(found, on=keys, how="anti", nulls_equal=True)
        found = pl.concat(
            [found, outside.with_columns(pl.lit(OUTSIDE_RULE_DATES).alias("fate"))], how="diagonal_relaxed"
        )
    aligned = align(chosen["text"].to_list(), tokens[TEXT].gather([row]).to_list(), codebook.joins)[0]
    by_id = {c.item.id: c for c in items}
    coded = code_units(units, codebook, date_column=date_column).collect().row(row, named=True)
    order = {item_id: k for k, item_id in enumerate(codebook.item_ids)}
    found = found.with_columns(pl.col("item").replace_strict(order, return_dtype=pl.UInt32).alias("_order")).sort(
        "first", "_order", "last", "rule"
    )
    number = dict(zip(units["unit"].to_list(), range(units.height)))
    rows = []
    for k, event in enumerate(found.iter_rows(named=True), start=1):
        c = by_id[event["item"]]
        rule = c.all_rules[event["rule"]]
        note = _note(c, event, number)
        counts = event["fate"] is None
        matched = aligned.slice(event["first"], event["last"])
        rows.append((k, c.item.id, rule.kind, rule.display, matched, counts, note, event["first"], event["last"]))
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
    before = found.filter(pl.col("fate").is_null() | (pl.col("fate") == BELOW_MIN_HITS))
    raw = dict(before.group_by("item").len().iter_rows())
    integral = all(c.integral for c in compile_codebook(codebook))
    table = pl.DataFrame(
        {
            "item": codebook.item_ids,
            "label": [i.label for i in codebook.items],
            "matches": [raw.get(i, 0) for i in codebook.item_ids],
            "min_hits": [i.min_hits for i in codebook.items],
            "hits": [coded[i] for i in codebook.item_ids],
        },
        schema={
            "item": pl.String,
            "label": pl.String,
            "matches": pl.UInt32,
            "min_hits": pl.UInt32,
            "hits": pl.UInt32 if integral else pl.Float64,
        },
    )
    primary = coded["primary"]
    return Explanation(doc, unit, chosen["text"][0], marked, matches, table, primary, _reason(coded, codebook))


def _note(compiled: CompiledItem, event: dict, number: dict[int, int]) -> str:
    """Why an event counts or not, in words."""
    item = compiled.item
    rule = compiled.all_rules[event["rule"]]
    fate = event["fate"]
    notes = []
    if fate == EXCLUDED:
        return f"removed by exclude {rule_label(compiled, event['excluded_by'], exclude=True)!r}"
    if fate == OUTSIDE_RULE_DATES:
        return f"outside the rule's dates ({_dates(rule)})"
    if rule.kind == "context":
        where = "in its document" if rule.window is None else f"within {rule.window} units"
        if fate == UNLICENSED:
            return f"context: no unit {where} is coded for {rule.of}"
        by = event["licensed_by"]
        here = " (this unit)" if number.get(by) == event["_row"] else ""
        notes.append(f"context: licensed by unit {by}{here}, coded for {rule.of}")
    if fate == OUTSIDE_DATES:
        notes.append(f"outside the item's dates ({_dates(item)})")
    elif fate == BELOW_MIN_HITS:
        notes.append(f"below min_hits {item.min_hits}")
    return "; ".join(notes)


def _dates(bounded) -> str:
    """An item's or rule's date bounds, in words."""
    parts = [f"from {bounded.since}"] if bounded.since else []
    return " ".join(parts + ([f"until {bounded.until}"] if bounded.until else []))


def _check_kept(chosen: pl.DataFrame, codebook: Codebook, doc: str, unit: int) -> None:
    """A unit that `code` drops is an error that says why."""
    from agenda.engine.segment import drop_regex

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
    """The text with each match bracketed: `[matched]3` when it counts, `{matched}3` when not (see the note)."""
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
