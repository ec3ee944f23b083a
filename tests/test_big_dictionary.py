"""A 10,000-entry dictionary of LIWC's shape, imported as a user would, counts as the reference does.

The dictionary is benchmarks/big_dictionary.py's (most entries single-word globs, a tenth
multi-word (about 16%), 70 keys, an entry in one to three of them); the texts are the benchmark generator's
paragraphs, mentioning the dictionary's entries (globs completed, case varied, possessives,
contractions, hyphens). Both engine paths (the native passes, and polars alone) are compared
with benchmarks/reference.py, which shares no code with agenda.
"""

from __future__ import annotations

import sys

import pytest
import yaml

import agenda
from conftest import REPO, hits

sys.path.insert(0, str(REPO / "benchmarks"))
import big_dictionary  # noqa: E402
import make_corpus  # noqa: E402
import reference  # noqa: E402


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[agenda.Codebook, dict]:
    path = big_dictionary.write(keys=70, out=tmp_path_factory.mktemp("big") / "big.yaml")
    return agenda.load_codebook(path), yaml.safe_load(path.read_text("utf-8"))


def paragraphs(data: dict, n: int) -> list[str]:
    gen = make_corpus.Generator(5, [])
    gen.items = [(item["id"], [(t, False) for t in item.get("terms", [])], []) for item in data["items"]]
    return [gen.paragraph(ru=k % 7 == 0) for k in range(n)]


def test_the_dictionary_has_its_shape(big):
    codebook, data = big
    entries = {r.text for item in codebook.items for r in item.rules}
    assert len(codebook.items) == 70 and len(entries) == 10_000
    assert {r.kind for item in codebook.items for r in item.rules} == {"term"}
    assert sum("*" in e and " " not in e for e in entries) > 4000  # most are single-word globs
    assert 1000 < sum(" " in e for e in entries) < 2000  # some multi-word
    assert codebook.joins.hyphens and codebook.joins.apostrophes  # set by the importer


def test_counts_equal_the_reference(big, engine):
    codebook, data = big
    texts = paragraphs(data, 300)
    texts += ["They won't say it; the nation's  self-rule isn't X-ray'd", "no-one can't ' t", "'quoted' it'"]
    ref = reference.codebook_from_data(data)
    expected = [reference.code_text(t, ref) for t in texts]
    got = hits(texts, codebook)
    for text, e, r in zip(texts, got, expected):
        assert e == r, f"engine {e} != reference {r} on {text!r}"
    assert sum(sum(r.values()) for r in expected) > 1000  # the texts do mention the dictionary


def test_an_item_too_big_for_the_regex_engine_is_refused_at_load():
    # About 7,000 globs in one item exceed polars' regex size limit (10 MB compiled); the codebook
    # is refused when loaded, naming the item, not when a corpus is coded.
    letters = "abcdefghij"
    globs = ["".join(letters[(k // 10**p) % 10] for p in range(5)) + "x*" for k in range(9000)]
    head = "codebook: t\nversion: '1'\nitems:\n  - {id: huge, code: 1, label: H, terms: ["
    text = head + ", ".join(globs) + "]}\n"
    with pytest.raises(agenda.AgendaError, match=r"item 'huge': rules do not compile: .*size limit"):
        agenda.parse_codebook(text, source="huge.yaml")
    fits = text.replace(", ".join(globs), ", ".join(globs[:900]))  # below the size where it is checked
    assert hits("aaaaax baaaaxyz abcdex", agenda.parse_codebook(fits, source="fits.yaml")) == {"huge": 2}
