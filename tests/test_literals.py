"""Required literals of a regex, and the fast path that relies on them."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

import agenda
from agenda.literals import required_literals
from agenda.match import add_hits, add_token_columns, compile_codebook
from conftest import FLAGSHIP, REPO


@pytest.mark.parametrize(
    "regex, expected",
    [
        (r"\bembass\w*\s+said", {"embass"}),  # the longest literal of a sequence
        (r"(?:expansion|enlargement)\s+nato", {"xpansion", "nlargement"}),  # a branch (its common "e" factored out)
        (r"(?:expansion|enlargement) of nato", {" of nato"}),  # of equal lengths, the single literal
        (r"(?i:\bSTART\b)", {"start"}),  # case-insensitive literals are lower-cased
        (r"(?:abc)?defg", {"defg"}),  # an optional part is never required
        (r"x{0,3}yyy", {"yyy"}),
        (r"(?:foo){2,}", {"foo"}),
        (r"a|b", None),  # too short to screen anything
        (r"[ab]cd", None),
        (r"(?:iran|x)", None),  # one branch without a literal spoils the branch
        (r"\p{L}+", None),  # syntax Python's parser does not know
    ],
)
def test_required_literals(regex, expected):
    assert required_literals(regex) == expected


def test_fast_path_equals_exact_count_everywhere():
    # The screened, triggered fast path must give the exact count of every item on every unit.
    codebook = agenda.load_codebook(FLAGSHIP)
    cases = yaml.safe_load((REPO / "tests" / "data" / "flagship_cases.yaml").read_text(encoding="utf-8"))
    corpus = agenda.read_corpus(REPO / "examples" / "corpus")
    units = agenda.segment(corpus).collect().select("doc_id", "unit", "text")
    texts = pl.DataFrame({"doc_id": "case", "unit": range(len(cases)), "text": [c["text"] for c in cases]})
    units = pl.concat([units, texts.cast(units.schema)])
    tokens = add_token_columns(units.lazy(), codebook).collect()
    fast = add_hits(tokens.drop("_agenda_tokens_cs"), codebook)
    for compiled in compile_codebook(codebook):
        exact = tokens.select(compiled.exact_hits()).to_series()
        assert fast[compiled.item.id].to_list() == exact.to_list(), compiled.item.id
