"""agenda suggest: candidate terms by keyness (G2), worked by hand."""

import math

import polars as pl
import pytest

from agenda.codebook import parse_codebook
from agenda.errors import AgendaError
from agenda.suggest import suggest

CODEBOOK = parse_codebook(
    """
codebook: t
version: 1.0.0
items:
  - {id: x, code: 1, label: X, terms: [alpha]}
  - {id: y, code: 2, label: Y, terms: [beta]}
"""
)
# x codes units 1 and 2 (target); units 3 and 4 are the reference.
CORPUS = pl.DataFrame(
    {"doc_id": ["d"], "text": ["alpha beta beta\n\nalpha beta delta\n\ngamma delta\n\ngamma gamma delta"]}
)


def dunning(a: int, b: int, ta: int, tb: int) -> float:
    """G2 of the table [[a, b], [ta - a, tb - b]], written out cell by cell."""
    n = ta + tb
    observed = [a, b, ta - a, tb - b]
    expected = [ta * (a + b) / n, tb * (a + b) / n, ta * (n - a - b) / n, tb * (n - a - b) / n]
    return 2 * sum(o * math.log(o / e) for o, e in zip(observed, expected) if o > 0)


def test_keyness_by_hand():
    table = suggest(CORPUS, CODEBOOK, "x", min_count=1)
    # Words: target alpha 2, beta 3, delta 1 (6); reference gamma 3, delta 2 (5).
    # Phrases: target 'alpha beta' 2, 'beta beta' 1, 'beta delta' 1 (4); reference 3.
    # alpha and 'alpha beta' hold the item's own term; delta is relatively rarer in the target.
    assert table.select("term", "words", "target", "reference", "target_units", "reference_units").rows() == [
        ("beta", 1, 3, 0, 2, 0),
        ("beta beta", 2, 1, 0, 1, 0),
        ("beta delta", 2, 1, 0, 1, 0),
    ]
    assert table["g2"].to_list() == pytest.approx([dunning(3, 0, 6, 5), dunning(1, 0, 4, 3), dunning(1, 0, 4, 3)])
    assert table["other_items"].to_list() == ["y", "y", "y"]  # y's term 'beta' already matches them


def test_min_count_and_top():
    assert suggest(CORPUS, CODEBOOK, "x", min_count=3)["term"].to_list() == ["beta"]
    assert suggest(CORPUS, CODEBOOK, "x", min_count=1, top=1)["term"].to_list() == ["beta"]


def test_errors():
    with pytest.raises(AgendaError, match="no item 'z'"):
        suggest(CORPUS, CODEBOOK, "z")
    nothing = pl.DataFrame({"doc_id": ["d"], "text": ["gamma\n\ndelta"]})
    with pytest.raises(AgendaError, match="item 'x' codes no unit"):
        suggest(nothing, CODEBOOK, "x")
    everything = pl.DataFrame({"doc_id": ["d"], "text": ["alpha\n\nalpha"]})
    with pytest.raises(AgendaError, match="codes every unit"):
        suggest(everything, CODEBOOK, "x")
    with pytest.raises(AgendaError, match="--top must be 1 or more"):
        suggest(CORPUS, CODEBOOK, "x", top=0)
