"""The rule language: agenda.code and the plain-Python reference (benchmarks/reference.py) agree.

Random corpora (documents of several paragraphs and sentences, a date column with missing and
unreadable dates) and random codebooks that use every rule kind: terms and patterns with weights
and date bounds, near (within, ordered, scope), all, any, context (window, `document`, `of`
another item), near exclusions, pattern exclusions that cut whole words, item date bounds and
min_hits. Both engine paths: the native passes and polars alone (AGENDA_NATIVE=0). The reference
imports nothing from agenda, so equal tables are evidence that both follow the README.

More seeds for a longer hunt: AGENDA_FUZZ_SEEDS=300 pytest tests/test_rule_language_reference.py
"""

from __future__ import annotations

import os
import random
import sys

import polars as pl
import pytest
import yaml

import agenda
from conftest import REPO, random_words

sys.path.insert(0, str(REPO / "benchmarks"))
import reference  # noqa: E402

FUZZ_SEEDS = int(os.environ.get("AGENDA_FUZZ_SEEDS", "12"))
WORDS = [
    "iran",
    "iranian",
    "oil",
    "missile",
    "missiles",
    "ukraine",
    "kyiv",
    "nato",
    "border",
    "drills",
    "talks",
    "those",
    "this",
    "incident",
    "the",
    "a",
    "of",
    "U.S.",
    "3.5",
    "x",
    "strike",
    "systems",
]
JOINERS = [" ", " ", " ", " ", ", ", ". ", ". ", "! ", "? ", "-", " — ", "\n", "; "]
DATES = ["2021-06-01", "2022-02-23", "2022-02-24", "2022-12-31", "2023-05-05T10:00:00", None, "n.d."]
BOUNDS = ["2022-02-24", "2022-06-01", "2021-12-31"]
PATTERNS = [r"iran\w*", r"missiles?", r"kyi[vw]", r"ukr", r"nato|oil", r"the ukraine", r"\d+", r"[a-z]+ders?"]


def paragraph(rng: random.Random) -> str:
    return random_words(rng, WORDS, JOINERS) + rng.choice(["", ".", "!", "?"])


def group(rng: random.Random) -> list:
    out = []
    for _ in range(rng.randint(1, 3)):
        word = rng.choice(WORDS).lower()
        if rng.random() < 0.25 and len(word) > 3:
            word = word[: rng.randint(2, len(word) - 1)] + "*"
        if rng.random() < 0.2:
            word += " " + rng.choice(WORDS).lower()
        out.append({"term": word.upper(), "case_sensitive": True} if rng.random() < 0.05 else word)
    return out


def bounds(rng: random.Random, p: float) -> dict:
    if rng.random() >= p:
        return {}
    return rng.choice(
        [{"from": rng.choice(BOUNDS)}, {"until": rng.choice(BOUNDS)}, {"from": "2021-01-01", "until": "2022-03-01"}]
    )


def weight(rng: random.Random) -> dict:
    return {"weight": rng.choice([2, 0.5, 1.5])} if rng.random() < 0.2 else {}


def rule(rng: random.Random, ids: list[str]) -> dict:
    kind = rng.choice(["near", "near", "all", "any", "context", "context", "term", "pattern"])
    if kind == "near":
        out = {"near": [group(rng), group(rng)], "within": rng.randint(0, 4)}
        if rng.random() < 0.4:
            out["ordered"] = True
        if rng.random() < 0.4:
            out["scope"] = rng.choice(["sentence", "unit"])
    elif kind == "all":
        out = {"all": [group(rng) for _ in range(rng.randint(2, 3))]}
        if rng.random() < 0.5:
            out["scope"] = rng.choice(["sentence", "unit"])
    elif kind == "any":
        out = {"any": group(rng)}
        if rng.random() < 0.5:
            out["scope"] = rng.choice(["sentence", "unit"])
    elif kind == "context":
        out = {"context": group(rng)}
        if rng.random() < 0.7:
            out["window"] = rng.choice([1, 1, 2, "document"])
        if rng.random() < 0.5:
            out["of"] = rng.choice(ids)
    elif kind == "term":
        out = {"term": group(rng)[0]}
        out = out["term"] if isinstance(out["term"], dict) else out
    else:
        out = {"pattern": rng.choice(PATTERNS)}
    return {**out, **weight(rng), **bounds(rng, 0.15)}


