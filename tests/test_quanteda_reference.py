"""Imported quanteda dictionaries give quanteda 4.3.1's counts (shared/reference)."""

from __future__ import annotations

import polars as pl
import pytest

import agenda
from agenda.dictionaries import import_dictionary
from conftest import REFERENCE, hits, needs_shared

KEYS = {
    "foreign": "foreign",
    "economy": "economy",
    "government.federal": "government_federal",
    "government.states": "government_states",
    "freedom": "freedom",
}
# The cells that differed while hyphenated words were split (before imports set
# `tokens: {hyphens: join}`): quanteda keeps "Union-loving" (not `union`), "half-free." and
# "disease-free." (not `free *`) as one token each. Each cell is a known answer: quanteda's count.
HYPHEN_CELLS = {
    ("1857-Buchanan.9", "government.federal"): 2,
    ("2013-Obama.6", "freedom"): 1,
    ("2025-Trump.69", "freedom"): 0,
}


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> pl.DataFrame:
    out = tmp_path_factory.mktemp("ref") / "small.yaml"
    import_dictionary(REFERENCE / "small_dict_glob.yml", out=out)
    return agenda.code(REFERENCE / "inaugural_paragraphs.csv", out, unit="document")


@needs_shared(REFERENCE)
def test_inaugural_counts_agree_with_quanteda(coded):
    ref = pl.read_csv(REFERENCE / "inaugural_small_para_counts.csv")
    assert coded.height == ref.height == 1850
    joined = ref.join(coded.select("doc_id", *[pl.col(v).alias(f"ours_{k}") for k, v in KEYS.items()]), on="doc_id")
    assert joined.height == ref.height
    differing = {
        (row["doc_id"], key): (row[key], row[f"ours_{key}"])
        for key in KEYS
        for row in joined.filter(pl.col(key) != pl.col(f"ours_{key}")).iter_rows(named=True)
    }
    assert differing == {}  # all 9,250 paragraph x key cells
    for (doc_id, key), count in HYPHEN_CELLS.items():
        assert joined.filter(pl.col("doc_id") == doc_id)[f"ours_{key}"].item() == count


@needs_shared(REFERENCE)
def test_hyphen_cells_are_hyphenated_words():
    text = pl.read_csv(REFERENCE / "inaugural_paragraphs.csv").select("doc_id", "text")
    texts = dict(text.iter_rows())
    assert "Union-loving" in texts["1857-Buchanan.9"]
    assert "half-free." in texts["2013-Obama.6"]
    assert "disease-free." in texts["2025-Trump.69"]


# Probes from quanteda-semantics.txt: (dictionary YAML, text, quanteda's counts by key).
PROBES = [
    (
        "fp: [foreign polic*, foreign]\nally: [alli*]",
        "Our foreign policy and foreign affairs; our allies and alliances.",
        {"fp": 2, "ally": 2},
    ),
    ("city: [new york]\npaper: [new york times]", "New York Times reported on New York.", {"city": 2, "paper": 1}),
    ("k1: [a b, b c]", "a b c", {"k1": 1}),
    ("k1: [a a]", "a a a", {"k1": 1}),
    ("econ: [tax*, taxes]", "taxes and tax", {"econ": 2}),
    ("k1: [a b, b c d]", "a b c d", {"k1": 1}),
    ("def: [nation* defen*]", "national defense and nation's defences", {"def": 2}),
    ("fp: [foreign policy]", "foreign, policy / foreign policy", {"fp": 1}),
    ("fp: [foreign policy]", "foreign\n\npolicy", {"fp": 1}),
    ("fr: [free *]", "free trade, free and fair elections, free people", {"fr": 3}),
    (
        "gov:\n  fed: [federal, union]\n  states: [state*]\necon: [tax*]",
        "The federal union and the states tax.",
        {"gov_fed": 2, "gov_states": 1, "econ": 1},
    ),
    ("k: [us]", "US and us and Us", {"k": 3}),
    ("k: [a.b]", "a.b ab a+b", {"k": 1}),
    ("k: ['tax?']", "tax taxes taxi syntax", {"k": 1}),
    ("k: ['*tax']", "tax taxes taxi syntax", {"k": 2}),
]


@pytest.mark.parametrize(("dictionary", "text", "expected"), PROBES)
def test_quanteda_probes(write, dictionary, text, expected):
    path = write("probe.yml", dictionary + "\n")
    out = path.with_name("probe.yaml")
    import_dictionary(path, out=out)
    counts = hits(text, agenda.load_codebook(out))
    assert {key: counts[key] for key in expected} == expected
