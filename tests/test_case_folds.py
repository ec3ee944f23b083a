"""Case folds that change a string's length (İ) or depend on the place in a word (final Σ).

An item with a case-sensitive rule is matched on the case-kept token string, its other rules
case-insensitively there; they must match exactly where they match on the lower-cased string
(issue 21), so the counts, the long table's terms, kwic, explain and rules agree.
"""

from __future__ import annotations

import random
import unicodedata

import polars as pl
import pytest

import agenda
from agenda.explain import explain
from agenda.kwic import kwic
from agenda.rules import rules
from conftest import make_codebook

ISTANBUL = make_codebook("""
    - id: city
      code: 1
      label: City
      terms: [{term: START, case_sensitive: true}, İstanbul]
""")
TWO = pl.DataFrame({"doc_id": ["d"], "text": ["İstanbul is big.\n\nThe START treaty and İstanbul."]})


def test_dotted_capital_i_beside_a_case_sensitive_rule(engine):
    assert agenda.code(TWO, ISTANBUL)["city"].to_list() == [1, 2]
    long = agenda.code(TWO, ISTANBUL, long=True)
    assert long.select("unit", "hits", "terms").rows() == [(1, 1, "İstanbul"), (2, 2, "START; İstanbul")]
    lines = kwic(TWO, ISTANBUL)
    assert lines.select("unit", "term", "match").rows() == [
        (1, "İstanbul", "İstanbul"),
        (2, "START", "START"),
        (2, "İstanbul", "İstanbul"),
    ]
    e = explain(TWO, ISTANBUL, "d", 2)
    assert e.marked == "The [START]1 treaty and [İstanbul]2."
    assert e.items.select("matches", "hits").rows() == [(2, 2)]
    table = rules(TWO, ISTANBUL)
    assert table.select("rule", "units", "hits").rows() == [("START", 1, 1), ("İstanbul", 2, 2)]


FOLDING = ["İ", "i", "I", "ẞ", "ß", "ǅ", "ǆ", "Ǆ", "Σ", "σ", "ς", "a", "A", "s"]


def _low(text: str) -> str:
    """A word as the lower-cased token string holds it: NFKC, then Unicode lower case (final sigma included)."""
    return unicodedata.normalize("NFKC", text).lower()


@pytest.mark.parametrize("seed", range(20))
def test_length_changing_folds_random(engine, seed):
    # Words of letters whose lower case has another length (İ) or another form at a word's end
    # (Σ), or whose NFKC form is longer (ǅ), against a case-sensitive term, a case-insensitive
    # term and a prefix: the counts, the long table's terms and kwic are the matches a plain
    # Python reading of the words gives.
    rng = random.Random(seed)
    words = ["".join(rng.choice(FOLDING) for _ in range(rng.randint(1, 3))) for _ in range(6)]
    kept, folded, prefix = rng.choice(words), rng.choice(words), rng.choice(FOLDING)
    codebook = make_codebook(f"""
        - id: x
          code: 1
          label: X
          terms: [{{term: "{kept}", case_sensitive: true}}, "{folded}", "{prefix}*"]
    """)
    units = [[rng.choice(words) for _ in range(rng.randint(1, 6))] for _ in range(8)]
    corpus = pl.DataFrame({"doc_id": [f"d{k}" for k in range(len(units))], "text": [" ".join(u) for u in units]})

    def matches(word: str) -> bool:
        nfkc = unicodedata.normalize("NFKC", word)
        return (
            nfkc == unicodedata.normalize("NFKC", kept)
            or _low(word) == _low(folded)
            or _low(word).startswith(_low(prefix))
        )

    found = {f"d{k}": [w for w in u if matches(w)] for k, u in enumerate(units)}
    expected = {d: len(m) for d, m in found.items() if m}
    wide = agenda.code(corpus, codebook)
    assert {d: h for d, h in zip(wide["doc_id"], wide["x"]) if h} == expected, (kept, folded, prefix, units)
    long = agenda.code(corpus, codebook, long=True)
    assert dict(zip(long["doc_id"], long["hits"])) == expected
    terms = {d: "; ".join(sorted({unicodedata.normalize("NFKC", w) for w in m})) for d, m in found.items() if m}
    assert dict(zip(long["doc_id"], long["terms"])) == terms
    lines = kwic(corpus, codebook)
    assert {d: m for d, m in lines.group_by("doc_id", maintain_order=True).agg("match").iter_rows()} == {
        d: m for d, m in found.items() if m
    }