def exclusion(rng: random.Random):
    kind = rng.choice(["term", "pattern", "near"])
    if kind == "term":
        return group(rng)[0]
    if kind == "pattern":
        return {"pattern": rng.choice([r"ir", r"oil\w*", r"stri", r"ukraine kyiv", r"\d"])}
    out = {"near": [group(rng), group(rng)], "within": rng.randint(0, 3)}
    if rng.random() < 0.3:
        out["ordered"] = True
    if rng.random() < 0.3:
        out["scope"] = "unit"
    return out


def codebook_data(rng: random.Random) -> dict:
    ids = [f"i{k}" for k in range(rng.randint(2, 4))]
    items = []
    for n, item_id in enumerate(ids):
        item = {"id": item_id, "code": n + 1, "label": item_id.upper()}
        if rng.random() < 0.7:
            item["terms"] = [
                {"term": t, **weight(rng), **bounds(rng, 0.1)} if rng.random() < 0.3 else t
                for t in group(rng)
                if isinstance(t, str)
            ] or ["iran"]
        if rng.random() < 0.15:
            item["patterns"] = [rng.choice(PATTERNS)]
        item["rules"] = [rule(rng, ids) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.5:
            item["exclude"] = [exclusion(rng) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.25:
            item["min_hits"] = 2
        item.update(bounds(rng, 0.1))
        _one_bounded_term(item)
        items.append(item)
    return {"codebook": "fuzz", "version": "1", "items": items}


def _one_bounded_term(item: dict) -> None:
    """Date bounds on a term only where it is the item's only term or pattern.

    Whether a term outside its dates still takes its match from a shorter term of the same item
    is not settled (see test_rule_language.py); the random codebooks leave it out.
    """
    scan = (
        item.get("terms", []) + item.get("patterns", []) + [r for r in item["rules"] if "term" in r or "pattern" in r]
    )
    if len(scan) > 1:
        for entry in scan:
            if isinstance(entry, dict):
                entry.pop("from", None)
                entry.pop("until", None)


def corpus(rng: random.Random) -> pl.DataFrame:
    docs = ["\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(3, 7))]
    return pl.DataFrame(
        {
            "doc_id": [f"d{k}" for k in range(len(docs))],
            "date": [rng.choice(DATES) for _ in docs],
            "text": docs,
        }
    )


def compare(data: dict, docs: pl.DataFrame) -> None:
    """The wide table of agenda.code equals the reference's, unit by unit and column by column."""
    codebook = agenda.parse_codebook(yaml.safe_dump(data, allow_unicode=True), source="fuzz.yaml")
    ref = reference.codebook_from_data(data)
    columns = ref.item_ids + ref.context_columns + ["n_items", "primary"]
    engine = agenda.code(docs, codebook, date_column="date")
    expected = [
        row
        for d, day, text in docs.select("doc_id", "date", "text").iter_rows()
        for row in reference.code_document(d, text, ref, day)
    ]
    got = engine.select("doc_id", "unit", *columns).to_dicts()
    assert [(r["doc_id"], r["unit"]) for r in got] == [(r["doc_id"], r["unit"]) for r in expected]
    texts = dict(docs.select("doc_id", "text").iter_rows())
    for e, r in zip(got, expected):
        diff = {c: (e[c], r[c]) for c in columns if e[c] != r[c]}
        assert not diff, (
            f"{e['doc_id']} unit {e['unit']}: (engine, reference) {diff}\n"
            f"document: {texts[e['doc_id']]!r}\ncodebook: {data['items']}"
        )


@pytest.mark.parametrize("seed", range(FUZZ_SEEDS))
def test_random_codebooks_and_corpora(seed, engine):
    rng = random.Random(seed)
    compare(codebook_data(rng), corpus(rng))
