"""The polars path's vocabulary counts (agenda.engine.vocabulary) equal the reference and the regexes they stand for.

With AGENDA_NATIVE=0 and the codebook threshold lowered to 0, every item the vocabulary can take
goes through it; the counts are compared with benchmarks/reference.py (which shares no code with
agenda) on random codebooks and texts: multi-word terms sharing tokens with single ones, globs,
exclusions, case-sensitive rules, Cyrillic, apostrophes and hyphens, split or joined. The slices
that bound the memory are made tiny, so that a slice of tokens starts inside a unit.
"""

from __future__ import annotations

import random
import sys

import polars as pl
import pytest
import yaml

import agenda
from agenda.engine import match, vocabulary
from conftest import FLAGSHIP, REPO, hits, random_words

sys.path.insert(0, str(REPO / "benchmarks"))
import big_dictionary  # noqa: E402
import make_corpus  # noqa: E402
import reference  # noqa: E402

WORDS = [
    "not", "good", "goods", "goodwill", "no", "deal", "deals", "nation's", "nation", "nations",
    "self-rule", "self", "rule", "don't", "don", "won't", "won", "x-ray", "ray", "украина", "украины",
    "не", "может", "санкции", "всё", "U.S.", "us", "NATO", "Nato", "peace", "talks",
]  # fmt: skip
TERMS = [
    "not good*", "good*", "goodwill", "no deal*", "deal", "nation*", "nation's", "nation* self*",
    "self-rule", "self", "rule*", "don't", "don't *", "won", "won't", "x-ray", "ray*", "украин*",
    "не может", "не", "санкци*", "все", "u.s.", "us", "* talks", "peace talks", "peac*", "tal*s",
]  # fmt: skip
JOINERS = [" ", " ", " ", "  ", "-", "\u2013", ", ", ". ", "\n", "'", "\u2019", " (", ") "]


@pytest.fixture
def through_vocabulary(monkeypatch):
    """The polars path, the vocabulary for any codebook, and slices small enough to cut units."""
    monkeypatch.setenv("AGENDA_NATIVE", "0")
    monkeypatch.setattr(vocabulary, "MIN_SINGLE_TERMS", 0)
    monkeypatch.setattr(vocabulary, "JOINED_TOKENS", 7)
    monkeypatch.setattr(vocabulary, "TOKENIZED_ROWS", 3)


def _term(rng: random.Random) -> str | dict:
    term = rng.choice(TERMS)
    if rng.random() < 0.1:
        return {"term": rng.choice([term.upper(), term.capitalize()]), "case_sensitive": True}
    return term


def _text(rng: random.Random) -> str:
    return random_words(rng, WORDS, JOINERS)


def _items(rng: random.Random) -> list[dict]:
    items = []
    for k in range(5):
        item = {"id": f"i{k}", "code": k + 1, "label": f"I{k}", "terms": [_term(rng) for _ in range(rng.randint(2, 9))]}
        if rng.random() < 0.3:
            item["exclude"] = [rng.choice(TERMS)]
        items.append(item)
    return items


@pytest.mark.parametrize("seed", range(12))
def test_random_codebooks_count_as_the_reference(seed, through_vocabulary):
    rng = random.Random(seed)
    data = {"codebook": "v", "version": "1", "items": _items(rng)}
    joins = rng.choice([{}, {"hyphens": "join"}, {"apostrophes": "join"}, {"hyphens": "join", "apostrophes": "join"}])
    if joins:
        data["tokens"] = joins
    codebook = agenda.parse_codebook(yaml.safe_dump(data, allow_unicode=True), source="v.yaml")
    texts = [_text(rng) for _ in range(120)] + [""]
    ref = reference.codebook_from_data(data)
    for text, got in zip(texts, hits(texts, codebook)):
        expected = reference.code_text(text, ref)
        assert got == expected, f"engine {got} != reference {expected} on {text!r} with {data}"


def test_most_random_items_go_through_the_vocabulary(through_vocabulary):
    """The test above is of the vocabulary: most of its items are taken by it, many with multi-word terms."""
    taken = multi = 0
    for seed in range(12):
        data = {"codebook": "v", "version": "1", "items": _items(random.Random(seed))}
        codebook = agenda.parse_codebook(yaml.safe_dump(data, allow_unicode=True), source="v.yaml")
        split = [terms for _, terms in vocabulary._split(codebook, 0) if terms]
        taken += len(split)
        multi += sum(bool(terms.multi) for terms in split)
    assert taken > 40 and multi > 20


def fast_by_regex(text: pl.Series, compiled: tuple[match.CompiledItem, ...]) -> pl.DataFrame:
    return text.to_frame(match.TEXT).select(c.fast_hits().alias(c.item.id) for c in compiled)


def test_counts_equal_the_regexes_on_the_big_dictionary(through_vocabulary, tmp_path):
    """On the benchmark's 10,000-entry dictionary, each item's vocabulary count equals its alternation's."""
    codebook = agenda.load_codebook(big_dictionary.write(keys=70, out=tmp_path / "big.yaml"))
    data = yaml.safe_load((tmp_path / "big.yaml").read_text("utf-8"))
    gen = make_corpus.Generator(9, [])
    gen.items = [(item["id"], [(t, False) for t in item.get("terms", [])], []) for item in data["items"]]
    texts = pl.DataFrame({"text": [gen.paragraph(ru=k % 5 == 0) for k in range(400)]})
    text = match.add_token_columns(texts.lazy(), codebook).collect()[match.TEXT]
    split = vocabulary._split(codebook, vocabulary.MIN_SINGLE_TERMS)
    items = [(c.item.id, terms) for c, terms in split if terms]
    assert len(items) == 70 and sum(bool(t.multi) for _, t in items) > 60
    got = pl.DataFrame(vocabulary.fast_counts(text, items))
    expected = fast_by_regex(text, tuple(c for c, _ in split))
    assert got.equals(expected)
    assert expected.sum().sum_horizontal().item() > 1000  # the texts do mention the dictionary


def test_a_single_term_ahead_of_a_multi_token_one_keeps_the_regex(through_vocabulary):
    # Longest first puts `natalio` (7 characters) ahead of `nat*o-x` (6, two tokens: `nat*o` and `x`),
    # which it takes the first token of in "natalio-x": the regex counts natalio and x, 2, where
    # the multi-token term first would count 1.
    item = {"id": "a", "code": 1, "label": "A", "terms": ["natalio", "nat*o-x", "x"]}
    data = {"codebook": "v", "version": "1", "items": [item]}
    codebook = agenda.parse_codebook(yaml.safe_dump(data), source="v.yaml")
    assert vocabulary._split(codebook, 0)[0][1] is None
    assert hits(["natalio-x", "nato-x"], codebook) == [{"a": 2}, {"a": 1}]
    ref = reference.codebook_from_data(data)
    assert [reference.code_text(t, ref) for t in ["natalio-x", "nato-x"]] == [{"a": 2}, {"a": 1}]


def test_a_codebook_with_few_single_token_terms_keeps_its_regexes(monkeypatch):
    monkeypatch.setenv("AGENDA_NATIVE", "0")
    split = vocabulary._split(agenda.load_codebook(FLAGSHIP), vocabulary.MIN_SINGLE_TERMS)
    assert all(terms is None for _, terms in split)
