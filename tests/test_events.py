"""The coded table and the audit verbs are views of the same match events.

On random documents and random small codebooks (terms with `*`, phrases, excludes, case-sensitive
terms, near, all, any and context rules, min_hits), on both engine paths: the wide table's hits
are the kwic lines of each unit and item, the long table's terms are those lines' matched terms,
and explain marks as counting exactly the kwic lines of its unit.
"""

from __future__ import annotations

import random

import polars as pl
import pytest

import agenda
from agenda.audit import counting_events, load_units, select_items, with_tokens
from agenda.explain import explain
from agenda.kwic import kwic
from agenda.rules import rules
from conftest import make_codebook

WORDS = ["iran", "oil", "nato", "border", "missiles", "ukraine", "talks", "start", "the", "new"]


def _term(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    kind = rng.random()
    if kind < 0.25:
        return word[: rng.randint(2, 4)] + "*"
    if kind < 0.45:
        return f"{word} {rng.choice(WORDS)}"
    return word


def _group(rng: random.Random) -> str:
    return "[" + ", ".join(f"'{_term(rng)}'" for _ in range(rng.randint(1, 2))) + "]"


def _codebook(rng: random.Random) -> agenda.Codebook:
    ids = [f"i{k}" for k in range(rng.randint(2, 3))]
    items = []
    for k, item_id in enumerate(ids):
        terms = [f"'{_term(rng)}'" for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.4:
            terms.append(f"{{term: '{rng.choice(WORDS).upper()}', case_sensitive: true}}")
        extra = []
        if rng.random() < 0.5:
            scope = rng.choice(["sentence", "unit"])
            extra.append(
                f"{{near: [{_group(rng)}, {_group(rng)}], within: {rng.randint(0, 3)}, "
                f"ordered: {str(rng.random() < 0.5).lower()}, scope: {scope}}}"
            )
        if rng.random() < 0.4:
            extra.append(f"{{all: [{_group(rng)}, {_group(rng)}], scope: {rng.choice(['sentence', 'unit'])}}}")
        if rng.random() < 0.4:
            extra.append(f"{{any: {_group(rng)}}}")
        if rng.random() < 0.5:
            window = rng.choice(["1", "document"])
            extra.append(f"{{context: {_group(rng)}, window: {window}, of: {rng.choice(ids)}}}")
        lines = [f"- id: {item_id}", f"  code: {k + 1}", f"  label: Item {k}", f"  terms: [{', '.join(terms)}]"]
        if extra:
            lines.append(f"  rules: [{', '.join(extra)}]")
        excludes = [f"'{_term(rng)}'"] if rng.random() < 0.5 else []
        if rng.random() < 0.3:
            excludes.append("{near: [[" + rng.choice(WORDS) + "], [" + rng.choice(WORDS) + "]], within: 1}")
        if excludes:
            lines.append(f"  exclude: [{', '.join(excludes)}]")
        if rng.random() < 0.3:
            lines.append("  min_hits: 2")
        items.append("\n".join(lines))
    return make_codebook("\n".join(items))


def _corpus(rng: random.Random) -> pl.DataFrame:
    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 7))]
        words = [w.upper() if rng.random() < 0.1 else w.capitalize() if rng.random() < 0.1 else w for w in words]
        return " ".join(words) + rng.choice([".", ",", "."])

    docs = [
        "\n\n".join(" ".join(sentence() for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 4)))
        for _ in range(3)
    ]
    return pl.DataFrame({"doc_id": [f"d{k}" for k in range(len(docs))], "text": docs})


