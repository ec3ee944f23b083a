"""What each rule of a codebook does on a corpus: where it fires and what removing it would change."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from agenda.audit import (
    UNLICENSED,
    Presence,
    judge,
    licensing_items,
    load_units,
    no_units_error,
    rule_number,
    unit_events,
    with_tokens,
)
from agenda.codebook import Codebook, Rule
from agenda.engine.events import item_events
from agenda.engine.match import DATE, CompiledItem, compile_codebook

RULES_SCHEMA = {
    "item": pl.String,
    "kind": pl.String,
    "rule": pl.String,
    "language": pl.String,
    "units": pl.UInt32,
    "hits": pl.UInt32,
    "decisive": pl.UInt32,
    "never_fires": pl.Boolean,
}


def rules(
    corpus: pl.DataFrame | pl.LazyFrame | str | Path | list[str | Path],
    codebook: Codebook | str | Path,
    unit: str | None = None,
    date_column: str | None = None,
    decisive: bool = True,
    **read_options: str,
) -> pl.DataFrame:
    """One row per rule (term, pattern, near, all, any, context) and exclude of every item, in codebook order.

    units: units where the rule fires (it made at least one of the item's hits before min_hits:
    a match that no exclude removed, chosen by longest-first matching; for a context rule, one a
    neighbouring unit licensed; an exclude: it matched). hits: those matches. decisive: units
    whose coding changes (for the item, or through context rules for another) when the rule
    alone is removed and the unit recoded (null with decisive=False, which saves recoding once
    per rule). never_fires flags a rule with no hit in the corpus.
    """
    codebook, units = load_units(corpus, codebook, unit, **read_options)
    if units.height == 0:
        raise no_units_error()
    tokens = with_tokens(units, codebook, date_column)
    compiled = compile_codebook(codebook)
    presences = {c.item.id: Presence.of(tokens, c) for c in compiled}
    events = unit_events(tokens, list(compiled), presences=presences)
    judged, coding = judge(tokens, events, codebook)
    fired = judged.filter(pl.col("excluded_by").is_null() & (pl.col("fate").fill_null("") != UNLICENSED))
    counts = {
        (item, rule): (n_units, n_hits)
        for item, rule, n_units, n_hits in fired.group_by("item", "rule")
        .agg(pl.col("_row").n_unique(), pl.len())
        .iter_rows()
    }
    rows = []
    for c in compiled:
        presence = presences[c.item.id]
        for rule in c.item.rules:
            k = rule_number(c, rule)
            n_units, n_hits = counts.get((c.item.id, k), (0, 0))
            changed = (
                decisive_units(tokens, events, coding, codebook, c, rule, fired, presence)["_row"].n_unique()
                if n_hits and decisive
                else 0
            )
            rows.append((c.item.id, rule.kind, rule.display, rule.language, n_units, n_hits, changed))
        for k, rule in enumerate(c.all_excludes):
            found = _exclude_matches(tokens, c, k)
            n_units, n_hits = found["_row"].n_unique(), found.height
            changed = (
                decisive_units(tokens, events, coding, codebook, c, rule, found, presence)["_row"].n_unique()
                if n_hits and decisive
                else 0
            )
            rows.append((c.item.id, "exclude", rule.display, rule.language, n_units, n_hits, changed))
    table = pl.DataFrame(rows, schema=list(RULES_SCHEMA.items())[:-1], orient="row")
    if not decisive:
        table = table.with_columns(pl.lit(None, pl.UInt32).alias("decisive"))
    return table.with_columns((pl.col("hits") == 0).alias("never_fires"))


def _exclude_matches(tokens: pl.DataFrame, compiled: CompiledItem, k: int) -> pl.DataFrame:
    """The match events of the item's k-th exclude on its own, as if it were the item's only rule.

    Only the units whose token string holds a match of it (of each of its groups) are matched.
    """
    plain = len(compiled.exclude)
    alone = replace(
        compiled,
        rules=compiled.exclude[k : k + 1] if k < plain else (),
        combined=() if k < plain else compiled.near_excludes[k - plain : k - plain + 1],
        exclude=(),
        near_excludes=(),
    )
    cs = compiled.case_sensitive
    if k < plain:
        rule, regex = compiled.exclude[k]
        regexes = [regex if cs else dict(compiled.folded)[rule]]
    else:
        regexes = list(alone.combined[0].groups(cs))
    holds = pl.all_horizontal(pl.col(compiled.column).str.contains(r) for r in regexes)
    rows = tokens.select(holds.alias("_holds"))["_holds"].arg_true().cast(pl.UInt32)
    found = item_events(tokens[rows], alone)
    return found.with_columns(rows.gather(found["_row"]).alias("_row"))


def _without(compiled: CompiledItem, rule: Rule) -> CompiledItem:
    """The item compiled without one of its rules or excludes (the rule itself, not an equal one).

    The regexes of the other rules stay as they are: each is compiled on its own.
    """
    item = compiled.item
    item = replace(
        item,
        rules=tuple(r for r in item.rules if r is not rule),
        exclude=tuple(r for r in item.exclude if r is not rule),
    )
    return replace(
        compiled,
        item=item,
        rules=tuple(p for p in compiled.rules if p[0] is not rule),
        exclude=tuple(p for p in compiled.exclude if p[0] is not rule),
        combined=tuple(c for c in compiled.combined if c.rule is not rule),
        near_excludes=tuple(c for c in compiled.near_excludes if c.rule is not rule),
    )


def decisive_units(
    tokens: pl.DataFrame,
    events: pl.DataFrame,
    coding: pl.DataFrame,
    codebook: Codebook,
    compiled: CompiledItem,
    rule: Rule,
    fired: pl.DataFrame,
    presence: Presence,
) -> pl.DataFrame:
    """The (item, _row, coded) pairs whose coding changes when the rule alone is removed: coded
    False where the unit is lost for the item, True where it is gained.

    Removing a rule changes the item's events only in units where the rule fired (elsewhere
    longest-first matching picks the same matches), so only those are recoded, with the item
    compiled without the rule. Where another item's context rules (or the item's own) read the
    item's coding, the change is followed to the units they license. presence is the item's
    `Presence` in tokens: the recount runs only the rules that match in those units.
    """
    item_id = compiled.item.id
    if any(r is rule for r in compiled.item.rules):
        fired = fired.filter((pl.col("item") == item_id) & (pl.col("rule") == rule_number(compiled, rule)))
    rows = fired["_row"].unique().sort()
    changed = _without(compiled, rule)
    if rule.kind in ("term", "pattern") or not any(r is rule for r in compiled.item.rules):
        # the other terms and patterns, or what the exclude cut, may match anew
        dates = tokens[DATE].gather(rows) if DATE in tokens.columns and compiled.item.dated else None
        local = item_events(tokens[rows], changed, dates=dates, present=presence.present(rows))
        renamed = local.with_columns(rows.gather(local["_row"]).alias("_row"))
    else:  # each rule of the rule language matches on its own: the others' events stay
        renamed = events.filter((pl.col("item") == item_id) & pl.col("_row").is_in(rows.implode()))
        renamed = renamed.filter(pl.col("rule") != rule_number(compiled, rule))
        renamed = renamed.with_columns(pl.col("rule") - (pl.col("rule") > rule_number(compiled, rule)).cast(pl.UInt32))
    new_index = {id(r): k for k, r in enumerate(changed.all_rules)}
    renumber = [new_index.get(id(r)) for r in compiled.all_rules]
    mine = pl.col("item") == item_id
    kept = events.filter(~(mine & pl.col("_row").is_in(rows.implode())))
    kept = kept.with_columns(
        pl.when(mine)
        .then(pl.col("rule").replace_strict(list(range(len(renumber))), renumber, default=None, return_dtype=pl.UInt32))
        .otherwise("rule")
    ).drop_nulls("rule")
    readers = [c for c in compile_codebook(codebook) if any(r.of == item_id for r in c.item.context_rules)]
    involved = licensing_items(codebook, [compiled, *readers])
    ids = [c.item.id for c in involved]
    new_events = pl.concat([kept.filter(pl.col("item").is_in(ids)), renamed.select(kept.columns)])
    alone = not readers and not compiled.item.context_rules
    if alone:  # no context rule reads this item's coding, nor does it read another's: only these units change
        new_events = new_events.filter(pl.col("_row").is_in(rows.implode()))
    _, new_coding = judge(tokens, new_events, codebook, {item_id: changed})
    before = coding.filter(pl.col("item").is_in(ids) & pl.col("coded")).select("item", "_row")
    after = new_coding.filter(pl.col("coded")).select("item", "_row")
    if alone:
        before = before.filter(pl.col("_row").is_in(rows.implode()))
    lost = before.join(after, on=["item", "_row"], how="anti").with_columns(pl.lit(False).alias("coded"))
    gained = after.join(before, on=["item", "_row"], how="anti").with_columns(pl.lit(True).alias("coded"))
    return pl.concat([lost, gained])
