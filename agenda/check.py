"""Lint a codebook and run its examples: the unit tests a codebook carries for itself."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from agenda.code import code_units
from agenda.codebook import Codebook, Joins
from agenda.engine.match import compile_codebook
from agenda.engine.normalize import add_tokens


@dataclass(frozen=True)
class ExampleResult:
    """One codebook example and whether the rules code it as its author said."""

    item: str
    text: str
    expected: bool
    hits: int

    @property
    def ok(self) -> bool:
        return (self.hits > 0) == self.expected


def lint(codebook: Codebook) -> list[str]:
    """Warnings about rules that cannot be right: duplicates, covered terms, empty items."""
    warnings = []
    parents = {item.parent for item in codebook.items if item.parent}
    for compiled in compile_codebook(codebook):
        item = compiled.item
        if not item.rules and item.id not in parents:
            warnings.append(f"item {item.id!r}: has no terms or patterns and no child items")
        seen: dict[str, str] = {}
        terms = [(rule, regex) for rule, regex in compiled.rules if rule.kind == "term"]
        for rule, regex in terms:
            if regex in seen:
                warnings.append(f"item {item.id!r}: term {rule.text!r} duplicates {seen[regex]!r}")
            seen.setdefault(regex, rule.text)
        unique = list({regex: (rule, regex) for rule, regex in reversed(terms)}.values())[::-1]
        covered = _covered_terms(unique, compiled.case_sensitive, codebook.joins)
        warnings += [f"item {item.id!r}: term {b!r} is already covered by {a!r}" for a, b in covered]
    return warnings


def _covered_terms(terms, case_kept: bool, joins: Joins) -> list[tuple[str, str]]:
    """Pairs (a, b) where every match of term b is also a match of term a."""
    if len(terms) < 2:
        return []
    # A term without `*` is covered when another term's regex matches its own token string.
    plain = [(rule, regex) for rule, regex in terms if "*" not in rule.text]
    if not plain:
        return []
    texts = pl.LazyFrame({"t": [rule.text for rule, _ in plain]})
    frame = add_tokens(texts, "t", "tok", case_kept, joins).collect()
    pairs = []
    for rule_a, regex_a in terms:
        if "*" not in rule_a.text:
            continue
        full = frame.select(pl.col("tok").str.contains(f"^(?:{regex_a})$"))["tok"].to_list()
        pairs += [(rule_a.text, rule_b.text) for (rule_b, _), hit in zip(plain, full) if hit]
    return pairs


def run_examples(codebook: Codebook) -> list[ExampleResult]:
    """Code every example of every item: each single example as a unit of its own, and each example
    document (its paragraphs in order, with its date if given) as one document, where the item must be
    coded in exactly the paragraphs its `coded` list names."""
    rows = [
        (item.id, f"example{i}", 1, text, expected, None)
        for i, (item, text, expected) in enumerate(
            (item, text, expected)
            for item in codebook.items
            for expected, texts in ((True, item.examples_match), (False, item.examples_no_match))
            for text in texts
        )
    ]
    rows += [
        (item.id, f"document{k}.{item.id}", u, text, u in coded, day)
        for item in codebook.items
        for k, (paragraphs, coded, day) in enumerate(item.examples_documents)
        for u, text in enumerate(paragraphs, start=1)
    ]
    if not rows:
        return []
    units = pl.DataFrame(
        {
            "doc_id": [r[1] for r in rows],
            "unit": [r[2] for r in rows],
            "date": [r[5] for r in rows],
            "text": [r[3] for r in rows],
        },
        schema={"doc_id": pl.String, "unit": pl.UInt32, "date": pl.String, "text": pl.String},
    )
    coded = code_units(units, codebook, date_column="date").collect()
    return [
        ExampleResult(
            item_id,
            text if doc.startswith("example") else f"[{doc}, paragraph {u}] {text}",
            expected,
            int(coded[item_id][i]),
        )
        for i, (item_id, doc, u, text, expected, _) in enumerate(rows)
    ]


def summary(codebook: Codebook) -> pl.DataFrame:
    """One row per item: its code, label and how many rules and examples it has."""
    return pl.DataFrame(
        {
            "id": [i.id for i in codebook.items],
            "code": [i.code for i in codebook.items],
            "label": [i.label for i in codebook.items],
            "terms": [sum(r.kind == "term" for r in i.rules) for i in codebook.items],
            "patterns": [sum(r.kind == "pattern" for r in i.rules) for i in codebook.items],
            "rules": [sum(r.combined for r in i.rules) for i in codebook.items],
            "exclude": [len(i.exclude) for i in codebook.items],
            "min_hits": [i.min_hits for i in codebook.items],
            "examples": [
                len(i.examples_match) + len(i.examples_no_match) + sum(len(d[0]) for d in i.examples_documents)
                for i in codebook.items
            ],
        }
    )
