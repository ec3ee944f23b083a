"""Required literals of a regex, and the fast path that relies on them."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

import agenda
from agenda.engine.events import hits as event_hits
from agenda.engine.events import item_events
from agenda.engine.literals import required_literals
from agenda.engine.match import add_hits, add_token_columns, compile_codebook
from agenda.kwic import kwic
from conftest import FLAGSHIP, REPO, hits, make_codebook


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
        # Syntax both parse, but read differently: no literal is derived from it.
        (r"[[:digit:]]th anniversary", None),  # Python: the class `[[:digit:]` and a literal `]th`
        (r"[a-z&&[^aeiou]]ing", None),  # Rust's class intersection; Python: a nested set
        (r"[a-z--q]ing", None),  # class difference
        (r"[a-z~~q]ing", None),  # symmetric difference
        (r"[[a-z]]ing", None),  # a nested class
        (r"\<sanction", None),  # a word boundary in Rust, a literal < in Python
        (r"\b{start}sanction", None),
        (r"\P{Lu}anction", None),
        (r"(?x)sanc tion", None),  # verbose mode ignores whitespace inside classes in Rust only
        (r"(?u:sanction)", None),
        (r"(?-u:sanction)", None),
        (r"(?im:sanction)s", {"sanction"}),  # flags both read alike still screen
        (r"[]a]bcd", {"bcd"}),  # a leading ] is a literal in both
        (r"(?i:ΟΔΟΣ)", {"οδο"}),  # (?i)σ also matches the final ς: the run stops before it
    ],
)
def test_required_literals(regex, expected):
    assert required_literals(regex) == expected


def test_posix_class_pattern_counts_in_code_and_kwic(recwarn):
    # Issue 12: the screens read `[[:digit:]]` as Python does and counted 0 where kwic showed the match.
    codebook = make_codebook("""
        - id: jubilee
          code: 1
          label: Jubilee
          patterns: ['[[:digit:]]th anniversary']
    """)
    corpus = pl.DataFrame({"doc_id": ["d"], "text": ["It was the 5th anniversary."]})
    assert agenda.code(corpus, codebook)["jubilee"].to_list() == [1]
    lines = kwic(corpus, codebook)
    assert lines.select("left", "match", "right").rows() == [("It was the", "5th anniversary", ".")]
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]


def test_final_sigma_under_case_folding_is_counted():
    # (?i)ΟΔΟΣ matches "οδος" with its final ς: a screen on "οδοσ" would miss it.
    codebook = make_codebook("""
        - id: road
          code: 1
          label: Road
          patterns: ['ΟΔΟΣ']
    """)
    assert hits(["μια οδος εδω", "ΟΔΟΣ", "οδοι"], codebook) == [{"road": 1}, {"road": 1}, {"road": 0}]


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
        exact = event_hits(item_events(tokens, compiled), tokens.height).cast(pl.UInt32)  # every rule, no shortcut
        assert fast[compiled.item.id].to_list() == exact.to_list(), compiled.item.id