@pytest.mark.parametrize("seed", range(6))
def test_counts_long_terms_kwic_and_explain_are_the_same_matches(engine, seed):
    rng = random.Random(seed)
    codebook, corpus = _codebook(rng), _corpus(rng)
    ids = codebook.item_ids
    wide = agenda.code(corpus, codebook)
    lines = kwic(corpus, codebook)
    per_line = {(d, u, i): n for d, u, i, n in lines.group_by("doc_id", "unit", "item").len().iter_rows()}
    hits = {
        (d, u, i): h
        for row in wide.iter_rows(named=True)
        for i in ids
        for d, u, h in [(row["doc_id"], row["unit"], row[i])]
        if h
    }
    assert per_line == hits, seed

    _, units = load_units(corpus, codebook)
    events = counting_events(with_tokens(units, codebook), codebook, select_items(codebook, None))
    keys = units.select("doc_id", "unit").with_row_index("_row")
    matched = events.join(keys, on="_row").group_by("doc_id", "unit", "item").agg(pl.col("matched").unique().sort())
    terms = {(d, u, i): "; ".join(m) for d, u, i, m in matched.iter_rows()}
    long = agenda.code(corpus, codebook, long=True)
    assert {
        (d, u, i): (h, t) for d, u, i, h, t in long.select("doc_id", "unit", "item", "hits", "terms").iter_rows()
    } == {k: (h, terms[k]) for k, h in hits.items()}

    for doc_id, unit in rng.sample(units.select("doc_id", "unit").rows(), 3):
        e = explain(corpus, codebook, doc_id, unit)
        counted = e.matches.filter("counts").select("item", "rule", "matched").sort("item", "rule", "matched").rows()
        shown = lines.filter((pl.col("doc_id") == doc_id) & (pl.col("unit") == unit))
        assert counted == shown.select("item", "term", "match").sort("item", "term", "match").rows(), seed
        assert dict(e.items.select("item", "hits").iter_rows()) == {i: hits.get((doc_id, unit, i), 0) for i in ids}


@pytest.mark.parametrize("seed", range(3))
def test_rules_hits_are_the_counting_events_of_each_rule(engine, seed):
    # Each rule's hits are its events that no exclude removed (and, a context rule's, that a unit
    # licensed), before min_hits: at least its kwic lines, and exactly them where min_hits is 1.
    rng = random.Random(100 + seed)
    codebook, corpus = _codebook(rng), _corpus(rng)
    table = rules(corpus, codebook)
    lines = kwic(corpus, codebook)
    per_rule = dict(((i, t), n) for i, t, n in lines.group_by("item", "term").len().iter_rows())
    twice = table.filter(pl.struct("item", "rule").is_duplicated())  # a rule written twice: kwic names both alike
    for item_id, kind, rule, n_hits in (
        table.join(twice, on=["item", "rule"], how="anti").select("item", "kind", "rule", "hits").iter_rows()
    ):
        if kind == "exclude":
            continue
        shown = per_rule.get((item_id, rule), 0)
        if codebook.item(item_id).min_hits == 1:
            assert n_hits == shown, (item_id, rule)
        else:
            assert n_hits >= shown, (item_id, rule)


LINEAR = make_codebook("""
    - id: ukraine
      code: 1
      label: Ukraine
      terms: [ukrain*, kyiv]
      rules: [{near: [[ukrain*], [russia*]], within: 3}, {context: [the side], window: 1}]
      exclude: [ukraine war]
    - id: russia
      code: 2
      label: Russia
      terms: [russia*]
      min_hits: 2
""")


def _work(monkeypatch, verb, repeats: int) -> tuple[int, int, int]:
    """Calls to the regex pass of the match events, the matches they return, and the verb's rows, on one paragraph."""
    from agenda.engine import events

    calls, found = [], []
    real = events.regex_matches

    def counted(text, regex):
        out = real(text, regex)
        calls.append(regex)
        found.append(out.height)
        return out

    monkeypatch.setattr(events, "regex_matches", counted)
    text = "Ukraine and the Russian side met in Kyiv, not the ukraine war. " * repeats
    corpus = pl.DataFrame({"doc_id": ["d"], "text": [text]})
    rows = verb(corpus)
    return len(calls), sum(found), rows


@pytest.mark.parametrize(
    "verb",
    [
        lambda corpus: kwic(corpus, LINEAR).height,
        lambda corpus: explain(corpus, LINEAR, "d", 1).matches.height,
        lambda corpus: int(rules(corpus, LINEAR)["hits"].sum()),
    ],
    ids=["kwic", "explain", "rules"],
)
def test_audit_work_is_linear_in_the_matches(engine, monkeypatch, verb):
    # Issue 21: kwic took 28 s on one 500 KB paragraph, rules over 900 s on 5.7 MB. The number of
    # regex passes does not grow with the matches, and the matches they return grow as the text.
    small = _work(monkeypatch, verb, 200)
    large = _work(monkeypatch, verb, 2000)
    assert small[0] == large[0] > 0  # the same passes
    assert large[1] == 10 * small[1]  # each returns the matches of the text, no more
    # Per sentence: Ukraine, Russian, Kyiv, the side (the near pair adds a line, the excluded ukraine none)
    assert large[2] == 10 * small[2] and small[2] >= 200 * 4
